"""An order paid through the status check and the webhook, in any order, any number of
times and at once, is paid once and `order_paid` is sent once.

Real threads, each with its own database connection, so on PostgreSQL the requests truly
overlap and only the order's row lock keeps them apart (on SQLite, writers queue).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from commerce import signals
from commerce.models import Order, OrderStatus, PaymentEvent, PaymentStatus
from tests.conftest import stripe_client
from tests.factories import ItemPageFactory
from tests.stripe_signing import event_payload, signature_header

from .cart_helpers import add, post_json

# Transactional, so every thread sees what the others commit.
pytestmark = pytest.mark.django_db(transaction=True)

USD_SECRET = "whsec_test_usd_account"


@pytest.fixture
def paid_at_stripe(client, stripe_emulator, catalog):
    """An order whose PaymentIntent Stripe has just charged, before the store knows:
    the order, its intent (as Stripe reports it) and the shopper's client."""
    mug = ItemPageFactory(parent=catalog, title="Enamel Mug", price_amount=1450)
    add(client, mug, 2)
    order = Order.objects.get(pk=post_json(client, "/v2/cart/order/").json()["orderId"])
    secret = post_json(client, f"/v2/order/{order.pk}/payment-intent/").json()["clientSecret"]
    intent = stripe_client(stripe_emulator, "usd").v1.payment_intents.confirm(
        secret.split("_secret_")[0],
        params={"payment_method": "pm_card_visa", "return_url": "http://testserver/"},
    )
    assert intent.status == "succeeded"
    return order, intent.to_dict(), secret, client


@pytest.fixture
def paid_signals():
    received: list[int] = []
    lock = threading.Lock()

    def receiver(sender, order, **kwargs):
        with lock:
            received.append(order.pk)

    signals.order_paid.connect(receiver, weak=False, dispatch_uid="exactly-once")
    yield received
    signals.order_paid.disconnect(dispatch_uid="exactly-once")


def status_check(shopper: Client, secret: str) -> tuple[int, bool]:
    browser = Client()
    browser.cookies = shopper.cookies
    response = browser.get("/v2/order/status/check/", {"pi_secret": secret})
    return response.status_code, response.json().get("paid") is True


def webhook(
    event_id: str, intent: dict, event_type: str = "payment_intent.succeeded"
) -> tuple[int, bool]:
    payload = event_payload(event_id, event_type, intent)
    response = Client().post(
        "/stripe/webhook/",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": signature_header(payload, USD_SECRET)},
    )
    return response.status_code, response.json().get("received") is True


def run_at_once(calls: list) -> list[tuple[int, bool]]:
    """Every call in its own thread, released together."""
    start = threading.Barrier(len(calls))

    def run(call) -> tuple[int, bool]:
        try:
            start.wait(timeout=10)
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def assert_paid_once(order: Order, paid_signals: list[int], event_ids: set[str]) -> None:
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.payments.filter(status=PaymentStatus.SUCCEEDED).count() == 1
    assert not order.refunds.exists()  # one payment, never taken for a duplicate
    assert list(order.status_changes.values_list("from_status", "to_status")) == [
        ("pending", "paid")
    ]
    assert paid_signals == [order.pk]
    assert set(PaymentEvent.objects.values_list("stripe_event_id", flat=True)) == event_ids


@pytest.mark.parametrize("first", ["status_check", "webhook"])
def test_either_way_first_then_the_other_pays_once(paid_at_stripe, paid_signals, first):
    order, intent, secret, shopper = paid_at_stripe
    ways = {
        "status_check": lambda: status_check(shopper, secret),
        "webhook": lambda: webhook("evt_succeeded", intent),
    }
    second = "webhook" if first == "status_check" else "status_check"

    answers = [ways[first](), ways[second](), ways[first](), ways[second]()]

    assert answers == [(200, True)] * 4
    assert_paid_once(order, paid_signals, {"evt_succeeded"})
    source = order.status_changes.get().source
    assert source == first


def test_status_checks_and_webhooks_at_once_pay_once(paid_at_stripe, paid_signals):
    order, intent, secret, shopper = paid_at_stripe
    # Stripe's retries of one event, several events for the intent, and the shopper's
    # page polling, all at the same moment.
    event_ids = ["evt_a", "evt_a", "evt_b", "evt_c", "evt_c"]
    calls = [lambda event_id=event_id: webhook(event_id, intent) for event_id in event_ids]
    calls += [lambda: status_check(shopper, secret)] * 5

    answers = run_at_once(calls)

    assert answers == [(200, True)] * len(calls)
    assert_paid_once(order, paid_signals, set(event_ids))
    assert order.status_changes.get().source in ("webhook", "status_check")


def test_late_failure_and_cancel_events_never_unpay_the_order(paid_at_stripe, paid_signals):
    order, intent, secret, shopper = paid_at_stripe
    assert status_check(shopper, secret) == (200, True)
    failed = {
        **intent,
        "status": "requires_payment_method",
        "last_payment_error": {"code": "card_declined", "message": "Your card was declined."},
    }

    for event_id, event_type, reported in [
        ("evt_failed", "payment_intent.payment_failed", failed),
        ("evt_canceled", "payment_intent.canceled", {**intent, "status": "canceled"}),
        ("evt_processing", "payment_intent.processing", {**intent, "status": "processing"}),
    ]:
        assert webhook(event_id, reported, event_type) == (200, True)

    assert_paid_once(order, paid_signals, {"evt_failed", "evt_canceled", "evt_processing"})
