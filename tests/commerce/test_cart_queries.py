"""Cart add and the cart page cost a fixed number of SQL queries whatever the cart size."""

from __future__ import annotations

import pytest
from django.test import Client

from commerce.models import Discount, ShopSettings, Tax
from tests.factories import CatalogPageFactory, ItemPageFactory

from .cart_helpers import add, post_json

pytestmark = pytest.mark.django_db

# Session, restrictions, the item, the cart record (read, written), the cart's items, the
# site, its shop settings and taxes, the discount and its redemptions.
ADD_BUDGET = 16
PAGE_BUDGET = 18


@pytest.fixture
def priced_shop(home_page):
    """A shop with a default tax and a discount code, so the budget covers full pricing."""
    shop = ShopSettings.for_site(home_page.get_site())
    shop.save()
    shop.default_taxes.add(Tax.objects.create(name="Sales tax", rate="8.875", inclusive=False))
    Discount.objects.create(name="Welcome", code="WELCOME10", percent_off=10)


def filled_cart(home_page, size: int) -> tuple[Client, object]:
    catalog = CatalogPageFactory(parent=home_page, title=f"Shop of {size}")
    items = [ItemPageFactory(parent=catalog, title=f"Item {size}-{n}") for n in range(size)]
    client = Client()
    for item in items[:-1]:
        assert add(client, item).status_code == 200
    assert post_json(client, "/v2/cart/discount/", {"code": "welcome10"}).status_code == 200
    return client, items[-1]


def count(assert_max, budget, call) -> int:
    with assert_max(budget) as captured:
        response = call()
    assert response.status_code == 200, response.content
    return len(captured)


def test_adding_costs_the_same_queries_with_1_and_50_lines(
    home_page, priced_shop, settings, django_assert_max_num_queries
):
    settings.COMMERCE_CART_MAX_LINES = 50
    small, small_next = filled_cart(home_page, 2)
    large, large_next = filled_cart(home_page, 50)

    def adding(client, item):
        return count(django_assert_max_num_queries, ADD_BUDGET, lambda: add(client, item))

    assert adding(small, small_next) == adding(large, large_next)
    body = add(large, large_next).json()["cart"]
    assert body["count"] == 51 and len(body["lines"]) == 50
    assert body["discount"] > 0 and body["tax"] > 0


def test_the_cart_page_and_json_cost_the_same_queries_with_1_and_50_lines(
    home_page, priced_shop, django_assert_max_num_queries
):
    small, _ = filled_cart(home_page, 2)
    large, _ = filled_cart(home_page, 51)

    def page(client):
        return count(django_assert_max_num_queries, PAGE_BUDGET, lambda: client.get("/v2/cart/"))

    def json(client):
        return count(
            django_assert_max_num_queries,
            PAGE_BUDGET,
            lambda: client.get("/v2/cart/", HTTP_ACCEPT="application/json"),
        )

    assert page(small) == page(large)
    assert json(small) == json(large)
