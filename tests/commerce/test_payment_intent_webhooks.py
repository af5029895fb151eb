"""A PaymentIntent paid on the store's page is followed by Stripe's own webhooks too: the
emulator's signed `payment_intent.*` events reach the live server and move the order,
and the shopper's status check afterwards finds it paid, once."""

from __future__ import annotations

import time

import pytest
import stripe

from commerce.models import Order, OrderStatus, PaymentEvent
from commerce.signals import order_paid
from tests.conftest import stripe_client
from tests.factories import ItemPageFactory

from .cart_helpers import add, post_json

# Transactional, so the live server's threads see the data the test writes.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def order(client, live_server, stripe_emulator, settings, catalog) -> Order:
    stripe_emulator.set_webhook(
        "usd",
        live_server.url + "/stripe/webhook/",
        settings.STRIPE_ACCOUNTS["default"]["webhook_secret"],
    )
    add(client, ItemPageFactory(parent=catalog, title="Enamel Mug", price_amount=1450))
    return Order.objects.get(pk=post_json(client, "/v2/cart/order/").json()["orderId"])


def wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition never held")
        time.sleep(0.05)


def test_the_succeeded_webhook_pays_the_order_and_the_status_check_agrees(
    client, order, stripe_emulator
):
    paid = []
    order_paid.connect(lambda order, **kwargs: paid.append(order.pk), weak=False, dispatch_uid="pi")
    try:
        secret = post_json(client, f"/v2/order/{order.pk}/payment-intent/").json()["clientSecret"]
        usd = stripe_client(stripe_emulator, "usd")
        usd.v1.payment_intents.confirm(
            secret.split("_secret_")[0],
            params={"payment_method": "pm_card_visa", "return_url": "http://testserver/"},
        )
        wait_for(lambda: Order.objects.get(pk=order.pk).status == OrderStatus.PAID)
        checked = client.get("/v2/order/status/check/", {"pi_secret": secret}).json()
    finally:
        order_paid.disconnect(dispatch_uid="pi")

    assert checked["paid"] is True and checked["status"] == "succeeded"
    assert paid == [order.pk]
    change = order.status_changes.get(to_status=OrderStatus.PAID)
    assert change.source == "webhook"
    event = PaymentEvent.objects.get(stripe_event_id=change.stripe_event_id)
    assert event.type == "payment_intent.succeeded"
    assert event.order_id == order.pk


def test_a_declined_card_event_leaves_the_order_payable(client, order, stripe_emulator):
    secret = post_json(client, f"/v2/order/{order.pk}/payment-intent/").json()["clientSecret"]
    usd = stripe_client(stripe_emulator, "usd")
    with pytest.raises(stripe.CardError):
        usd.v1.payment_intents.confirm(
            secret.split("_secret_")[0],
            params={"payment_method": "pm_card_chargeDeclined", "return_url": "http://t/"},
        )

    wait_for(lambda: PaymentEvent.objects.filter(type="payment_intent.payment_failed").exists())
    event = PaymentEvent.objects.get(type="payment_intent.payment_failed")
    wait_for(lambda: PaymentEvent.objects.get(pk=event.pk).processed_at is not None)
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert post_json(client, f"/v2/order/{order.pk}/payment-intent/").json()["clientSecret"] == (
        secret
    )
