"""The parts of shopper pages kept in the shared cache (item cards, an item page's
breadcrumbs, picture, description and forms) are read from it, and never outlive a
change."""

from __future__ import annotations

import re

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commerce.fragments import FRAGMENTS
from tests.factories import CatalogPageFactory, ImageFactory, ItemPageFactory

pytestmark = pytest.mark.django_db


def get_sql(client, url: str) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), [query["sql"] for query in captured.captured_queries]


def form_token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def publish(page, **changes) -> None:
    for name, value in changes.items():
        setattr(page, name, value)
    page.save_revision().publish()


def test_a_list_reads_its_cards_from_the_cache(client, item):
    _, first_sql = get_sql(client, "/v2/item/list/")
    again, again_sql = get_sql(client, "/v2/item/list/")

    assert any("wagtailimages_rendition" in sql for sql in first_sql)
    assert not any("wagtailimages" in sql for sql in again_sql)
    assert f'href="{item.url}"' in again and 'class="item-card__image"' in again


def test_each_shopper_gets_a_form_with_their_own_csrf_token(client, item):
    client.get("/v2/item/list/")  # caches the card
    other = type(client)(enforce_csrf_checks=True)
    page = other.get("/v2/item/list/").content.decode()

    assert 'name="csrfmiddlewaretoken"' in page and "marker" not in page
    assert client.cookies["csrftoken"].value != other.cookies["csrftoken"].value
    assert f'name="itemId" value="{item.pk}"' in page
    # The token in the form is one that the shopper's own cookie accepts.
    cart_add = other.post(
        "/v2/cart/add/",
        {"itemId": item.pk, "csrfmiddlewaretoken": form_token(page)},
        HTTP_ACCEPT="application/json",
    )
    assert cart_add.status_code == 200, cart_add.content


def test_each_card_form_sends_the_shopper_back_to_the_page_they_are_on(client, catalog, item):
    client.get("/v2/item/list/")  # caches the card
    on_list = client.get("/v2/item/list/?page=1&sort=new").content.decode()
    on_catalog = client.get(catalog.url).content.decode()

    assert 'name="next" value="/v2/item/list/?page=1&amp;sort=new"' in on_list
    assert f'name="next" value="{catalog.url}"' in on_catalog
    assert "marker" not in on_list + on_catalog


def test_the_item_pages_forms_carry_each_shoppers_own_token_and_path(client, item, monkeypatch):
    from commerce import fragments

    rendered = []
    real_get_template = fragments.get_template
    monkeypatch.setattr(
        fragments, "get_template", lambda name: rendered.append(name) or real_get_template(name)
    )
    FRAGMENTS.invalidate()
    client.get(item.url)
    assert "commerce/includes/item_purchase.html" in rendered  # the forms are a cached part
    rendered.clear()

    other = type(client)(enforce_csrf_checks=True)
    page = other.get(item.url + "?checkout=canceled").content.decode()

    assert rendered == []  # every part, the forms included, came from the cache
    assert "marker" not in page and "Checkout canceled" in page
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert len(tokens) == 2
    assert client.cookies["csrftoken"].value != other.cookies["csrftoken"].value
    assert f'name="next" value="{item.url}?checkout=canceled"' in page
    assert f'action="/v1/buy/{item.pk}/"' in page
    # Each token is one that this shopper's own cookie accepts.
    cart_add = other.post(
        "/v2/cart/add/",
        {"itemId": item.pk, "csrfmiddlewaretoken": tokens[1]},
        HTTP_ACCEPT="application/json",
    )
    assert cart_add.status_code == 200, cart_add.content


def test_an_item_taken_off_sale_loses_its_forms(client, item):
    assert "buy-form" in client.get(item.url).content.decode()

    publish(item, available_for_sale=False)

    page = client.get(item.url).content.decode()
    assert "buy-form" not in page and "add-to-cart" not in page
    assert "This item is not available for sale." in page
    # No form, so no token is asked for: a new visitor gets no CSRF cookie.
    assert "csrftoken" not in type(client)().get(item.url).cookies


def test_a_published_change_shows_on_the_cards_and_the_item_page(client, catalog, item):
    client.get(catalog.url)
    client.get(item.url)

    publish(item, title="Canvas Tote Bag", price_amount=2750)
    publish(catalog, title="Bags")

    listing = client.get(catalog.url).content.decode()
    assert "Canvas Tote Bag" in listing and "$27.50" in listing
    item_page = client.get(item.url).content.decode()
    assert ">Bags</a>" in item_page  # the breadcrumbs


