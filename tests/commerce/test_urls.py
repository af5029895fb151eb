"""The assignment's URLs and the pages shoppers browse."""

import re

import pytest

from tests.factories import CatalogPageFactory, ItemPageFactory

pytestmark = pytest.mark.django_db


def test_item_page_renders_at_its_tree_url(client, item):
    response = client.get(item.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Canvas Tote" in html
    assert "$12.50" in html
    assert f'data-item-id="{item.pk}"' in html
    assert "<img" in html


def test_v1_item_redirects_to_the_item_page(client, item):
    response = client.get(f"/v1/item/{item.pk}/")
    assert response.status_code == 302
    assert response["Location"] == item.url
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("path", ["/v1/item/999999/", "/v1/item/abc/"])
def test_v1_item_unknown_is_404(client, home_page, path):
    assert client.get(path).status_code == 404


def test_v1_item_unpublished_is_404(client, item):
    item.unpublish()
    assert client.get(f"/v1/item/{item.pk}/").status_code == 404
    assert client.get("/shop/canvas-tote/").status_code == 404


def test_v1_item_refuses_other_ids_than_items(client, catalog):
    assert client.get(f"/v1/item/{catalog.pk}/").status_code == 404


def test_v1_item_refuses_post(client, item):
    assert client.post(f"/v1/item/{item.pk}/").status_code == 405


def test_v2_item_list_shows_every_live_item_with_its_id(client, catalog, home_page):
    second_catalog = CatalogPageFactory(parent=home_page, title="Kitchen")
    shown = [
        ItemPageFactory(parent=catalog, title="Mug", price_amount=1450),
        ItemPageFactory(parent=second_catalog, title="Spoon", price_amount=1900, currency="EUR"),
        ItemPageFactory(parent=second_catalog, title="Tea", price_amount=1200, currency="JPY"),
    ]
    hidden = ItemPageFactory(parent=catalog, title="Draft thing")
    hidden.unpublish()

    response = client.get("/v2/item/list/")
    assert response.status_code == 200
    html = response.content.decode()
    ids = {int(found) for found in re.findall(r'data-item-id="(\d+)"', html)}
    assert ids == {item.pk for item in shown}
    assert "€19.00" in html and "¥1,200" in html and "$14.50" in html


def test_catalog_lists_live_children_with_price_and_paginates_by_24(client, catalog):
    items = [ItemPageFactory(parent=catalog, title=f"Thing {n:02}") for n in range(30)]
    nested = CatalogPageFactory(parent=catalog, title="Deeper")
    ItemPageFactory(parent=nested, title="Nested only")

    first = client.get(catalog.url).content.decode()
    second = client.get(catalog.url + "?page=2").content.decode()
    first_ids = re.findall(r'data-item-id="(\d+)"', first)
    second_ids = re.findall(r'data-item-id="(\d+)"', second)
    assert len(first_ids) == 24 and len(second_ids) == 6
    assert {int(i) for i in first_ids + second_ids} == {item.pk for item in items}
    assert "Nested only" not in first + second
    assert "Deeper" in first  # sub-catalogs are linked
    assert "Page 1 of 2" in first
    # Junk page numbers give a page, not an error.
    assert client.get(catalog.url + "?page=zzz").status_code == 200
    assert client.get(catalog.url + "?page=999").status_code == 200


def test_not_for_sale_items_say_so(client, catalog):
    item = ItemPageFactory(parent=catalog, title="Museum piece", available_for_sale=False)
    assert "not available for sale" in client.get(item.url).content.decode()


def test_home_page_links_catalogs_and_shows_items(client, item):
    html = client.get("/").content.decode()
    assert "Shop" in html
    assert f'data-item-id="{item.pk}"' in html


def test_robots_txt_keeps_crawlers_off_side_effects(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "Disallow: /v1/buy/" in response.content.decode()


def test_unknown_page_is_a_friendly_404(client, home_page):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
