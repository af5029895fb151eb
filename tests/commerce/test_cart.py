"""The session cart's endpoints: add, remove, update, the cart JSON and page, and every
refusal as JSON with the right status."""

from __future__ import annotations

import pytest
from django.test import Client
from wagtail.models import PageViewRestriction

from commerce.models import ShopSettings
from tests.factories import CatalogPageFactory, ItemPageFactory

from .cart_helpers import add, cart_of, post_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def mug(catalog):
    return ItemPageFactory(parent=catalog, title="Enamel Mug", price_amount=1450, sku="MUG-1")


@pytest.fixture
def tote(catalog):
    return ItemPageFactory(parent=catalog, title="Canvas Tote", price_amount=2000)


@pytest.fixture
def euro_item(catalog):
    return ItemPageFactory(parent=catalog, title="Teapot", price_amount=3000, currency="EUR")


def test_an_empty_cart(client, home_page):
    assert cart_of(client) == {
        "currency": None,
        "lines": [],
        "count": 0,
        "subtotal": 0,
        "discountCode": None,
        "discount": 0,
        "taxes": [],
        "tax": 0,
        "total": 0,
        "formattedSubtotal": "",
        "formattedDiscount": "",
        "formattedTax": "",
        "formattedTotal": "",
    }


def test_adding_answers_the_line_and_the_whole_cart(client, mug, tote):
    response = add(client, mug, 2)
    assert response.status_code == 200
    body = response.json()
    assert body["itemId"] == mug.pk and body["added"] is True and body["quantity"] == 2
    assert body["cart"]["lines"] == [
        {
            "itemId": mug.pk,
            "title": "Enamel Mug",
            "quantity": 2,
            "unitAmount": 1450,
            "amount": 2900,
            "formattedUnitAmount": "$14.50",
            "formattedAmount": "$29.00",
        }
    ]
    add(client, tote)  # quantity defaults to 1
    body = add(client, mug).json()
    assert body["quantity"] == 3
    cart = body["cart"]
    assert [(line["itemId"], line["quantity"]) for line in cart["lines"]] == [
        (mug.pk, 3),
        (tote.pk, 1),
    ]
    assert cart["currency"] == "USD"
    assert cart["count"] == 4
    assert cart["subtotal"] == cart["total"] == 3 * 1450 + 2000
    assert cart["formattedTotal"] == "$63.50"
    assert cart_of(client) == cart


def test_the_cart_keeps_no_prices_a_changed_price_shows_at_once(client, mug):
    add(client, mug)
    mug.price_amount = 999
    mug.save_revision().publish()
    assert cart_of(client)["total"] == 999


def test_remove_says_whether_the_item_was_there(client, mug, tote):
    add(client, mug)
    add(client, tote)
    response = post_json(client, "/v2/cart/remove/", {"itemId": mug.pk})
    assert response.status_code == 200
    assert response.json()["removed"] is True
    assert [line["itemId"] for line in response.json()["cart"]["lines"]] == [tote.pk]
    again = post_json(client, "/v2/cart/remove/", {"itemId": mug.pk}).json()
    assert again["itemId"] == mug.pk and again["removed"] is False
    post_json(client, "/v2/cart/remove/", {"itemId": tote.pk})
    assert cart_of(client)["currency"] is None


def test_update_sets_the_quantity(client, mug):
    add(client, mug, 5)
    body = post_json(client, "/v2/cart/update/", {"itemId": mug.pk, "quantity": 2}).json()
    assert body["updated"] is True and body["quantity"] == 2
    assert body["cart"]["lines"][0]["quantity"] == 2


def test_routes_answer_without_the_trailing_slash_too(client, mug):
    assert add(client, mug).status_code == 200
    assert post_json(client, "/v2/cart/add", {"itemId": mug.pk}).json()["quantity"] == 2
    assert (
        post_json(client, "/v2/cart/update", {"itemId": mug.pk, "quantity": 1}).status_code == 200
    )
    assert post_json(client, "/v2/cart/remove", {"itemId": mug.pk}).json()["removed"] is True
    assert client.get("/v2/cart", HTTP_ACCEPT="application/json").json()["count"] == 0
    assert post_json(client, "/v2/cart/nothing/", {}).status_code == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "itemId is required."),
        ({"itemId": "abc"}, "itemId must be an item's id"),
        ({"itemId": True}, "itemId must be an item's id"),
        ({"itemId": -3}, "itemId must be an item's id"),
        ({"itemId": 10**30}, "itemId must be an item's id"),
        ({"itemId": 987654}, "No item with this id is for sale."),
    ],
)
def test_bad_item_ids_are_refused(client, home_page, body, message):
    response = post_json(client, "/v2/cart/add/", body)
    assert response.status_code == 400
    assert response.json()["error"].startswith(message)


