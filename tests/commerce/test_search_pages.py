"""Search pages: the same queries whatever the number of matches, no count, a next page
known by looking one hit further, the most relevant first, and only what the visitor
may see (on SQLite and PostgreSQL alike)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from commerce.models import ItemPage
from commerce.models.pages import ITEMS_PER_PAGE
from commerce.search import first_visible, search_page
from tests.factories import CatalogPageFactory, ItemPageFactory

pytestmark = pytest.mark.django_db


def found_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-item-id="(\d+)"', response.content.decode())]


def mugs(catalog, count: int, word: str = "mug") -> list[ItemPage]:
    return [
        ItemPageFactory(parent=catalog, title=f"Plain {word} {n}", description="<p>Stoneware</p>")
        for n in range(count)
    ]


def search_queries(client, url: str) -> list[str]:
    client.get(url)  # warm up: renditions, the site's root paths, cached parts
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def test_a_search_costs_the_same_queries_for_3_and_60_matches_and_counts_nothing(client, home_page):
    small = CatalogPageFactory(parent=home_page, title="Small")
    large = CatalogPageFactory(parent=home_page, title="Large")
    mugs(small, 3, "kettle")
    mugs(large, 60, "teapot")

    few = search_queries(client, "/search/?query=kettle")
    many = search_queries(client, "/search/?query=teapot")
    assert len(few) == len(many)
    assert not [sql for sql in few + many if "COUNT(" in sql.upper()]


def test_pages_of_results_know_their_neighbours_without_a_count(client, catalog):
    items = mugs(catalog, ITEMS_PER_PAGE + 6)

    first = client.get("/search/", {"query": "mug"})
    html = first.content.decode()
    assert len(found_ids(first)) == ITEMS_PER_PAGE
    assert 'rel="next"' in html and 'rel="prev"' not in html
    assert "Page 1</span>" in html

    second = client.get("/search/", {"query": "mug", "page": "2"})
    html = second.content.decode()
    assert len(found_ids(second)) == 6
    assert 'rel="next"' not in html and 'rel="prev"' in html
    assert set(found_ids(first)) | set(found_ids(second)) == {item.pk for item in items}


@pytest.mark.parametrize("page", ["junk", "-3", "0", "99999999999999999999", "5000"])
def test_odd_page_numbers_answer_a_page(client, catalog, page):
    mugs(catalog, 2)
    response = client.get("/search/", {"query": "mug", "page": page})
    assert response.status_code == 200


def test_a_title_match_ranks_above_a_description_match(client, catalog):
    described = ItemPageFactory(
        parent=catalog, title="Speckled cup", description="<p>Much like a lantern.</p>"
    )
    titled = ItemPageFactory(parent=catalog, title="Brass lantern", description="<p>Warm</p>")
    assert found_ids(client.get("/search/", {"query": "lantern"})) == [titled.pk, described.pk]


def test_hidden_matches_do_not_leave_the_page_short(client, home_page):
    """The most relevant matches are private: the page is still filled from the others."""
    private = CatalogPageFactory(parent=home_page, title="Private")
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)
    hidden = [
        ItemPageFactory(parent=private, title=f"Lantern lantern {n}", description="<p>lantern</p>")
        for n in range(ITEMS_PER_PAGE + 3)
    ]
    public = CatalogPageFactory(parent=home_page, title="Public")
    shown = [ItemPageFactory(parent=public, title=f"Lantern {n}") for n in range(ITEMS_PER_PAGE)]

    found = found_ids(client.get("/search/", {"query": "lantern"}))
    assert sorted(found) == sorted(item.pk for item in shown)
    assert not set(found) & {item.pk for item in hidden}


def test_first_visible_keeps_order_and_looks_further_when_some_are_hidden(catalog):
    items = mugs(catalog, 8)
    ids = [item.pk for item in items]
    visible = ItemPage.objects.filter(pk__in=ids[4:])
    assert first_visible(list(reversed(ids)), visible, 3) == list(reversed(ids))[:3]
    assert first_visible(ids, visible, 3) == ids[4:7]
    assert first_visible(ids, visible, 10) == ids[4:]


def test_search_page_without_words_is_empty():
    page = search_page("?!*", None, 1)
    assert list(page) == [] and not page.has_next() and not page.has_other_pages()


def test_a_repeated_search_reads_no_index_and_a_page_change_shows_at_once(client, catalog):
    first_mugs = mugs(catalog, 2)
    client.get("/search/", {"query": "Mug"})  # the site, renditions, cards, the hits

    repeated = search_queries(client, "/search/?query=mug")
    assert not [sql for sql in repeated if "wagtailsearch" in sql or "modelsearch" in sql]
    assert not [sql for sql in repeated if "commerce_itempage" in sql]

    newcomer = ItemPageFactory(parent=catalog, title="Plain mug 99")
    found = found_ids(client.get("/search/", {"query": "MUG"}))
    assert set(found) == {item.pk for item in [*first_mugs, newcomer]}

    newcomer.unpublish()
    assert newcomer.pk not in found_ids(client.get("/search/", {"query": "mug"}))


def test_cached_hits_are_kept_apart_for_visitors_let_into_a_private_section(
    client, admin_client, home_page
):
    private = CatalogPageFactory(parent=home_page, title="Private")
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)
    hidden = ItemPageFactory(parent=private, title="Secret lantern")

    assert hidden.pk not in found_ids(client.get("/search/", {"query": "lantern"}))
    assert hidden.pk in found_ids(admin_client.get("/search/", {"query": "lantern"}))
    assert hidden.pk not in found_ids(client.get("/search/", {"query": "lantern"}))


def test_without_the_hits_cache_every_search_asks_the_index(client, catalog, settings):
    settings.COMMERCE_CACHE_SEARCH_HITS = False
    mugs(catalog, 2)
    client.get("/search/", {"query": "mug"})

    repeated = search_queries(client, "/search/?query=mug")
    assert [sql for sql in repeated if "commerce_itempage" in sql]
