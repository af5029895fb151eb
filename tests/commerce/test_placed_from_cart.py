"""An order knows whether a cart placed it: paying one looks for a cart to empty, paying
a bought-now order does not (one query of every paying webhook saved)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from commerce.cart import cart as carts
from commerce.cart import store
from commerce.models import Order
from tests.factories import ItemPageFactory

from .cart_helpers import add, post_json


@pytest.mark.django_db
def test_a_cart_places_orders_marked_as_its_own_and_buy_now_does_not(
    client, stripe_emulator, catalog, monkeypatch
):
    item = ItemPageFactory(parent=catalog, title="Mug", price_amount=1450)
    bought = Order.objects.get(pk=client.get(f"/v1/buy/{item.pk}/").json()["orderId"])
    add(client, item)
    from_cart = Order.objects.get(pk=post_json(client, "/v2/cart/order/").json()["orderId"])

    assert from_cart.placed_from_cart and not bought.placed_from_cart
    looked_up = []
    monkeypatch.setattr(store, "load", lambda key: looked_up.append(key) or {})
    assert carts.clear_cart_for_order(bought) is False
    assert looked_up == [], "a bought-now order has no cart to look for"
    carts.clear_cart_for_order(from_cart)
    assert looked_up == [carts.order_record_key(from_cart)]


BEFORE = [("commerce", "0007_lifecycle_refunds_receipts_payment_page")]
AFTER = [("commerce", "0008_order_placed_from_cart")]


@pytest.mark.django_db(transaction=True)
def test_orders_open_when_the_field_came_are_marked_by_their_open_key():
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps.get_model("commerce", "Order")
        common = {"currency": "USD", "subtotal_amount": 1450, "total_amount": 1450}
        cart_order = old.objects.create(open_key="cart:abc:3", **common)
        buy_order = old.objects.create(open_key="buy-now:s1:7", **common)
        closed = old.objects.create(open_key=None, status="paid", **common)
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps.get_model("commerce", "Order")
        marked = dict(new.objects.values_list("pk", "placed_from_cart"))
        assert marked == {cart_order.pk: True, buy_order.pk: False, closed.pk: False}
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
