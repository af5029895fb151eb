"""Orders from the cart: placing one, reading it back (its owner only), paying it through
Checkout, and the cart emptying once it is paid, not before."""

from __future__ import annotations

import re
import urllib.request

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from commerce.models import Discount, Order, OrderStatus, ShopSettings, Tax
from tests.conftest import stripe_client
from tests.emulator_actions import pay_session
from tests.factories import ImageFactory, ItemPageFactory

from .cart_helpers import add, cart_of, post_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def mug(catalog):
    return ItemPageFactory(parent=catalog, title="Enamel Mug", price_amount=1450, sku="MUG-1")


@pytest.fixture
def tote(catalog):
    return ItemPageFactory(parent=catalog, title="Canvas Tote", price_amount=2000)


@pytest.fixture
def priced_shop(home_page):
    shop = ShopSettings.for_site(home_page.get_site())
    shop.save()
    shop.default_taxes.add(Tax.objects.create(name="Sales tax", rate="8.875", currencies="USD"))
    Discount.objects.create(name="Welcome", code="WELCOME10", percent_off=10)


def place(client):
    return post_json(client, "/v2/cart/order/")


def order_of(client, order_id):
    return client.get(f"/v2/order/{order_id}/", HTTP_ACCEPT="application/json")


def test_an_empty_cart_places_no_order(client, home_page):
    response = place(client)
    assert response.status_code == 400
    assert response.json() == {"error": "Your cart is empty.", "orderCreated": False}
    assert not Order.objects.exists()


def test_placing_the_cart_makes_one_pending_order_of_its_lines(
    client, mug, tote, priced_shop, django_capture_on_commit_callbacks
):
    add(client, mug, 2)
    add(client, tote)
    post_json(client, "/v2/cart/discount/", {"code": "WELCOME10"})
    cart = cart_of(client)

    with django_capture_on_commit_callbacks(execute=True):
        response = place(client)

    assert response.status_code == 201
    body = response.json()
    assert body["orderCreated"] is True
    order = Order.objects.get(pk=body["orderId"])
    assert order.status == OrderStatus.PENDING
    assert [(line.item_id, line.quantity, line.unit_amount) for line in order.lines.all()] == [
        (mug.pk, 2, 1450),
        (tote.pk, 1, 2000),
    ]
    assert (order.subtotal_amount, order.discount_amount, order.tax_amount, order.total_amount) == (
        cart["subtotal"],
        cart["discount"],
        cart["tax"],
        cart["total"],
    )
    assert cart_of(client) == cart, "the cart stays full until the order is paid"


def test_the_same_cart_placed_again_is_the_same_order_and_a_changed_cart_a_new_one(
    client, mug, tote
):
    add(client, mug)
    first = place(client).json()["orderId"]
    assert place(client).json()["orderId"] == first
    add(client, tote)
    second = place(client).json()["orderId"]
    assert second != first
    assert Order.objects.get(pk=second).lines.count() == 2


def test_the_order_json_is_for_its_owner_only(client, mug, priced_shop):
    add(client, mug, 2)
    post_json(client, "/v2/cart/discount/", {"code": "WELCOME10"})
    order_id = place(client).json()["orderId"]

    response = order_of(client, order_id)
    assert response.status_code == 200
    assert response.json() == {
        "orderId": order_id,
        "status": "pending",
        "paid": False,
        "currency": "USD",
        "lines": [
            {
                "itemId": mug.pk,
                "title": "Enamel Mug",
                "quantity": 2,
                "unitAmount": 1450,
                "amount": 2900,
                "formattedUnitAmount": "$14.50",
                "formattedAmount": "$29.00",
            }
        ],
        "count": 2,
        "subtotal": 2900,
        "discount": 290,
        "taxes": [
            {
                "name": "Sales tax",
                "rate": "8.875",
                "inclusive": False,
                "amount": 232,
                "formattedAmount": "$2.32",
            }
        ],
        "tax": 232,
        "total": 2842,
        "formattedSubtotal": "$29.00",
        "formattedDiscount": "$2.90",
        "formattedTax": "$2.32",
        "formattedTotal": "$28.42",
    }
    assert order_of(client, order_id).json()["total"] == Order.objects.get().total_amount

    stranger = Client()
    stranger.get("/v2/cart/", HTTP_ACCEPT="application/json")
    for other in (stranger, Client()):
        refused = order_of(other, order_id)
        assert refused.status_code == 404
        assert refused.json() == {"error": "No order with this id."}
        assert post_json(other, f"/v2/order/{order_id}/checkout/").status_code == 404
    for junk in ("abc", "99999", "1%00", "-1"):
        assert order_of(client, junk).status_code == 404


