"""Money is never kept twice: a second payment for a paid order goes back, automatically.

End to end: the store sells through the emulator, the emulator's signed webhooks reach
the live server, the store asks the emulator for the refund.
"""

from __future__ import annotations

import json
import time
import urllib.request
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from commerce.models import Order, OrderStatus, Refund, RefundStatus
from commerce.signals import order_paid
from tests.conftest import stripe_client
from tests.emulator_actions import another_session_for, pay_session
from tests.factories import ItemPageFactory

# Transactional, so the live server's threads see the data the test writes.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def item(live_server, stripe_emulator, settings, catalog):
    for account, label in (("usd", "default"), ("eur", "EUR")):
        stripe_emulator.set_webhook(
            account,
            live_server.url + "/stripe/webhook/",
            settings.STRIPE_ACCOUNTS[label]["webhook_secret"],
        )
    return ItemPageFactory(parent=catalog, title="Enamel Mug", price_amount=1450)


@pytest.fixture
def paid_signals():
    received = []
    order_paid.connect(lambda **kwargs: received.append(kwargs), weak=False, dispatch_uid="dup")
    yield received
    order_paid.disconnect(dispatch_uid="dup")


def wait_for(predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition never held")
        time.sleep(0.05)


def test_a_second_paid_session_of_a_paid_order_is_refunded(
    live_server, stripe_emulator, item, paid_signals
):
    with urllib.request.urlopen(f"{live_server.url}/v1/buy/{item.pk}/", timeout=10) as answer:
        bought = json.loads(answer.read())
    order = Order.objects.get(pk=bought["orderId"])
    usd = stripe_client(stripe_emulator, "usd")
    second = another_session_for(usd, order, timezone.now() + timedelta(hours=1))

    first_paid = pay_session(stripe_emulator, bought["sessionId"])
    wait_for(lambda: Order.objects.get(pk=order.pk).status == OrderStatus.PAID)
    second_paid = pay_session(stripe_emulator, second.id)
    assert first_paid["status"] == second_paid["status"] == "complete"
    wait_for(lambda: Refund.objects.filter(status=RefundStatus.SENT).exists())

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.succeeded_payment().stripe_id == bought["sessionId"]
    first_intent = usd.v1.checkout.sessions.retrieve(bought["sessionId"]).payment_intent
    second_intent = usd.v1.checkout.sessions.retrieve(second.id).payment_intent
    assert order.succeeded_payment().stripe_payment_intent_id == first_intent
    assert [signal["order"].pk for signal in paid_signals] == [order.pk]

    [refund] = order.refunds.all()
    assert (refund.stripe_payment_intent_id, refund.amount, refund.currency) == (
        second_intent,
        1450,
        "USD",
    )
    [at_stripe] = usd.v1.refunds.list().data
    assert (at_stripe.id, at_stripe.payment_intent, at_stripe.amount) == (
        refund.stripe_refund_id,
        second_intent,
        1450,
    )
    assert at_stripe.reason == "duplicate"
    assert at_stripe.metadata["order_reference"] == str(order.reference)

    # The shopper of the second payment comes back to the order's page, told the money
    # went back, rather than to a 404 for a session the order no longer names.
    returned = Client().get(f"/checkout/success/?session_id={second.id}")
    assert returned.status_code == 200
    returned_html = returned.content.decode()
    assert "This payment was returned" in returned_html
    assert "$14.50 has been refunded" in returned_html
    assert f'data-order-id="{order.pk}"' in returned_html

    admin = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw")
    browser = Client()
    browser.force_login(admin)
    html = browser.get(f"/admin/snippets/commerce/order/inspect/{order.pk}/").content.decode()
    assert f"Duplicate payment {second_intent}: $14.50 refunded ({refund.stripe_refund_id})" in html
