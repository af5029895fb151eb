"""Private stays private: items under a password or login restriction (on the item or any
ancestor) are neither listed, found, redirected to nor sold to anyone who has not passed it."""

import re

import pytest
from django.urls import reverse
from wagtail.models import PageViewRestriction

from commerce.models import Order
from tests.factories import CatalogPageFactory, ItemPageFactory

pytestmark = pytest.mark.django_db

NOT_FOR_SALE = {"error": "No item with this id is for sale."}


@pytest.fixture
def shop(home_page):
    """A public catalog, a password-protected catalog, a login-only catalog and a public
    catalog holding one password-protected item."""
    public = CatalogPageFactory(parent=home_page, title="Open Shelf")
    members = CatalogPageFactory(parent=home_page, title="Members Shelf")
    staff = CatalogPageFactory(parent=home_page, title="Staff Shelf")
    items = {
        "public": ItemPageFactory(parent=public, title="Public Lantern"),
        "single": ItemPageFactory(parent=public, title="Hidden Lantern"),
        "password": ItemPageFactory(parent=members, title="Members Lantern"),
        "login": ItemPageFactory(parent=staff, title="Staff Lantern"),
    }
    restrictions = {
        "single": PageViewRestriction.objects.create(
            page=items["single"], restriction_type=PageViewRestriction.PASSWORD, password="pw1"
        ),
        "password": PageViewRestriction.objects.create(
            page=members, restriction_type=PageViewRestriction.PASSWORD, password="pw2"
        ),
        "login": PageViewRestriction.objects.create(
            page=staff, restriction_type=PageViewRestriction.LOGIN
        ),
    }
    return {"home": home_page, "public": public, "items": items, "restrictions": restrictions}


def listed_ids(response):
    assert response.status_code == 200
    return {int(pk) for pk in re.findall(r'data-item-id="(\d+)"', response.content.decode())}


def ids(shop, *names):
    return {shop["items"][name].pk for name in names}


def pass_password(client, restriction, password):
    url = reverse(
        "wagtailcore_authenticate_with_password", args=[restriction.pk, restriction.page_id]
    )
    response = client.post(url, {"password": password, "return_url": "/"})
    assert response.status_code == 302, response.content


@pytest.mark.parametrize(
    "url",
    ["/v2/item/list/", "/search/?query=lantern", "/"],
    ids=["item list", "search", "home featured"],
)
def test_lists_show_only_items_the_visitor_may_see(client, shop, url):
    assert listed_ids(client.get(url)) == ids(shop, "public")


def test_a_catalog_lists_only_its_unrestricted_items(client, shop):
    assert listed_ids(client.get(shop["public"].url)) == ids(shop, "public")


def test_lists_show_restricted_items_once_their_restriction_is_passed(
    client, shop, django_user_model
):
    pass_password(client, shop["restrictions"]["password"], "pw2")
    assert listed_ids(client.get("/v2/item/list/")) == ids(shop, "public", "password")
    client.force_login(django_user_model.objects.create_user("shopper", password="x"))
    assert listed_ids(client.get("/search/?query=lantern")) == ids(
        shop, "public", "password", "login"
    )


@pytest.mark.parametrize("name", ["single", "password", "login"])
def test_item_url_of_a_restricted_item_is_not_found(client, shop, name):
    response = client.get(f"/v1/item/{shop['items'][name].pk}/")
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["single", "password", "login"])
def test_a_restricted_item_is_not_for_sale_to_a_stranger(client, shop, name):
    item_id = shop["items"][name].pk
    response = client.get(f"/v1/buy/{item_id}/")
    assert response.status_code == 404
    assert response.json() == NOT_FOR_SALE
    response = client.post(f"/v1/buy/{item_id}/")
    assert response.status_code == 404
    assert Order.objects.count() == 0


def test_a_wrong_restriction_password_does_not_open_another(client, shop):
    """Passing the single item's restriction says nothing about the members' catalog."""
    pass_password(client, shop["restrictions"]["single"], "pw1")
    assert client.get(f"/v1/item/{shop['items']['single'].pk}/").status_code == 302
    assert client.get(f"/v1/item/{shop['items']['password'].pk}/").status_code == 404
    assert client.get(f"/v1/buy/{shop['items']['password'].pk}/").status_code == 404


def test_after_the_password_the_item_redirects_and_sells(client, shop, stripe_emulator):
    item = shop["items"]["password"]
    pass_password(client, shop["restrictions"]["password"], "pw2")
    response = client.get(f"/v1/item/{item.pk}/")
    assert response.status_code == 302 and response["Location"] == item.url
    response = client.get(f"/v1/buy/{item.pk}/")
    assert response.status_code == 200, response.content
    assert response.json()["sessionId"].startswith("cs_")
    response = client.post(f"/v1/buy/{item.pk}/")
    assert response.status_code == 303
    assert Order.objects.filter(lines__item_id=item.pk).exists()


def test_a_logged_in_shopper_may_buy_a_login_restricted_item(
    client, shop, stripe_emulator, django_user_model
):
    client.force_login(django_user_model.objects.create_user("member", password="x"))
    response = client.get(f"/v1/buy/{shop['items']['login'].pk}/")
    assert response.status_code == 200, response.content


def test_hiding_restricted_items_costs_a_fixed_number_of_queries(
    client, shop, django_assert_max_num_queries
):
    from tests.commerce.test_query_counts import QUERY_BUDGETS

    pages = {"/v2/item/list/": "item list", "/": "home", shop["public"].url: "catalog"}

    def count(url):
        client.get(url)  # warm up
        with django_assert_max_num_queries(QUERY_BUDGETS[pages[url]]) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before = {url: count(url) for url in pages}
    for n in range(5):
        ItemPageFactory(parent=shop["public"], title=f"Private Lamp {n}")
        PageViewRestriction.objects.create(
            page=ItemPageFactory(parent=shop["public"], title=f"Locked Lamp {n}"),
            restriction_type=PageViewRestriction.LOGIN,
        )
    assert {url: count(url) for url in before} == before


def test_a_group_restriction_opens_to_members_of_the_group_only(
    client, shop, django_user_model, stripe_emulator
):
    from django.contrib.auth.models import Group

    buyers = Group.objects.create(name="Trade buyers")
    trade = CatalogPageFactory(parent=shop["home"], title="Trade Shelf")
    lantern = ItemPageFactory(parent=trade, title="Trade Lantern")
    restriction = PageViewRestriction.objects.create(
        page=trade, restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.add(buyers)

    client.force_login(django_user_model.objects.create_user("outsider", password="x"))
    assert lantern.pk not in listed_ids(client.get("/v2/item/list/"))
    assert client.get(f"/v1/buy/{lantern.pk}/").status_code == 404

    member = django_user_model.objects.create_user("member", password="x")
    member.groups.add(buyers)
    client.force_login(member)
    assert lantern.pk in listed_ids(client.get("/v2/item/list/"))
    assert client.get(f"/v1/buy/{lantern.pk}/").status_code == 200