def test_a_signed_in_shoppers_orders_are_theirs_in_any_browser(mug):
    shopper = get_user_model().objects.create_user("ada", "ada@example.com", "a passphrase")
    laptop, phone = Client(), Client()
    laptop.force_login(shopper)
    add(laptop, mug)
    order_id = place(laptop).json()["orderId"]
    assert Order.objects.get(pk=order_id).user == shopper
    phone.force_login(shopper)
    assert order_of(phone, order_id).status_code == 200


def test_checkout_for_the_order_matches_its_total_and_paying_empties_the_cart(
    client, stripe_emulator, mug, tote, priced_shop, django_capture_on_commit_callbacks
):
    add(client, mug, 2)
    add(client, tote)
    post_json(client, "/v2/cart/discount/", {"code": "WELCOME10"})
    order_id = place(client).json()["orderId"]

    response = post_json(client, f"/v2/order/{order_id}/checkout/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["sessionId"].startswith("cs_") and body["url"].startswith("http")
    again = post_json(client, f"/v2/order/{order_id}/checkout/").json()
    assert again["sessionId"] == body["sessionId"], "an open session is handed out again"
    order = Order.objects.get(pk=order_id)
    session = stripe_client(stripe_emulator, "usd").v1.checkout.sessions.retrieve(body["sessionId"])
    assert session.amount_total == order.total_amount
    assert session.total_details.amount_discount == order.discount_amount
    assert session.total_details.amount_tax == order.tax_amount

    assert pay_session(stripe_emulator, body["sessionId"])
    assert cart_of(client)["count"] == 3, "paid at Stripe, but the store does not know yet"
    with django_capture_on_commit_callbacks(execute=True):
        success = client.get(f"/checkout/success/?session_id={body['sessionId']}")
    assert success.status_code == 200
    assert Order.objects.get(pk=order_id).status == OrderStatus.PAID
    assert cart_of(client)["count"] == 0
    assert order_of(client, order_id).json()["paid"] is True
    refused = post_json(client, f"/v2/order/{order_id}/checkout/")
    assert refused.status_code == 409
    assert refused.json()["error"] == "This order is already paid."


def test_paying_an_older_order_of_a_cart_changed_since_leaves_the_cart(
    client, mug, tote, django_capture_on_commit_callbacks
):
    from commerce.cart import clear_cart_for_order

    add(client, mug)
    older = Order.objects.get(pk=place(client).json()["orderId"])
    add(client, tote)
    newer = Order.objects.get(pk=place(client).json()["orderId"])
    assert clear_cart_for_order(older) is False
    assert cart_of(client)["count"] == 2
    assert clear_cart_for_order(newer) is True
    assert cart_of(client)["count"] == 0


def test_hosted_checkout_shows_each_line_with_its_picture(client, stripe_emulator, catalog, mug):
    framed = ItemPageFactory(parent=catalog, title="Framed Print", image=ImageFactory())
    add(client, mug)
    add(client, framed)
    order_id = place(client).json()["orderId"]
    url = post_json(client, f"/v2/order/{order_id}/checkout/").json()["url"]
    with urllib.request.urlopen(url, timeout=5) as page:
        html = page.read().decode()
    assert "Enamel Mug" in html and "Framed Print" in html
    assert len(re.findall(r"src='http://testserver/media/images/[^']+\.png'", html)) == 1


def test_the_pay_form_without_javascript_goes_to_checkout(client, stripe_emulator, mug):
    add(client, mug)
    response = client.post("/v2/cart/order/")
    assert response.status_code == 303
    assert response["Location"].startswith(stripe_emulator.base_url)
    empty = Client().post("/v2/cart/order/")
    assert empty.status_code == 400
    assert "Your cart is empty." in empty.content.decode()


def test_placing_and_checkout_refuse_prefetches(client, mug):
    add(client, mug)
    assert post_json(client, "/v2/cart/order/", HTTP_SEC_PURPOSE="prefetch").status_code == 403
    assert not Order.objects.exists()
