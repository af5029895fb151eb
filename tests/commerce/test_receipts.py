"""A paid order's receipt: sent once, after commit, by a task when a backend is configured,
saying what was bought, the discount, the taxes and the total."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import transaction
from django.test import Client
from django.utils import timezone

from commerce import receipts
from commerce.models import Discount, Order, OrderStatus, PaymentEvent
from commerce.orders.placement import place_order
from commerce.orders.transitions import transition
from commerce.pricing import TaxTerms
from commerce.signals import order_paid
from tests.emulator_actions import pay_session
from tests.factories import ItemPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(catalog) -> Order:
    tote = ItemPageFactory(parent=catalog, title="Canvas Tote", price_amount=2000)
    mug = ItemPageFactory(parent=catalog, title="Enamel Mug", price_amount=1450)
    discount = Discount.objects.create(name="Welcome", code="WELCOME10", percent_off=Decimal(10))
    placed = place_order(
        currency="USD",
        lines=[(tote, 2), (mug, 1)],
        discount=discount,
        shopper_key="shopper",
        user=None,
        taxes=[TaxTerms("Sales tax", Decimal("8.875"), False)],
    )
    placed.email = "shopper@example.com"
    placed.save()
    return placed


@pytest.fixture
def pay(django_capture_on_commit_callbacks):
    """Pay the order as the payment methods do: status under the lock, signal after commit
    (the test's own transaction never commits, so its commit callbacks are run here)."""

    def paying(order: Order) -> Order:
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                locked = Order.objects.select_for_update().get(pk=order.pk)
                transition(locked, OrderStatus.PAID)
                transaction.on_commit(
                    lambda: order_paid.send(sender=Order, order=locked, stripe_event_id="evt_1")
                )
        return locked

    return paying


def test_a_paid_order_gets_one_receipt_with_its_lines_discount_taxes_and_total(pay, order):
    pay(order)

    [message] = mail.outbox
    order.refresh_from_db()
    assert order.receipt_sent_at is not None
    assert message.to == ["shopper@example.com"]
    assert message.subject == f"Your receipt from Wagtail Store: order #{order.pk}"
    # 2 x $20.00 + $14.50 = $54.50; 10% off = -$5.45; 8.875% tax, per line: $4.36.
    assert (order.subtotal_amount, order.discount_amount, order.tax_amount) == (5450, 545, 436)
    text = message.body
    assert "2 x Canvas Tote at $20.00: $40.00" in text
    assert "1 x Enamel Mug at $14.50: $14.50" in text
    assert "Subtotal: $54.50" in text
    assert "Discount Welcome (WELCOME10): -$5.45" in text
    assert "Sales tax 8.875%: $4.36" in text
    assert "Total paid: $53.41" in text
    assert str(order.reference) in text
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert "<td>Canvas Tote</td>" in html
    assert "Discount Welcome (WELCOME10)" in html
    assert "<strong>$53.41</strong>" in html


def test_order_paid_sent_twice_still_sends_one_receipt(
    pay, order, django_capture_on_commit_callbacks
):
    paid = pay(order)
    with django_capture_on_commit_callbacks(execute=True):
        order_paid.send(sender=Order, order=paid, stripe_event_id="evt_again")
    assert receipts.send_receipt(order.pk) is False

    assert len(mail.outbox) == 1


def test_the_receipt_waits_for_the_payment_to_commit(order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=order.pk)
            transition(locked, OrderStatus.PAID)
            order_paid.send(sender=Order, order=locked, stripe_event_id="evt_1")
            assert mail.outbox == []
    assert len(mail.outbox) == 1


def test_an_order_without_an_address_goes_to_its_users_email(pay, order):
    user = get_user_model().objects.create_user("ann", "ann@example.com", "pw")
    Order.objects.filter(pk=order.pk).update(email="", user=user)
    pay(order)

    [message] = mail.outbox
    assert message.to == ["ann@example.com"]


def test_no_receipt_for_an_unpaid_order_or_one_without_any_address(pay, order):
    assert receipts.send_receipt(order.pk) is False
    Order.objects.filter(pk=order.pk).update(email="")
    pay(order)

    assert mail.outbox == []
    order.refresh_from_db()
    assert order.receipt_sent_at is None


def test_a_mail_server_failure_leaves_the_receipt_unsent_for_a_retry(pay, order, settings):
    settings.EMAIL_BACKEND = "tests.commerce.test_receipts.RefusingBackend"
    pay(order)  # the failure is logged; the payment is not disturbed
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.receipt_sent_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert receipts.send_receipt(order.pk) is True
    assert len(mail.outbox) == 1


def test_with_a_task_backend_the_receipt_is_enqueued_not_sent_in_the_request(pay, order, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend

    pay(order)

    assert mail.outbox == []
    # (Wagtail enqueues its own tasks too, such as reference index updates.)
    [result] = [
        queued
        for queued in default_task_backend.results
        if queued.task.func is receipts.send_receipt_task.func
    ]
    assert result.args == [order.pk]
    # The worker runs it later: the receipt goes then, once.
    assert receipts.send_receipt_task.call(*result.args) is True
    assert receipts.send_receipt_task.call(*result.args) is False
    assert len(mail.outbox) == 1
    assert timezone.now() >= Order.objects.get(pk=order.pk).receipt_sent_at


class RefusingBackend:
    """A mail backend whose server is down."""

    def __init__(self, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


@pytest.mark.django_db(transaction=True)
def test_a_checkout_paid_and_reported_twice_sends_one_receipt_to_the_payers_address(
    live_server, stripe_emulator, settings, catalog
):
    """End to end: the webhook and the shopper's return to the success page both report
    the payment; the receipt goes once, to the email Checkout collected."""
    stripe_emulator.set_webhook(
        "usd",
        live_server.url + "/stripe/webhook/",
        settings.STRIPE_ACCOUNTS["default"]["webhook_secret"],
    )
    item = ItemPageFactory(parent=catalog, title="Enamel Mug", price_amount=1450)
    shopper = Client()
    bought = shopper.get(f"/v1/buy/{item.pk}/").json()
    pay_session(stripe_emulator, bought["sessionId"])
    shopper.get("/checkout/success/", {"session_id": bought["sessionId"]})
    deadline = time.monotonic() + 10
    # Both reports in, and the mail handed over by whichever of them paid the order.
    while not (
        mail.outbox and PaymentEvent.objects.filter(type="checkout.session.completed").exists()
    ):
        assert time.monotonic() < deadline, "the webhook or the receipt never came"
        time.sleep(0.05)

    [message] = mail.outbox
    assert message.to == ["shopper@example.com"]
    assert "1 x Enamel Mug at $14.50: $14.50" in message.body
    assert Order.objects.get(pk=bought["orderId"]).receipt_sent_at is not None
