"""The shared page cache: served without the database, nothing personal in it, never
served to whom a page may differ, out of date as soon as what it shows changes."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from wagtail.models import PageViewRestriction

from commerce.models import ItemPage
from commerce.page_cache.middleware import HEADER
from tests.factories import CatalogPageFactory, ImageFactory, ItemPageFactory

pytestmark = pytest.mark.django_db

CSRF_FIELD = "csrfmiddlewaretoken"


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.COMMERCE_PAGE_CACHE_SECONDS = 60


@pytest.fixture
def mug(catalog):
    return ItemPageFactory(
        parent=catalog, title="Enamel Mug", price_amount=1450, image=ImageFactory()
    )


def shared_urls(catalog, mug):
    return ["/", catalog.url, mug.url, "/v2/item/list/", "/search/?query=mug"]


def get(url, client=None):
    return (client or Client()).get(url)


@pytest.mark.parametrize("which", range(5))
def test_a_second_anonymous_visit_is_served_from_the_cache_without_the_database(
    catalog, mug, which, django_assert_num_queries
):
    url = shared_urls(catalog, mug)[which]
    first = get(url)
    assert first.status_code == 200 and first[HEADER] == "miss"
    with django_assert_num_queries(0):
        second = get(url)
    assert second.status_code == 200 and second[HEADER] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert "Content-Security-Policy" in second and "X-Frame-Options" in second


def test_the_cached_page_carries_no_csrf_token_cart_count_or_cookie(catalog, mug):
    shopper = Client()
    added = shopper.post("/v2/cart/add/", {"itemId": mug.pk}, HTTP_ACCEPT="application/json")
    assert added.json()["cart"]["count"] == 1
    for url in shared_urls(catalog, mug):
        # The shopper with a cart makes the page; an anonymous visitor is served it.
        made = get(url, shopper)
        assert made[HEADER] == "miss" and not made.cookies
        served = get(url)
        assert served[HEADER] == "hit"
        html = served.content.decode()
        assert CSRF_FIELD not in html
        assert re.search(r"<span class=\"cart-badge\" data-cart-count hidden></span>", html)
        assert not served.cookies


def test_a_shopper_with_a_cart_is_served_the_page_everyone_gets(catalog, mug):
    anonymous = get(catalog.url)
    shopper = Client()
    shopper.post("/v2/cart/add/", {"itemId": mug.pk}, HTTP_ACCEPT="application/json")
    served = get(catalog.url, shopper)
    assert served[HEADER] == "hit" and served.content == anonymous.content


def test_a_signed_in_visitor_never_gets_or_makes_a_shared_page(catalog, mug, client):
    editor = get_user_model().objects.create_superuser("editor", "e@example.com", "pw")
    get(mug.url)  # stored for everyone
    client.force_login(editor)
    theirs = client.get(mug.url)
    assert HEADER not in theirs
    assert CSRF_FIELD in theirs.content.decode()  # rendered for them, forms with a token
    client.get(catalog.url)  # rendered for them, and not stored
    assert get(catalog.url)[HEADER] == "miss"


def test_a_visitor_past_a_page_password_never_gets_a_shared_page(catalog, mug, client):
    restriction = PageViewRestriction.objects.create(
        page=catalog, restriction_type=PageViewRestriction.PASSWORD, password="open-sesame"
    )
    assert "Enamel Mug" not in get("/v2/item/list/").content.decode()
    session = client.session
    session[PageViewRestriction.passed_view_restrictions_session_key] = [restriction.pk]
    session.save()
    theirs = client.get("/v2/item/list/")
    assert HEADER not in theirs and "Enamel Mug" in theirs.content.decode()
    assert "Enamel Mug" not in get("/v2/item/list/").content.decode()


def test_other_pages_and_methods_are_never_cached(catalog, mug):
    for url in ("/v2/cart/", f"/v1/item/{mug.pk}/", "/robots.txt"):
        assert HEADER not in get(url)
    assert HEADER not in Client().head(mug.url)


def test_off_when_the_setting_is_zero(settings, mug):
    settings.COMMERCE_PAGE_CACHE_SECONDS = 0
    get(mug.url)
    assert HEADER not in get(mug.url)


def warm(url):
    get(url)
    assert get(url)[HEADER] == "hit"


def test_a_price_change_published_reaches_every_page_that_shows_the_item(catalog, mug):
    urls = shared_urls(catalog, mug)
    for url in urls:
        warm(url)
    mug.price_amount = 1990
    mug.save_revision().publish()
    for url in urls:
        response = get(url)
        assert response[HEADER] == "miss", url
        if url != "/":
            assert "$19.90" in response.content.decode(), url


def test_unpublishing_takes_the_item_off_the_cached_lists(catalog, mug):
    warm("/v2/item/list/")
    ItemPage.objects.get(pk=mug.pk).unpublish()
    assert "Enamel Mug" not in get("/v2/item/list/").content.decode()
    assert get(mug.url).status_code == 404


def test_moving_an_item_updates_its_old_and_new_catalog(home_page, catalog, mug):
    other = CatalogPageFactory(parent=home_page, title="Kitchen")
    warm(catalog.url)
    warm(other.url)
    ItemPage.objects.get(pk=mug.pk).move(other, pos="last-child")
    assert "Enamel Mug" not in get(catalog.url).content.decode()
    assert "Enamel Mug" in get(other.url).content.decode()


def test_deleting_an_item_takes_it_off_the_cached_lists(catalog, mug):
    warm("/v2/item/list/")
    ItemPage.objects.get(pk=mug.pk).delete()
    assert "Enamel Mug" not in get("/v2/item/list/").content.decode()


def test_a_new_view_restriction_hides_its_items_from_cached_lists(catalog, mug):
    warm("/v2/item/list/")
    PageViewRestriction.objects.create(page=catalog, restriction_type=PageViewRestriction.LOGIN)
    assert "Enamel Mug" not in get("/v2/item/list/").content.decode()


def test_a_page_served_during_a_change_is_not_kept_after_it_commits(catalog, mug):
    """A page rendered from the old rows while a publish is being committed is stored
    under a stamp that the commit replaces."""
    from commerce.page_cache.store import pages

    warm(mug.url)
    stamp_before, _ = pages().read("anything")
    pages().invalidate()  # what a publish does at once; the commit does it again
    stamp_after, _ = pages().read("anything")
    assert stamp_after != stamp_before
    assert get(mug.url)[HEADER] == "miss"
