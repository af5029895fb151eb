"""Cart add and the cart page cost a fixed number of SQL queries whatever the cart size.

Items, discounts and the site's default taxes come from the shared cache once read
(`commerce.stamped_cache`), and so does a copy of the cart's record, so a warm add reads
only the session and writes the record; the first add after a change reads them again.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from commerce.models import Discount, ShopSettings, Tax
from tests.factories import CatalogPageFactory, ItemPageFactory

from .cart_helpers import add, post_json

pytestmark = pytest.mark.django_db

# The session, and the cart's record written in one UPDATE (commerce/cart/rows.py); the
# record itself is read from the cache.
ADD_BUDGET = 2
# Cold: also the record, the items, the discount, and the sites, their shop settings and
# taxes.
COLD_ADD_BUDGET = 8
# The session, the cart's item pages with their images and renditions (the page shows
# them), and the site and its shop settings for the page's texts.
PAGE_BUDGET = 6
# The session.
JSON_BUDGET = 1


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


def count(assert_max, budget, call, cold: bool = False) -> int:
    """Queries of `call`; `cold` starts from an empty cache, else from a warm one."""
    if cold:
        cache.clear()
    else:
        assert call().status_code == 200
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

    def adding(client, item, cold=False):
        budget = COLD_ADD_BUDGET if cold else ADD_BUDGET
        return count(django_assert_max_num_queries, budget, lambda: add(client, item), cold)

    assert adding(small, small_next) == adding(large, large_next)
    assert adding(small, small_next, cold=True) == adding(large, large_next, cold=True)
    body = add(large, large_next).json()["cart"]
    assert body["count"] == 50 + 3 and len(body["lines"]) == 50
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
            JSON_BUDGET,
            lambda: client.get("/v2/cart/", HTTP_ACCEPT="application/json"),
        )

    assert page(small) == page(large)
    assert json(small) == json(large)
