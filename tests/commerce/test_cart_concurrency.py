"""Two tabs (or twenty) changing one cart at once lose nothing.

Real threads against the live server, so the requests truly overlap: each reads the
shopper's session at the same moment, and only the cart's own record, changed under its
lock, keeps every line.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar

import pytest

from tests.factories import ItemPageFactory

pytestmark = pytest.mark.django_db(transaction=True)


def open_shop(live_server, item) -> tuple[str, str]:
    """A shopper opens an item page, whose script asks for the cart (the header's badge):
    the session and CSRF cookies they set, as a header, and the token."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(live_server.url + item.url, timeout=10) as page:
        assert page.status == 200
    badge = urllib.request.Request(
        live_server.url + "/v2/cart/", headers={"Accept": "application/json"}
    )
    with opener.open(badge, timeout=10) as cart:
        assert cart.status == 200
    cookies = {cookie.name: cookie.value for cookie in jar}
    assert "sessionid" in cookies and "csrftoken" in cookies
    return "; ".join(f"{name}={value}" for name, value in cookies.items()), cookies["csrftoken"]


def request_json(live_server, path: str, cookies: str, token: str, body=None) -> dict:
    request = urllib.request.Request(
        live_server.url + path,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Cookie": cookies,
            "X-CSRFToken": token,
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Referer": live_server.url + "/",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def at_once(count: int, action) -> list:
    start = threading.Barrier(count)

    def run(index: int):
        start.wait(timeout=10)
        return action(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_tabs_adding_different_items_at_once_keep_every_line(live_server, catalog):
    items = [ItemPageFactory(parent=catalog, title=f"Item {n}") for n in range(12)]
    cookies, token = open_shop(live_server, items[0])

    answers = at_once(
        len(items),
        lambda n: request_json(
            live_server, "/v2/cart/add/", cookies, token, {"itemId": items[n].pk}
        ),
    )

    assert all(answer["added"] for answer in answers)
    cart = request_json(live_server, "/v2/cart/", cookies, token)
    assert sorted(line["itemId"] for line in cart["lines"]) == sorted(item.pk for item in items)
    assert cart["count"] == len(items)


def test_tabs_adding_the_same_item_at_once_count_every_click(live_server, catalog):
    item = ItemPageFactory(parent=catalog, title="Enamel Mug")
    cookies, token = open_shop(live_server, item)
    request_json(live_server, "/v2/cart/add/", cookies, token, {"itemId": item.pk})

    answers = at_once(
        10,
        lambda n: request_json(live_server, "/v2/cart/add/", cookies, token, {"itemId": item.pk}),
    )

    assert sorted(answer["quantity"] for answer in answers) == list(range(2, 12))
    cart = request_json(live_server, "/v2/cart/", cookies, token)
    assert cart["lines"][0]["quantity"] == 11


def test_the_same_cart_placed_from_many_tabs_at_once_is_one_order(live_server, catalog):
    from commerce.models import Order

    item = ItemPageFactory(parent=catalog, title="Enamel Mug")
    cookies, token = open_shop(live_server, item)
    request_json(live_server, "/v2/cart/add/", cookies, token, {"itemId": item.pk, "quantity": 2})

    answers = at_once(8, lambda n: request_json(live_server, "/v2/cart/order/", cookies, token, {}))

    assert all(answer["orderCreated"] for answer in answers)
    assert len({answer["orderId"] for answer in answers}) == 1
    order = Order.objects.get()
    assert [(line.item_id, line.quantity) for line in order.lines.all()] == [(item.pk, 2)]
