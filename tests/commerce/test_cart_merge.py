"""A guest's cart joins the shopper's own cart when they sign in; a signed-in shopper's
cart follows them from browser to browser."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.factories import ItemPageFactory

from .cart_helpers import add, cart_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper():
    return get_user_model().objects.create_user("ada", "ada@example.com", "a long passphrase")


@pytest.fixture
def mug(catalog):
    return ItemPageFactory(parent=catalog, title="Enamel Mug", price_amount=1450)


@pytest.fixture
def tote(catalog):
    return ItemPageFactory(parent=catalog, title="Canvas Tote", price_amount=2000)


def lines(client) -> list[tuple[int, int]]:
    return [(line["itemId"], line["quantity"]) for line in cart_of(client)["lines"]]


def test_a_signed_in_shoppers_cart_follows_them_to_another_browser(shopper, mug):
    laptop, phone = Client(), Client()
    laptop.force_login(shopper)
    add(laptop, mug, 2)
    phone.force_login(shopper)
    assert lines(phone) == [(mug.pk, 2)]


def test_signing_in_merges_the_guest_cart_into_the_shoppers(shopper, mug, tote):
    laptop = Client()
    laptop.force_login(shopper)
    add(laptop, mug)
    add(laptop, tote)

    phone = Client()
    add(phone, mug, 2)
    phone.force_login(shopper)

    assert lines(phone) == [(mug.pk, 3), (tote.pk, 1)]
    assert lines(laptop) == [(mug.pk, 3), (tote.pk, 1)]
    assert "commerce_cart" not in phone.session, "the guest cart is gone, not kept twice"


def test_signing_out_leaves_an_empty_guest_cart_and_signing_in_brings_the_cart_back(shopper, mug):
    client = Client()
    client.force_login(shopper)
    add(client, mug)
    client.logout()
    assert lines(client) == []
    client.force_login(shopper)
    assert lines(client) == [(mug.pk, 1)]


def test_a_guest_cart_in_another_currency_replaces_the_older_one(shopper, catalog, mug):
    teapot = ItemPageFactory(parent=catalog, title="Teapot", currency="EUR")
    laptop = Client()
    laptop.force_login(shopper)
    add(laptop, mug)

    phone = Client()
    add(phone, teapot)
    phone.force_login(shopper)

    cart = cart_of(phone)
    assert cart["currency"] == "EUR"
    assert lines(phone) == [(teapot.pk, 1)]


def test_merging_keeps_the_limits(shopper, catalog, mug, tote, settings):
    settings.COMMERCE_CART_MAX_QUANTITY = 5
    settings.COMMERCE_CART_MAX_LINES = 2
    extra = ItemPageFactory(parent=catalog)
    laptop = Client()
    laptop.force_login(shopper)
    add(laptop, mug, 4)
    add(laptop, tote)

    phone = Client()
    add(phone, mug, 3)
    add(phone, extra)
    phone.force_login(shopper)

    assert lines(phone) == [(mug.pk, 5), (tote.pk, 1)]


def test_signing_in_without_a_guest_cart_changes_nothing(shopper, mug):
    laptop = Client()
    laptop.force_login(shopper)
    add(laptop, mug)
    phone = Client()
    phone.get("/v2/cart/", HTTP_ACCEPT="application/json")
    phone.force_login(shopper)
    assert lines(phone) == [(mug.pk, 1)]


def test_an_order_placed_as_a_guest_empties_the_merged_cart_when_paid(shopper, mug, tote):
    from commerce.cart import clear_cart_for_order
    from commerce.models import Order

    from .cart_helpers import post_json

    laptop = Client()
    laptop.force_login(shopper)
    add(laptop, tote)

    phone = Client()
    add(phone, mug)
    order = Order.objects.get(pk=post_json(phone, "/v2/cart/order/").json()["orderId"])
    phone.force_login(shopper)
    assert lines(phone) == [(tote.pk, 1), (mug.pk, 1)]

    assert clear_cart_for_order(order) is True
    assert lines(phone) == [] and lines(laptop) == []


def test_signing_in_never_fails_because_the_cart_is_busy(shopper, mug, monkeypatch, caplog):
    from commerce.cart import store

    monkeypatch.setattr(store, "LOCK_WAIT_SECONDS", 0.05)
    phone = Client()
    add(phone, mug)
    guest_key = phone.session["commerce_cart"]
    with store.locked(guest_key):  # another request is changing the guest cart
        phone.force_login(shopper)
    assert "_auth_user_id" in phone.session
    assert "Guest cart not merged" in caplog.text