def test_a_moved_item_links_to_its_new_place(client, home_page, item):
    client.get("/v2/item/list/")
    other = CatalogPageFactory(parent=home_page, title="Elsewhere")

    item.move(other, pos="last-child")

    item.refresh_from_db()
    assert f'href="{item.url}"' in client.get("/v2/item/list/").content.decode()
    assert item.url.startswith(other.url)


def test_a_deleted_picture_leaves_the_card_and_the_item_page(client, item):
    client.get("/v2/item/list/")
    client.get(item.url)

    item.image.delete()

    assert "item-card__image--empty" in client.get("/v2/item/list/").content.decode()
    assert "item-detail--text-only" in client.get(item.url).content.decode()
    assert "item-detail__image" not in client.get(item.url).content.decode()


def test_an_edited_description_shows_after_publishing(client, item):
    client.get(item.url)
    publish(item, description="<p>Now with a zip.</p>")
    assert "Now with a zip." in client.get(item.url).content.decode()


def test_a_preview_shows_the_draft_not_the_cached_page(client, item):
    client.get(item.url)  # the live description is cached
    draft = item.get_latest_revision_as_object()
    draft.description = "<p>Draft words only.</p>"

    preview = draft.make_preview_request()

    assert "Draft words only." in preview.rendered_content
    assert "Draft words only." not in client.get(item.url).content.decode()


def test_cards_out_of_date_are_rendered_again_in_a_fixed_number_of_queries(client, catalog):
    for number in range(12):
        ItemPageFactory(parent=catalog, title=f"Thing {number}", image=ImageFactory())
    client.get("/v2/item/list/")
    _, warm = get_sql(client, "/v2/item/list/")

    FRAGMENTS.invalidate()
    _, cold = get_sql(client, "/v2/item/list/")

    # The list's ids, the items, their images and their renditions, whatever the number.
    assert len(cold) == len(warm) + 4


def test_the_item_page_writes_no_session_the_cart_badge_does(client, item):
    response = client.get(item.url)

    assert "sessionid" not in response.cookies
    assert not Session.objects.exists()
    badge = client.get("/v2/cart/", HTTP_ACCEPT="application/json")
    assert badge.status_code == 200 and "sessionid" in badge.cookies
    assert Session.objects.count() == 1


def test_a_changed_site_renders_the_cards_again(client, item):
    from wagtail.models import Site

    client.get("/v2/item/list/")
    Site.objects.get(is_default_site=True).save()

    _, sql = get_sql(client, "/v2/item/list/")
    assert any("wagtailimages_rendition" in query for query in sql)


class CacheReads:
    """What `commerce.stamped_cache` reads from the shared cache, as lists of keys."""

    def __init__(self, cache) -> None:
        self.cache, self.reads = cache, []

    def get(self, key, *args, **kwargs):
        self.reads.append([key])
        return self.cache.get(key, *args, **kwargs)

    def get_many(self, keys, *args, **kwargs):
        self.reads.append(list(keys))
        return self.cache.get_many(keys, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.cache, name)


def test_a_warm_catalog_page_reads_only_the_parts_stamp_once(client, catalog, monkeypatch):
    from commerce import stamped_cache

    for number in range(5):
        ItemPageFactory(parent=catalog, title=f"Lamp {number}")
    client.get(catalog.url)  # renders and keeps every part
    reads = CacheReads(stamped_cache.cache)
    monkeypatch.setattr(stamped_cache, "cache", reads)

    page = client.get(catalog.url).content.decode()
    assert page.count('class="item-card"') == 5
    assert reads.reads == [[FRAGMENTS.stamp_key]]  # the parts came from this process

    # Another process, which keeps none of them yet, reads the page's parts in one read
    # and its cards in another, after the one read of the stamp.
    FRAGMENTS._kept.clear()
    reads.reads.clear()
    assert client.get(catalog.url).content.decode().count('class="item-card"') == 5
    assert len(reads.reads) == 3 and reads.reads[0] == [FRAGMENTS.stamp_key], reads.reads
    assert len(reads.reads[2]) == 5 and all(":card:" in key for key in reads.reads[2])
