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


def test_an_item_is_read_with_every_field_as_the_orm_reads_it(item):
    from commerce.models import ItemPage
    from commerce.models.pages import _item_at

    found = _item_at(item.url_path, item.slug)

    expected = ItemPage.objects.get(pk=item.pk)
    assert type(found) is ItemPage and found._state.adding is False
    for field in ItemPage._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
    assert _item_at(item.url_path, "other-slug") is None
    assert _item_at(item.url_path.replace(item.slug, "nope"), "nope") is None


def test_finding_an_item_uses_an_index_whatever_the_size_of_the_catalog(item):
    """`url_path` has no index: the lookup goes by the item's slug, which Wagtail indexes,
    so an item page does not read the whole page tree on a large shop."""
    from django.db import connection, transaction

    from commerce.models.pages import _item_at_sql

    sql, _ = _item_at_sql("default")
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A table this small would be scanned anyway: ask whether an index can serve.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", [item.slug, item.url_path])
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Seq Scan on wagtailcore_page" not in plan, plan
            assert "wagtailcore_page_slug" in plan, plan
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", [item.slug, item.url_path])
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
            assert "SCAN wagtailcore_page" not in plan, plan
            assert "USING INDEX wagtailcore_page_slug" in plan, plan
