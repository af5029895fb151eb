"""Discount codes and the site's taxes in the cart: the same pricing as the order and
Stripe Checkout, and a clear 400 for every code that cannot be used."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from commerce.models import Discount, ShopSettings, Tax
from tests.factories import ItemPageFactory

from .cart_helpers import add, cart_of, post_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def mug(catalog):
    return ItemPageFactory(parent=catalog, title="Enamel Mug", price_amount=1450)


@pytest.fixture
def welcome():
    return Discount.objects.create(name="Welcome", code="WELCOME10", percent_off=10)


def apply(client, code):
    return post_json(client, "/v2/cart/discount/", {"code": code})


def test_a_code_takes_its_share_off_the_total(client, mug, welcome):
    add(client, mug, 2)
    response = apply(client, "  welcome10 ")
    assert response.status_code == 200
    body = response.json()
    assert body["applied"] is True and body["discountCode"] == "WELCOME10"
    cart = body["cart"]
    assert cart["discountCode"] == "WELCOME10"
    assert (cart["subtotal"], cart["discount"], cart["total"]) == (2900, 290, 2610)
    assert cart["formattedDiscount"] == "$2.90"
    assert cart_of(client) == cart


def test_delete_removes_the_code(client, mug, welcome):
    add(client, mug)
    apply(client, "WELCOME10")
    response = client.delete("/v2/cart/discount/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["cart"]["discountCode"] is None
    assert response.json()["cart"]["discount"] == 0


@pytest.mark.parametrize(
    ("discount", "message"),
    [
        (None, "is not a valid discount code"),
        ({"active": False}, "is not a valid discount code"),
        ({"valid_until": timedelta(days=-1)}, "has expired"),
        ({"valid_from": timedelta(days=1)}, "is not valid yet"),
        ({"max_redemptions": 0}, "has been used up"),
        ({"percent_off": None, "amount_off": 500, "currency": "EUR"}, "is for EUR prices"),
    ],
)
def test_codes_that_cannot_be_used_are_refused_with_the_reason(client, mug, discount, message):
    if discount is not None:
        fields = {"name": "Spring", "code": "SPRING", "percent_off": 15, **discount}
        for name in ("valid_from", "valid_until"):
            if name in fields:
                fields[name] = timezone.now() + fields[name]
        Discount.objects.create(**fields)
    add(client, mug)
    response = apply(client, "SPRING")
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert cart_of(client)["discountCode"] is None


def test_a_code_needs_a_cart_and_a_code(client, home_page, mug, welcome):
    assert "before entering a discount code" in apply(client, "WELCOME10").json()["error"]
    add(client, mug)
    assert apply(client, "").json()["error"] == "code is required."
    assert apply(client, 10).status_code == 400


def test_a_code_that_expires_after_it_was_entered_stops_counting(client, mug, welcome):
    add(client, mug)
    apply(client, "WELCOME10")
    welcome.valid_until = timezone.now() - timedelta(seconds=1)
    welcome.save()
    cart = cart_of(client)
    assert cart["discount"] == 0 and cart["total"] == 1450
    assert "has expired" in cart["discountProblem"]


def test_the_sites_taxes_for_the_carts_currency(client, home_page, mug, welcome):
    shop = ShopSettings.for_site(home_page.get_site())
    shop.save()
    sales_tax = Tax.objects.create(name="Sales tax", rate="8.875", currencies="USD")
    vat = Tax.objects.create(name="VAT", rate="20", inclusive=True, currencies="EUR")
    shop.default_taxes.add(sales_tax, vat)

    add(client, mug, 2)
    apply(client, "WELCOME10")
    cart = cart_of(client)
    # 2900 - 290 = 2610 taxed at 8.875%: 231.6 -> 232, added on top.
    assert cart["taxes"] == [
        {
            "name": "Sales tax",
            "rate": "8.875",
            "inclusive": False,
            "amount": 232,
            "formattedAmount": "$2.32",
        }
    ]
    assert (cart["tax"], cart["total"]) == (232, 2610 + 232)

    teapot = ItemPageFactory(parent=mug.get_parent(), price_amount=1200, currency="EUR")
    cart = add(client, teapot, replace=True).json()["cart"]
    # VAT is part of the price: 1200 * 20 / 120 = 200 of it, the total unchanged.
    assert [(tax["name"], tax["inclusive"], tax["amount"]) for tax in cart["taxes"]] == [
        ("VAT", True, 200)
    ]
    assert cart["total"] == 1200 and cart["discountCode"] is None
