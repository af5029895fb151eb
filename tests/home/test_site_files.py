"""Files every browser and crawler asks for: a favicon, and a robots.txt that stays true."""

from io import BytesIO

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import Resolver404, resolve
from PIL import Image

pytestmark = pytest.mark.django_db


def test_favicon_ico_leads_to_a_real_icon(client, home_page):
    response = client.get("/favicon.ico")
    assert response.status_code in (301, 302)
    assert response["Location"] == static("favicon.ico")
    path = finders.find("favicon.ico")
    assert path, "the icon is a static file"
    with open(path, "rb") as icon:
        image = Image.open(BytesIO(icon.read()))
        assert image.format == "ICO"


def test_pages_link_their_icons(client, home_page):
    html = client.get("/").content.decode()
    assert f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">' in html
    assert finders.find("favicon.svg")


def disallowed_paths(client):
    text = client.get("/robots.txt").content.decode()
    return [
        line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Disallow:")
    ]


def routed(path):
    """Whether a route of the site's own (not the page tree's catch-all) serves the path or
    a URL right under it (e.g. /v1/buy/ for /v1/buy/1/)."""
    for candidate in (path, path + "1/"):
        try:
            match = resolve(candidate)
        except Resolver404:
            continue
        if match.url_name != "wagtail_serve":
            return True
    return False


def test_every_robots_txt_disallow_path_is_a_route(client, home_page):
    """Crawlers are told only about URLs that exist, so robots.txt stays true as routes
    are added and removed."""
    paths = disallowed_paths(client)
    assert "/admin/" in paths and "/v1/buy/" in paths
    assert "/v2/cart/" in paths and "/v2/order/" in paths
    assert [path for path in paths if not routed(path)] == []


def test_the_route_check_tells_a_route_from_the_page_tree():
    assert routed("/v1/buy/")
    assert not routed("/no-such-prefix/")
