"""The one query that finds the payment attempt a Stripe object is and locks it with its
order: what it returns must be what the ORM would have read, on either database."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from commerce.models import Order, Payment, PaymentMethod, PaymentStatus
from commerce.orders.locking import lock_attempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt():
    order = Order.objects.create(
        currency="USD", subtotal_amount=1450, total_amount=1450, email="a@example.com"
    )
    return Payment.objects.create(
        order=order,
        method=PaymentMethod.PAYMENT_INTENT,
        attempt=1,
        status=PaymentStatus.OPEN,
        stripe_account="default",
        stripe_id="pi_locked",
        amount=1450,
        currency="USD",
    )


def field_values(instance):
    return {
        field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields
    }


def test_the_attempt_and_its_order_read_as_the_orm_reads_them(attempt):
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        found = lock_attempt("default", "pi_locked")
        order = found.order  # no query: read with the attempt

    assert len(captured) == 1
    assert field_values(found) == field_values(Payment.objects.get(pk=attempt.pk))
    assert field_values(order) == field_values(Order.objects.get(pk=attempt.order_id))
    # Converted from what the driver gives (SQLite hands back text for both).
    assert isinstance(order.reference, uuid.UUID)
    assert isinstance(found.started_at, datetime) and found.started_at.tzinfo is not None
    assert not found._state.adding and found._state.db == "default"
    if connection.features.has_select_for_update_of:
        sql = captured.captured_queries[0]["sql"]
        assert sql.endswith('FOR UPDATE OF "commerce_order", "commerce_payment"')


def test_only_the_accounts_attempt_of_the_method_is_found(attempt):
    with transaction.atomic():
        assert lock_attempt("default", "pi_locked", PaymentMethod.PAYMENT_INTENT).pk == attempt.pk
        assert lock_attempt("default", "pi_locked", PaymentMethod.CHECKOUT_SESSION) is None
        assert lock_attempt("EUR", "pi_locked") is None
        assert lock_attempt("default", "pi_other") is None
        assert lock_attempt("default", "") is None
        assert lock_attempt("default", {"id": "pi_locked"}) is None


@pytest.mark.django_db(transaction=True)
def test_locking_outside_a_transaction_is_refused_where_rows_can_be_locked(attempt):
    """As the ORM's select_for_update: a lock taken in autocommit would be let go at once."""
    if connection.features.has_select_for_update:
        with pytest.raises(TransactionManagementError):
            lock_attempt("default", "pi_locked")
    else:  # SQLite: a writer holds the whole database; nothing to refuse
        assert lock_attempt("default", "pi_locked").pk == attempt.pk
