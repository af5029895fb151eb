"""Forms posted from a page of the shared cache (no CSRF token) still work without
JavaScript: a confirmation page asks again with a token. Scripts get JSON."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from commerce.page_cache.middleware import HEADER
from tests.factories import ItemPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.COMMERCE_PAGE_CACHE_SECONDS = 60


@pytest.fixture
def mug(catalog):
    return ItemPageFactory(parent=catalog, title="Enamel Mug", price_amount=1450)


def hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def test_adding_from_a_cached_page_without_javascript_asks_once_more_then_adds(mug):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(mug.url)
    assert page[HEADER] == "miss" and "csrfmiddlewaretoken" not in page.content.decode()

    refused = browser.post("/v2/cart/add/", {"itemId": mug.pk, "quantity": "2", "next": mug.url})
    assert refused.status_code == 403 and refused["Cache-Control"] == "no-store"
    html = refused.content.decode()
    assert "Add Enamel Mug to your cart?" in html
    assert 'action="/v2/cart/add/"' in html
    fields = hidden_fields(html)
    assert fields["itemId"] == str(mug.pk) and fields["quantity"] == "2"
    assert fields["next"] == mug.url and fields["csrfmiddlewaretoken"]

    added = browser.post("/v2/cart/add/", fields)
    assert added.status_code == 303 and added["Location"] == mug.url
    cart = browser.get("/v2/cart/", HTTP_ACCEPT="application/json").json()
    assert [(line["itemId"], line["quantity"]) for line in cart["lines"]] == [(mug.pk, 2)]


def test_buying_from_a_cached_page_without_javascript_asks_once_more(mug):
    browser = Client(enforce_csrf_checks=True)
    refused = browser.post(f"/v1/buy/{mug.pk}/")
    assert refused.status_code == 403
    html = refused.content.decode()
    assert "Buy Enamel Mug now?" in html and f'action="/v1/buy/{mug.pk}/"' in html
    assert hidden_fields(html)["csrfmiddlewaretoken"]


def test_a_script_without_a_token_gets_json():
    browser = Client(enforce_csrf_checks=True)
    refused = browser.post("/v2/cart/add/", {"itemId": 1}, content_type="application/json")
    assert refused.status_code == 403
    assert "security token" in refused.json()["error"]


def test_the_carts_json_gives_the_cookie_scripts_send_as_the_token(mug):
    browser = Client(enforce_csrf_checks=True)
    browser.get(mug.url)
    browser.get("/v2/cart/", HTTP_ACCEPT="application/json")
    token = browser.cookies["csrftoken"].value
    added = browser.post(
        "/v2/cart/add/",
        {"itemId": mug.pk},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert added.status_code == 200 and added.json()["added"] is True


def test_a_post_from_another_site_gets_no_confirmation_page(mug):
    browser = Client(enforce_csrf_checks=True)
    refused = browser.post("/v2/cart/add/", {"itemId": mug.pk}, HTTP_ORIGIN="https://evil.example")
    assert refused.status_code == 403
    assert "to your cart?" not in refused.content.decode()
