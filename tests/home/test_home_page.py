"""The home page's heading: the editor's words, or the site's name, never the tree's "Home"."""

import re

import pytest
from wagtail.models import Site
from wagtail.test.utils.form_data import nested_form_data, rich_text

from home.models import HomePage

pytestmark = pytest.mark.django_db


def h1(client):
    return re.findall(r"<h1[^>]*>(.*?)</h1>", client.get("/").content.decode(), flags=re.S)


def test_without_a_heading_the_home_page_shows_the_configured_site_name(
    client, home_page, settings
):
    settings.WAGTAIL_SITE_NAME = "Corner Shop"
    assert h1(client) == ["Corner Shop"]


def test_the_sites_own_name_wins_over_the_setting(client, home_page, settings):
    settings.WAGTAIL_SITE_NAME = "Corner Shop"
    Site.objects.filter(root_page=home_page).update(site_name="Harbour Goods")
    assert h1(client) == ["Harbour Goods"]


def test_an_editor_sets_the_heading_in_the_admin(admin_client, client, home_page):
    data = nested_form_data(
        {
            "title": home_page.title,
            "slug": home_page.slug,
            "heading": "Handmade things for the kitchen",
            "intro": rich_text("<p>Welcome.</p>"),
        }
    )
    response = admin_client.post(
        f"/admin/pages/{home_page.pk}/edit/", {**data, "action-publish": "1"}
    )
    assert response.status_code == 302
    assert HomePage.objects.get(pk=home_page.pk).heading == "Handmade things for the kitchen"
    assert h1(client) == ["Handmade things for the kitchen"]
    assert "<h1>Home</h1>" not in client.get("/").content.decode()


def test_the_header_and_window_title_name_the_site(client, home_page, settings):
    settings.WAGTAIL_SITE_NAME = "Corner Shop"
    html = client.get("/v2/item/list/").content.decode()
    assert '<a class="site-header__brand" href="/">Corner Shop</a>' in html
    assert "<title>All items · Corner Shop</title>" in html
