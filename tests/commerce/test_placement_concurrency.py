"""Placements racing for the last redemptions of a discount: never more orders than it
allows. Real threads, each with its own database connection."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection

from commerce.models import Discount, Order
from commerce.orders import PlacementRefused
from commerce.orders.placement import place_order
from tests.factories import ItemPageFactory

pytestmark = pytest.mark.django_db(transaction=True)

SHOPPERS = 8
ALLOWED = 3


def test_a_limited_discount_is_never_redeemed_more_often_than_allowed(catalog):
    item = ItemPageFactory(parent=catalog, title="Mug", price_amount=1450)
    discount = Discount.objects.create(
        name="Few", code="FEW", percent_off=Decimal(10), max_redemptions=ALLOWED
    )
    start = threading.Barrier(SHOPPERS)

    def shop(number: int) -> str:
        try:
            start.wait(timeout=10)
            place_order(
                currency="USD",
                lines=[(item, 1)],
                discount=discount,
                shopper_key=f"shopper-{number}",
                user=None,
                open_key=f"cart:{number}:1",
            )
            return "placed"
        except PlacementRefused as refusal:
            return refusal.message
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=SHOPPERS) as pool:
        outcomes = list(pool.map(shop, range(SHOPPERS)))

    assert outcomes.count("placed") == ALLOWED
    assert set(outcomes) - {"placed"} == {"The code 'FEW' has been used up."}
    assert Order.objects.count() == ALLOWED
    assert discount.redemptions() == ALLOWED
