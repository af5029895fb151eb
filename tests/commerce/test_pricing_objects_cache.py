"""The ids of Stripe Coupons and TaxRates already made are kept in the shared cache: a
Checkout Session with a known tax asks the database nothing about it, and a deleted
row is forgotten (its object is made again when next needed)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from commerce.models import OrderAdjustment, StripePricingObject
from commerce.payments.accounts import account_for_currency
from commerce.payments.pricing_objects import tax_rate_for
from tests.conftest import stripe_client

pytestmark = pytest.mark.django_db


def vat() -> OrderAdjustment:
    return OrderAdjustment(kind="tax", name="VAT", rate=Decimal(20), inclusive=True)


def test_a_known_tax_rate_is_found_without_a_query(stripe_emulator, django_assert_num_queries):
    account = account_for_currency("USD")
    made = tax_rate_for(account, vat())
    tax_rate_for(account, vat())  # read once after the row was written

    with django_assert_num_queries(0):
        assert tax_rate_for(account, vat()) == made
    assert StripePricingObject.objects.get().stripe_id == made


def test_a_deleted_row_is_forgotten_and_made_again(stripe_emulator):
    account = account_for_currency("USD")
    made = tax_rate_for(account, vat())
    tax_rate_for(account, vat())

    StripePricingObject.objects.get().delete()

    assert tax_rate_for(account, vat()) == made  # the same terms, the same idempotency key
    assert StripePricingObject.objects.get().stripe_id == made
    assert len(stripe_client(stripe_emulator, "usd").v1.tax_rates.list().data) == 1
