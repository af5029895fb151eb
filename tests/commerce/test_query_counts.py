"""Pages cost a fixed number of SQL queries whatever the catalog size, with their cached
parts and without."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commerce.fragments import FRAGMENTS
from tests.factories import CatalogPageFactory, ImageFactory, ItemPageFactory

pytestmark = pytest.mark.django_db

# Warm (item cards, item page parts, the lists' item ids and a catalog's subcatalog or the
# home page's catalog links in the cache, see commerce/fragments.py): the site, the route
# to the page (a catalog or an item in one query), view restrictions and the header menu.
QUERY_BUDGETS = {"catalog": 7, "item": 7, "item list": 3, "home": 6}


def build_catalog(home_page, size):
    catalog = CatalogPageFactory(parent=home_page, title=f"Shop of {size}")
    items = [
        ItemPageFactory(parent=catalog, title=f"Item {size}-{n}", image=ImageFactory())
        for n in range(size)
    ]
    return catalog, items


def count_queries(client, url, budget, assert_max_num_queries):
    client.get(url)  # warm up: renditions, the site's root paths and the cached parts
    with assert_max_num_queries(budget) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def count_cold_queries(client, url):
    """Queries of a page whose cached parts are all out of date (just after a publish)."""
    FRAGMENTS.invalidate()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_catalog_and_item_pages_cost_the_same_queries_at_10_and_200_items(
    client, home_page, django_assert_max_num_queries
):
    small_catalog, small_items = build_catalog(home_page, 10)
    large_catalog, large_items = build_catalog(home_page, 200)

    def count(url, page):
        return count_queries(client, url, QUERY_BUDGETS[page], django_assert_max_num_queries)

    assert count(small_catalog.url, "catalog") == count(large_catalog.url, "catalog")
    assert count(small_catalog.url + "?page=1", "catalog") == count(
        large_catalog.url + "?page=8", "catalog"
    )
    assert count(small_items[0].url, "item") == count(large_items[-1].url, "item")
    assert count("/v2/item/list/", "item list") == count("/v2/item/list/?page=5", "item list")
    assert count("/", "home") == count("/", "home")


def test_pages_rendered_afresh_cost_the_same_queries_at_10_and_200_items(client, home_page):
    small_catalog, small_items = build_catalog(home_page, 10)
    large_catalog, large_items = build_catalog(home_page, 200)

    urls = [small_catalog.url, large_catalog.url + "?page=8", small_items[0].url]
    urls += [large_items[-1].url, "/v2/item/list/", "/v2/item/list/?page=5"]
    for url in urls:
        client.get(url)  # renditions are made once
    assert count_cold_queries(client, small_catalog.url) == count_cold_queries(
        client, large_catalog.url + "?page=8"
    )
    assert count_cold_queries(client, small_items[0].url) == count_cold_queries(
        client, large_items[-1].url
    )
    assert count_cold_queries(client, "/v2/item/list/") == count_cold_queries(
        client, "/v2/item/list/?page=5"
    )
