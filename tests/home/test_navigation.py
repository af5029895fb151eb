"""The header lists the shop's top catalogs; catalogs show where they are (breadcrumbs)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from tests.factories import CatalogPageFactory, ItemPageFactory

pytestmark = pytest.mark.django_db


def header_links(html):
    [nav] = re.findall(r'<nav class="site-header__nav"[^>]*>(.*?)</nav>', html, flags=re.S)
    return re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)


def test_header_lists_live_top_catalogs_shown_in_menus(client, home_page):
    kitchen = CatalogPageFactory(parent=home_page, title="Kitchen")
    garden = CatalogPageFactory(parent=home_page, title="Garden")
    CatalogPageFactory(parent=kitchen, title="Knives")  # nested: not a top catalog
    CatalogPageFactory(parent=home_page, title="Hidden", show_in_menus=False)
    draft = CatalogPageFactory(parent=home_page, title="Draft")
    draft.unpublish()
    private = CatalogPageFactory(parent=home_page, title="Staff only")
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )

    links = header_links(client.get("/").content.decode())
    assert links == [
        ("/v2/item/list/", "All items"),
        (kitchen.url, "Kitchen"),
        (garden.url, "Garden"),
    ]


def test_new_catalogs_are_shown_in_menus_by_default(home_page):
    assert CatalogPageFactory(parent=home_page).show_in_menus is True


def test_header_marks_the_catalog_being_read(client, home_page):
    kitchen = CatalogPageFactory(parent=home_page, title="Kitchen")
    html = client.get(kitchen.url).content.decode()
    assert re.search(rf'<a href="{kitchen.url}" aria-current="page">Kitchen</a>', html)
    item = ItemPageFactory(parent=kitchen, title="Pan")
    html = client.get(item.url).content.decode()
    assert re.search(rf'<a href="{kitchen.url}" aria-current="true">Kitchen</a>', html)


def test_header_costs_the_same_queries_for_2_and_20_catalogs(client, home_page):
    def count():
        client.get("/v2/item/list/")  # warm up the site's root paths
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/v2/item/list/").status_code == 200
        return len(captured)

    for n in range(2):
        CatalogPageFactory(parent=home_page, title=f"Few {n}")
    few = count()
    for n in range(18):
        CatalogPageFactory(parent=home_page, title=f"Many {n}")
    assert count() == few
    assert len(header_links(client.get("/v2/item/list/").content.decode())) == 21


def test_catalog_pages_have_breadcrumbs(client, home_page):
    kitchen = CatalogPageFactory(parent=home_page, title="Kitchen")
    knives = CatalogPageFactory(parent=kitchen, title="Knives")
    html = client.get(knives.url).content.decode()
    [crumbs] = re.findall(r'<nav class="breadcrumbs"[^>]*>(.*?)</nav>', html, flags=re.S)
    assert re.findall(r'<a href="([^"]+)">([^<]+)</a>', crumbs) == [
        (home_page.url, home_page.title),
        (kitchen.url, "Kitchen"),
    ]
    assert '<span aria-current="page">Knives</span>' in crumbs


def test_item_pages_keep_their_breadcrumbs(client, item):
    html = client.get(item.url).content.decode()
    [crumbs] = re.findall(r'<nav class="breadcrumbs"[^>]*>(.*?)</nav>', html, flags=re.S)
    assert f'<a href="{item.get_parent().url}">Shop</a>' in crumbs
    assert '<span aria-current="page">Canvas Tote</span>' in crumbs