@pytest.mark.parametrize("quantity", [0, -1, 100, "2.5", "many", True, None, [1]])
def test_quantities_outside_one_to_the_maximum_are_refused(client, mug, quantity):
    body = {"itemId": mug.pk, "quantity": quantity}
    if quantity is None:
        body = {"itemId": mug.pk, "quantity": {"n": 1}}
    response = post_json(client, "/v2/cart/add/", body)
    assert response.status_code == 400
    assert "quantity" in response.json()["error"]
    assert cart_of(client)["count"] == 0


def test_the_maximum_counts_what_is_already_in_the_cart(client, mug, settings):
    settings.COMMERCE_CART_MAX_QUANTITY = 5
    assert add(client, mug, 4).status_code == 200
    response = add(client, mug, 2)
    assert response.status_code == 400
    assert response.json() == {"error": "A cart holds at most 5 of an item.", "maxQuantity": 5}
    assert cart_of(client)["count"] == 4
    assert (
        post_json(client, "/v2/cart/update/", {"itemId": mug.pk, "quantity": 6}).status_code == 400
    )


def test_too_many_lines_are_refused(client, catalog, settings):
    settings.COMMERCE_CART_MAX_LINES = 2
    items = [ItemPageFactory(parent=catalog) for _ in range(3)]
    assert add(client, items[0]).status_code == 200
    assert add(client, items[1]).status_code == 200
    response = add(client, items[2])
    assert response.status_code == 400
    assert response.json()["error"] == "A cart holds at most 2 different items."
    assert add(client, items[1]).status_code == 200, "more of an item already there is fine"


def test_unpublished_private_and_not_for_sale_items_are_refused(client, catalog, mug):
    unpublished = ItemPageFactory(parent=catalog)
    unpublished.unpublish()
    not_for_sale = ItemPageFactory(parent=catalog, available_for_sale=False)
    private_catalog = CatalogPageFactory(parent=catalog.get_parent(), title="Members")
    PageViewRestriction.objects.create(
        page=private_catalog, restriction_type=PageViewRestriction.LOGIN
    )
    private = ItemPageFactory(parent=private_catalog)
    for item in (unpublished, not_for_sale, private):
        response = add(client, item)
        assert response.status_code == 400
        assert response.json() == {
            "error": "No item with this id is for sale.",
            "itemId": item.pk,
        }
    assert cart_of(client)["count"] == 0


def test_items_that_stop_being_for_sale_drop_out_of_the_cart(client, mug, tote):
    add(client, mug)
    add(client, tote)
    tote.available_for_sale = False
    tote.save_revision().publish()
    cart = cart_of(client)
    assert [line["itemId"] for line in cart["lines"]] == [mug.pk]
    assert cart["total"] == 1450
    assert post_json(client, "/v2/cart/remove/", {"itemId": tote.pk}).json()["removed"] is True


def test_another_currency_is_a_conflict_naming_the_carts_currency(client, mug, euro_item):
    add(client, mug)
    response = add(client, euro_item)
    assert response.status_code == 409
    body = response.json()
    assert body["cartCurrency"] == "USD" and body["itemCurrency"] == "EUR"
    assert "USD" in body["error"]
    assert cart_of(client)["currency"] == "USD"

    started = add(client, euro_item, replace=True)
    assert started.status_code == 200
    cart = started.json()["cart"]
    assert cart["currency"] == "EUR"
    assert [line["itemId"] for line in cart["lines"]] == [euro_item.pk]


@pytest.mark.parametrize(
    "body", [b"{not json", b"[1, 2]", b'"text"', b"\xff\xfe", b"null"], ids=repr
)
def test_malformed_bodies_are_refused(client, mug, body):
    response = client.post(
        "/v2/cart/add/", data=body, content_type="application/json", HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]


