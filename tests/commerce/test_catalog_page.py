"""A warm catalog page reads no row of its own (its intro is a cached part), other pages
are routed as Wagtail routes them, and a catalog's subcatalog links (like the home page's
catalog links) are kept in the shared cache: never shown out of date, private or
unpublished catalogs never listed, drafts never shown."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import Page, PageViewRestriction

from tests.factories import CatalogPageFactory, ItemPageFactory

pytestmark = pytest.mark.django_db


def get(client, url: str) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode(), [query["sql"] for query in captured.captured_queries]


def links(html: str, label: str) -> list[tuple[str, str]]:
    """The (href, text) pairs of the page's `<nav aria-label=label>`."""
    nav = re.search(rf'<nav class="subcatalogs" aria-label="{label}">(.*?)</nav>', html, re.S)
    return re.findall(r'<a href="([^"]*)">([^<]*)</a>', nav.group(1)) if nav else []


def publish(page, **changes) -> None:
    for name, value in changes.items():
        setattr(page, name, value)
    page.save_revision().publish()


@pytest.fixture
def shelves(catalog):
    """The catalog with two subcatalogs, each holding an item."""
    shelves = [CatalogPageFactory(parent=catalog, title=title) for title in ("Bags", "Hats")]
    for shelf in shelves:
        ItemPageFactory(parent=shelf, title=f"{shelf.title} item")
    return shelves


def test_a_warm_catalog_page_reads_no_catalog_row_and_its_intro_follows_edits(
    client, catalog, shelves
):
    publish(catalog, intro="<p>Everything for the road.</p>")
    client.get(catalog.url)
    html, sql = get(client, catalog.url)

    assert "<h1>Shop</h1>" in html and "Everything for the road." in html
    # Wagtail's route reads the page, then its catalog row; the intro is all that row holds.
    assert not any('WHERE "commerce_catalogpage"."page_ptr_id" =' in query for query in sql)

    publish(catalog, intro="<p>Now with maps.</p>")
    html, sql = get(client, catalog.url)
    assert "Now with maps." in html and "the road" not in html
    assert any('WHERE "commerce_catalogpage"."page_ptr_id" =' in query for query in sql)


def test_nested_catalogs_their_items_and_other_pages_are_served(client, home_page, shelves):
    nested = CatalogPageFactory(parent=shelves[0], title="Totes")
    tote = ItemPageFactory(parent=nested, title="Big Tote")
    about = home_page.add_child(instance=Page(title="About", slug="about"))

    for page in (shelves[0], nested, tote, about):
        html, _ = get(client, page.url)
        assert f"<h1>{page.title}</h1>" in html


def test_unpublished_and_unknown_catalogs_are_not_found(client, catalog, shelves):
    shelves[1].unpublish()

    assert client.get(shelves[1].url_path.removeprefix("/home")).status_code == 404
    assert client.get("/no-such-catalog/").status_code == 404
    assert client.get(catalog.url + "no-such-shelf/").status_code == 404


def test_a_private_catalog_asks_for_its_password(client, catalog):
    PageViewRestriction.objects.create(
        page=catalog, restriction_type=PageViewRestriction.PASSWORD, password="pw"
    )
    response = client.get(catalog.url)
    assert response.status_code == 200
    assert "Shop</h1>" not in response.content.decode()
    assert 'name="password"' in response.content.decode()


def test_subcatalog_links_come_from_the_cache_once_read(client, catalog, shelves):
    client.get(catalog.url)
    html, sql = get(client, catalog.url)

    assert links(html, "Departments") == [(shelf.url, shelf.title) for shelf in shelves]
    depth = f'"depth" = {catalog.depth + 1}'
    assert not any("commerce_catalogpage" in query and depth in query for query in sql)


def test_subcatalog_links_follow_renames_moves_unpublishing_and_new_catalogs(
    client, home_page, catalog, shelves
):
    bags, hats = shelves
    client.get(catalog.url)

    publish(bags, title="Totes and bags")
    hats.unpublish()
    CatalogPageFactory(parent=catalog, title="Scarves")
    html, _ = get(client, catalog.url)
    assert [title for _, title in links(html, "Departments")] == ["Totes and bags", "Scarves"]

    elsewhere = CatalogPageFactory(parent=home_page, title="Elsewhere")
    bags.refresh_from_db()
    bags.move(elsewhere, pos="last-child")
    html, _ = get(client, catalog.url)
    assert [title for _, title in links(html, "Departments")] == ["Scarves"]
    bags.refresh_from_db()
    html, _ = get(client, elsewhere.url)
    assert links(html, "Departments") == [(bags.url, "Totes and bags")]


def test_a_draft_title_and_a_draft_catalog_are_not_shown(client, catalog, shelves):
    client.get(catalog.url)
    bags = shelves[0]
    bags.title = "Draft name"
    bags.save_revision()
    CatalogPageFactory(parent=catalog, title="Not yet", live=False)

    html, _ = get(client, catalog.url)
    titles = [title for _, title in links(html, "Departments")]
    assert titles == ["Bags", "Hats"]


def test_a_private_subcatalog_is_listed_only_once_its_password_is_given(client, catalog, shelves):
    client.get(catalog.url)
    restriction = PageViewRestriction.objects.create(
        page=shelves[1], restriction_type=PageViewRestriction.PASSWORD, password="pw"
    )

    html, _ = get(client, catalog.url)
    assert [title for _, title in links(html, "Departments")] == ["Bags"]

    url = reverse("wagtailcore_authenticate_with_password", args=[restriction.pk, shelves[1].pk])
    assert client.post(url, {"password": "pw", "return_url": "/"}).status_code == 302
    html, _ = get(client, catalog.url)
    assert [title for _, title in links(html, "Departments")] == ["Bags", "Hats"]


def test_a_catalog_preview_shows_the_draft_with_its_live_subcatalogs(client, catalog, shelves):
    client.get(catalog.url)
    draft = catalog.get_latest_revision_as_object()
    draft.intro = "<p>Draft intro only.</p>"

    preview = draft.make_preview_request()

    content = preview.rendered_content
    assert "Draft intro only." in content
    assert [title for _, title in links(content, "Departments")] == ["Bags", "Hats"]
    assert "Draft intro only." not in client.get(catalog.url).content.decode()


def test_the_home_page_links_public_catalogs_and_follows_changes(client, home_page, catalog):
    staff = CatalogPageFactory(parent=home_page, title="Staff Shelf")
    html, _ = get(client, "/")
    assert links(html, "Catalogs") == [(catalog.url, "Shop"), (staff.url, "Staff Shelf")]

    PageViewRestriction.objects.create(page=staff, restriction_type=PageViewRestriction.LOGIN)
    publish(catalog, title="The Shop")
    html, _ = get(client, "/")
    assert links(html, "Catalogs") == [(catalog.url, "The Shop")]
