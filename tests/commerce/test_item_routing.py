"""Item pages are found by their URL path in one query; what Wagtail's own route would
answer still holds: moved and renamed items at their new URL (the old one redirects),
drafts and unknown paths 404, catalogs and deeper paths as before."""

import pytest

from tests.factories import CatalogPageFactory, ItemPageFactory

pytestmark = pytest.mark.django_db


def test_a_moved_and_renamed_item_answers_at_its_new_url_only(client, home_page, item):
    old_url = item.url
    other = CatalogPageFactory(parent=home_page, title="Elsewhere")
    item.move(other, pos="last-child")
    item.refresh_from_db()
    item.slug = "renamed-tote"
    item.save_revision().publish()
    item.refresh_from_db()

    # Wagtail's redirects app sends the old URL on; the page itself is not served there.
    assert client.get(old_url).status_code == 301
    assert item.url == "/elsewhere/renamed-tote/"
    assert client.get(item.url).status_code == 200


def test_an_unpublished_item_and_unknown_paths_are_not_found(client, catalog, item):
    item.unpublish()
    assert client.get(item.url_path.removeprefix("/home")).status_code == 404
    assert client.get(catalog.url + "no-such-item/").status_code == 404
    assert client.get(catalog.url + "canvas-tote/extra/").status_code == 404


def test_items_in_a_subcatalog_and_the_catalogs_themselves_are_served(client, catalog):
    shelf = CatalogPageFactory(parent=catalog, title="Top Shelf")
    lamp = ItemPageFactory(parent=shelf, title="Brass Lamp")

    for url in (catalog.url, shelf.url, lamp.url):
        assert client.get(url).status_code == 200
    assert "Brass Lamp" in client.get(lamp.url).content.decode()