def test_other_methods_get_a_json_405(client, home_page):
    for url in ("/v2/cart/add/", "/v2/cart/remove/", "/v2/cart/update/", "/v2/cart/order/"):
        response = client.get(url)
        assert response.status_code == 405
        assert response.json()["allowed"] == ["POST"]
    response = client.put("/v2/cart/")
    assert response.status_code == 405
    assert response.json()["allowed"] == ["GET", "HEAD"]


def test_csrf_is_enforced(home_page, mug):
    browser = Client(enforce_csrf_checks=True)
    refused = add(browser, mug)
    assert refused.status_code == 403
    browser.get(mug.url)  # the item page's form sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    accepted = post_json(browser, "/v2/cart/add/", {"itemId": mug.pk}, HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 200


def test_a_form_post_adds_and_goes_back(client, mug):
    response = client.post(
        "/v2/cart/add/", {"itemId": str(mug.pk), "quantity": "2", "next": "/v2/item/list/?page=2"}
    )
    assert response.status_code == 303
    assert response["Location"] == "/v2/item/list/?page=2"
    assert cart_of(client)["lines"][0]["quantity"] == 2
    elsewhere = client.post(
        "/v2/cart/add/", {"itemId": str(mug.pk), "next": "https://evil.example/"}
    )
    assert elsewhere["Location"] == "/v2/cart/"


def test_a_refused_form_post_shows_the_cart_page_with_the_reason(client, mug):
    response = client.post("/v2/cart/add/", {"itemId": str(mug.pk), "quantity": "0"})
    assert response.status_code == 400
    assert "The quantity must be between 1 and 99." in response.content.decode()


def test_the_cart_page_lists_lines_and_totals_with_the_editors_texts(client, mug, home_page):
    from wagtail.models import Site

    shop = ShopSettings.for_site(Site.objects.get(is_default_site=True))
    shop.cart_heading = "Your basket"
    shop.cart_intro = "Shipping is free."
    shop.save()
    add(client, mug, 2)
    response = client.get("/v2/cart/")
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "<h1>Your basket</h1>" in html
    assert "Shipping is free." in html
    assert f'data-item-id="{mug.pk}"' in html
    assert "$29.00" in html
    assert 'data-total="2900"' in html


def test_the_empty_cart_page_says_so(client, home_page):
    shop = ShopSettings.for_site(home_page.get_site())
    shop.empty_cart_text = "Nothing here yet."
    shop.save()
    assert "Nothing here yet." in client.get("/v2/cart/").content.decode()


def test_each_browser_has_its_own_cart(mug, tote):
    first, second = Client(), Client()
    add(first, mug)
    add(second, tote)
    assert [line["itemId"] for line in cart_of(first)["lines"]] == [mug.pk]
    assert [line["itemId"] for line in cart_of(second)["lines"]] == [tote.pk]


def test_the_cart_is_not_written_into_the_session(client, mug):
    """Lines live in the cart's own record; the session only points at it, so the session
    blob saved at the end of a request cannot carry stale lines over another tab's."""
    add(client, mug)
    assert set(client.session.keys()) == {"commerce_cart"}


def test_cart_changes_are_rate_limited_per_client_by_the_setting_read_on_each_request(
    client, mug, settings
):
    settings.COMMERCE_CART_RATE = "3/d"
    for _ in range(3):
        assert add(client, mug).status_code == 200
    refused = add(client, mug)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert post_json(client, "/v2/cart/order/").status_code == 429
    assert cart_of(client)["count"] == 3, "reading the cart is not limited"
    settings.COMMERCE_CART_RATE = ""
    assert add(client, mug).status_code == 200


def test_coming_back_from_a_canceled_checkout_says_nothing_was_charged(client, mug):
    add(client, mug)
    html = client.get("/v2/cart/?checkout=canceled").content.decode()
    assert "Checkout canceled — you have not been charged" in html
    assert "Checkout canceled" not in client.get("/v2/cart/").content.decode()


def test_signed_cookie_sessions_are_refused_by_a_system_check(settings):
    from commerce.cart.store import carts_need_a_server_side_session_store

    assert carts_need_a_server_side_session_store() == []
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    assert [error.id for error in carts_need_a_server_side_session_store()] == ["commerce.E010"]
