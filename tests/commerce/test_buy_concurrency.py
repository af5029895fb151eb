"""A double click, or a hundred, on Buy: one order and one Checkout Session per shopper.

Real threads against the live server and the emulator, so the requests truly overlap
in the database and at Stripe.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar

import pytest

from commerce.models import Order, OrderStatus
from tests.conftest import stripe_client
from tests.factories import ImageFactory, ItemPageFactory

# Transactional, so the live server's threads see the data the test writes.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def item(live_server, stripe_emulator, catalog):
    return ItemPageFactory(
        parent=catalog, title="Enamel Mug", price_amount=1450, image=ImageFactory()
    )


def visit_item_page(live_server, item) -> str:
    """A first-time shopper opens the item page, whose script asks for the cart (the
    header's badge) as every page's does; returns the cookies set, as a header."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(live_server.url + item.url, timeout=10) as page:
        assert page.status == 200
    badge = urllib.request.Request(
        live_server.url + "/v2/cart/", headers={"Accept": "application/json"}
    )
    with opener.open(badge, timeout=10) as cart:
        assert cart.status == 200
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


class KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def visit_item_page_without_script(live_server, item) -> str:
    """A first-time shopper without JavaScript opens the item page: the page sets the CSRF
    cookie its Buy form needs, and no session; returns the cookies set, as a header."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(live_server.url + item.url, timeout=10) as page:
        assert page.status == 200
    names = {cookie.name for cookie in jar}
    assert "csrftoken" in names and "sessionid" not in names
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def click_buy_at_once(live_server, item, cookies: str, clicks: int, form=False) -> list[dict]:
    """`clicks` GETs of the buy URL released together, each in its own thread (POSTs of
    the plain Buy form with its CSRF token when `form`)."""
    start = threading.Barrier(clicks)
    token = dict(part.split("=", 1) for part in cookies.split("; ")).get("csrftoken", "")

    def click(_: int) -> dict:
        request = urllib.request.Request(
            f"{live_server.url}/v1/buy/{item.pk}/",
            headers={"Cookie": cookies, "Accept": "application/json"},
        )
        if form:
            request.data = f"csrfmiddlewaretoken={token}".encode()
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        start.wait(timeout=10)
        if form:
            # The form's answer is a 303 to the Checkout page: kept, not followed.
            try:
                urllib.request.build_opener(KeepRedirects).open(request, timeout=30)
            except urllib.error.HTTPError as answer:
                assert answer.code == 303
                return {"url": answer.headers["Location"]}
            raise AssertionError("the Buy form must answer a redirect to Checkout")
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.status == 200
            return json.loads(answer.read())

    with ThreadPoolExecutor(max_workers=clicks) as pool:
        return list(pool.map(click, range(clicks)))


def sessions_at_stripe(emulator) -> list:
    """The sessions naming this test's orders (a late request of an earlier test's timeout
    fault may still land in the emulator)."""
    references = {str(reference) for reference in Order.objects.values_list("reference", flat=True)}
    sessions = stripe_client(emulator, "usd").v1.checkout.sessions.list(params={"limit": 100})
    return [session for session in sessions.data if session.client_reference_id in references]


def test_a_first_time_shopper_has_a_session_once_the_page_asked_for_the_cart(live_server, item):
    assert "sessionid=" in visit_item_page(live_server, item)


@pytest.mark.parametrize("clicks", [2, 16])
def test_concurrent_buys_of_one_shopper_make_one_order_and_one_session(
    live_server, stripe_emulator, item, clicks
):
    cookies = visit_item_page(live_server, item)
    answers = click_buy_at_once(live_server, item, cookies, clicks)

    assert len({answer["orderId"] for answer in answers}) == 1
    assert len({answer["sessionId"] for answer in answers}) == 1
    order = Order.objects.get()
    assert order.status == OrderStatus.PENDING
    [payment] = order.payments.all()
    assert payment.stripe_id == answers[0]["sessionId"]
    assert payment.attempt == 1 and payment.status == "open"
    [session] = sessions_at_stripe(stripe_emulator)
    assert session.id == payment.stripe_id
    assert session.client_reference_id == str(order.reference)


def test_a_first_time_shopper_without_javascript_double_clicking_buy_gets_one_order(
    live_server, stripe_emulator, item
):
    cookies = visit_item_page_without_script(live_server, item)
    answers = click_buy_at_once(live_server, item, cookies, 4, form=True)

    assert len({answer["url"] for answer in answers}) == 1
    assert Order.objects.count() == 1
    [session] = sessions_at_stripe(stripe_emulator)
    assert session.url == answers[0]["url"]


def test_two_shoppers_clicking_at_once_get_their_own_orders(live_server, stripe_emulator, item):
    first = visit_item_page(live_server, item)
    second = visit_item_page(live_server, item)
    answers = click_buy_at_once(live_server, item, first, 2) + click_buy_at_once(
        live_server, item, second, 2
    )
    assert len({answer["orderId"] for answer in answers}) == 2
    assert Order.objects.count() == 2
    assert len(sessions_at_stripe(stripe_emulator)) == 2
