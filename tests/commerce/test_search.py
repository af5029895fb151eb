import re

import pytest

from tests.factories import ItemPageFactory

pytestmark = pytest.mark.django_db


def test_search_finds_items_by_title_and_description(client, catalog):
    mug = ItemPageFactory(parent=catalog, title="Enamel Mug", description="<p>Speckled</p>")
    ItemPageFactory(parent=catalog, title="Wool Beanie", description="<p>Merino knit</p>")

    html = client.get("/search/", {"query": "mug"}).content.decode()
    assert re.findall(r'data-item-id="(\d+)"', html) == [str(mug.pk)]

    html = client.get("/search/", {"query": "merino"}).content.decode()
    assert "Wool Beanie" in html and "Enamel Mug" not in html


def test_search_skips_unpublished_items(client, catalog):
    draft = ItemPageFactory(parent=catalog, title="Secret Teapot")
    draft.unpublish()
    html = client.get("/search/", {"query": "teapot"}).content.decode()
    assert "No items match your search." in html


def test_empty_search_explains_what_to_do(client, home_page):
    response = client.get("/search/")
    assert response.status_code == 200
    assert "Type a word" in response.content.decode()


def test_header_has_a_search_box(client, home_page):
    html = client.get("/").content.decode()
    assert 'action="/search/"' in html and 'name="query"' in html
