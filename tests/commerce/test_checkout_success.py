"""The page Stripe Checkout returns to tells the shopper the truth about their payment."""

import json
import urllib.request

import pytest

from commerce.models import Order, OrderStatus
from tests.factories import ItemPageFactory

pytestmark = pytest.mark.django_db


def pay_on_emulator(emulator, session_id, card="4242424242424242"):
    request = urllib.request.Request(
        f"{emulator.base_url}/_emulator/checkout/sessions/{session_id}/pay",
        data=json.dumps({"card_number": card}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


@pytest.fixture
def started(client, stripe_emulator, catalog):
    item = ItemPageFactory(parent=catalog, title="Wool Beanie", price_amount=2999)
    return client.get(f"/v1/buy/{item.pk}/").json()


def test_paid_session_shows_paid_and_marks_the_order_even_before_the_webhook(
    client, stripe_emulator, started
):
    outcome = pay_on_emulator(stripe_emulator, started["sessionId"])
    assert outcome["status"] == "complete"
    assert outcome["redirect_url"].endswith(f"/checkout/success/?session_id={started['sessionId']}")

    response = client.get("/checkout/success/", {"session_id": started["sessionId"]})
    html = response.content.decode()
    assert response.status_code == 200
    assert "your payment was received" in html
    assert "$29.99" in html and "Wool Beanie" in html
    order = Order.objects.get(pk=started["orderId"])
    assert order.status == OrderStatus.PAID
    assert order.succeeded_payment().stripe_payment_intent_id.startswith("pi_")


def test_unpaid_session_says_not_confirmed(client, stripe_emulator, started):
    html = client.get("/checkout/success/", {"session_id": started["sessionId"]}).content.decode()
    assert "not confirmed yet" in html
    assert Order.objects.get(pk=started["orderId"]).status == OrderStatus.PENDING


def test_declined_card_leaves_the_order_unpaid(client, stripe_emulator, started):
    outcome = pay_on_emulator(stripe_emulator, started["sessionId"], card="4000000000000002")
    assert outcome["status"] == "open"
    assert "declined" in outcome["error"]
    html = client.get("/checkout/success/", {"session_id": started["sessionId"]}).content.decode()
    assert "not confirmed yet" in html


def test_stripe_unreachable_is_said_plainly(client, stripe_emulator, started, settings):
    stripe_emulator.inject_fault("500", count=settings.STRIPE_MAX_NETWORK_RETRIES + 1)
    response = client.get("/checkout/success/", {"session_id": started["sessionId"]})
    assert response.status_code == 200
    assert "could not reach the payment provider" in response.content.decode()


@pytest.mark.parametrize("query", [{}, {"session_id": "cs_test_unknown"}])
def test_unknown_session_is_404(client, home_page, query):
    assert client.get("/checkout/success/", query).status_code == 404
