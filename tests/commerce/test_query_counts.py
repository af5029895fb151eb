"""Pages cost a fixed number of SQL queries whatever the catalog size."""

import pytest

from tests.factories import CatalogPageFactory, ImageFactory, ItemPageFactory

pytestmark = pytest.mark.django_db

# Site, page, restrictions, listing, images, renditions, plus the header menu and breadcrumbs.
QUERY_BUDGET = 14


def build_catalog(home_page, size):
    catalog = CatalogPageFactory(parent=home_page, title=f"Shop of {size}")
    items = [
        ItemPageFactory(parent=catalog, title=f"Item {size}-{n}", image=ImageFactory())
        for n in range(size)
    ]
    return catalog, items


def count_queries(client, url, assert_max_num_queries):
    client.get(url)  # warm up: renditions and the site's root paths are made once
    with assert_max_num_queries(QUERY_BUDGET) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_catalog_and_item_pages_cost_the_same_queries_at_10_and_200_items(
    client, home_page, django_assert_max_num_queries
):
    small_catalog, small_items = build_catalog(home_page, 10)
    large_catalog, large_items = build_catalog(home_page, 200)

    def count(url):
        return count_queries(client, url, django_assert_max_num_queries)

    assert count(small_catalog.url) == count(large_catalog.url)
    assert count(small_catalog.url + "?page=1") == count(large_catalog.url + "?page=8")
    assert count(small_items[0].url) == count(large_items[-1].url)
    assert count("/v2/item/list/") == count("/v2/item/list/?page=5")
