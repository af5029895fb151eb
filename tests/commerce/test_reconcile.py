"""`manage.py reconcile_orders`: what the webhooks missed is settled by asking Stripe.

No webhook endpoint is configured here, so only the job can bring the orders in line.
"""

from __future__ import annotations

import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from commerce import reconciliation
from commerce.models import Order, OrderLine, OrderStatus, Payment, Refund, RefundStatus
from commerce.payments import gateway
from commerce.payments.accounts import account_by_label
from commerce.payments.methods.checkout_session import apply_checkout_session
from commerce.signals import order_paid
from tests.conftest import stripe_client
from tests.emulator_actions import another_session_for, pay_session
from tests.factories import ItemPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(catalog):
    return ItemPageFactory(parent=catalog, title="Enamel Mug", price_amount=1450)


@pytest.fixture
def bought(client, stripe_emulator, item) -> Order:
    body = client.get(f"/v1/buy/{item.pk}/").json()
    return Order.objects.get(pk=body["orderId"])


@pytest.fixture
def usd(stripe_emulator):
    return stripe_client(stripe_emulator, "usd")


def session_of(order: Order) -> str:
    return order.latest_payment().stripe_id


def reconcile(*args: str) -> str:
    out = StringIO()
    call_command("reconcile_orders", *args, stdout=out)
    return out.getvalue()


def test_a_payment_whose_webhook_was_lost_is_found(
    stripe_emulator, bought, django_capture_on_commit_callbacks
):
    received = []
    order_paid.connect(lambda **kwargs: received.append(kwargs), weak=False, dispatch_uid="rec")
    pay_session(stripe_emulator, session_of(bought))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            first = reconcile("--older-than", "0")
        with django_capture_on_commit_callbacks(execute=True):
            second = reconcile("--older-than", "0")
    finally:
        order_paid.disconnect(dispatch_uid="rec")

    bought.refresh_from_db()
    assert bought.status == OrderStatus.PAID
    assert bought.succeeded_payment().stripe_payment_intent_id.startswith("pi_")
    assert [signal["order"].pk for signal in received] == [bought.pk]
    assert first.startswith("1 pending orders checked: 1 paid, 0 expired, 0 failed")
    assert second.startswith("0 pending orders checked")  # idempotent: nothing left to do


def test_a_session_stripe_expired_expires_the_order(stripe_emulator, usd, bought):
    stripe_emulator.advance_clock(2 * 60 * 60)  # past expires_at: Stripe expires it
    deadline = time.monotonic() + 5
    while usd.v1.checkout.sessions.retrieve(session_of(bought)).status != "expired":
        assert time.monotonic() < deadline, "the emulator never expired the session"
        time.sleep(0.05)

    assert "1 expired" in reconcile("--older-than", "0")
    bought.refresh_from_db()
    assert bought.status == OrderStatus.EXPIRED
    assert bought.open_key is None


def test_an_overdue_session_stripe_has_not_closed_yet_is_expired(
    stripe_emulator, usd, bought, monkeypatch
):
    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(reconciliation, "now", lambda: later)
    assert "1 expired" in reconcile("--older-than", "0")
    session = usd.v1.checkout.sessions.retrieve(session_of(bought))
    assert session.status == "expired"  # nobody can pay it any more
    bought.refresh_from_db()
    assert bought.status == OrderStatus.EXPIRED


def test_an_open_session_in_time_is_left_alone(stripe_emulator, usd, bought):
    assert "1 still pending" in reconcile("--older-than", "0")
    assert usd.v1.checkout.sessions.retrieve(session_of(bought)).status == "open"
    bought.refresh_from_db()
    assert bought.status == OrderStatus.PENDING


def test_only_orders_older_than_the_option_are_checked(stripe_emulator, bought):
    pay_session(stripe_emulator, session_of(bought))
    assert reconcile().startswith("0 pending orders checked")  # default: 15 minutes
    Order.objects.filter(pk=bought.pk).update(created_at=timezone.now() - timedelta(minutes=16))
    assert "1 paid" in reconcile()


def sessionless_order(item, started_at=None, **fields) -> Order:
    order = Order.objects.create(
        currency="USD",
        subtotal_amount=1450,
        total_amount=1450,
        created_at=timezone.now() - timedelta(hours=1),
        **fields,
    )
    OrderLine.objects.create(order=order, item=item, title=item.title, unit_amount=1450)
    if started_at is not None:
        Payment.objects.create(
            order=order,
            method="checkout_session",
            attempt=1,
            stripe_account="default",
            amount=1450,
            currency="USD",
            started_at=started_at,
            expires_at=started_at + timedelta(hours=1),
        )
    return order


def test_an_order_that_never_got_a_session_fails_unless_its_attempt_is_in_flight(
    stripe_emulator, item
):
    lost = sessionless_order(item, started_at=timezone.now() - timedelta(hours=1))
    in_flight = sessionless_order(item, started_at=timezone.now())
    assert "1 failed, 1 still pending" in reconcile("--older-than", "0")
    lost.refresh_from_db()
    in_flight.refresh_from_db()
    assert lost.status == OrderStatus.FAILED
    assert lost.latest_payment().status == "failed"
    assert in_flight.status == OrderStatus.PENDING


def test_stray_sessions_naming_our_orders_are_expired(stripe_emulator, usd, bought, item):
    # A paid order with a second session still open: paying it would take money twice.
    extra = another_session_for(usd, bought, timezone.now() + timedelta(hours=1))
    pay_session(stripe_emulator, session_of(bought))
    # A failed order whose timed-out attempt did create a session after all.
    failed = sessionless_order(item, status=OrderStatus.FAILED)
    late = another_session_for(usd, failed, timezone.now() + timedelta(hours=1))
    # Someone else's session on the same Stripe account is none of our business.
    foreign = usd.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": "usd",
                        "unit_amount": 999,
                        "product_data": {"name": "Not ours"},
                    },
                    "quantity": 1,
                }
            ],
            "success_url": "https://elsewhere.example/ok",
            "client_reference_id": "order-7",
        }
    )

    summary = reconcile("--older-than", "0")
    assert "2 stray sessions expired" in summary
    statuses = {s: usd.v1.checkout.sessions.retrieve(s).status for s in (extra.id, late.id)}
    assert statuses == {extra.id: "expired", late.id: "expired"}
    assert usd.v1.checkout.sessions.retrieve(foreign.id).status == "open"
    bought.refresh_from_db()
    assert bought.status == OrderStatus.PAID
    assert "0 stray sessions expired" in reconcile("--older-than", "0")


def test_a_refund_whose_call_failed_is_sent_by_the_next_run(
    stripe_emulator, usd, bought, settings, django_capture_on_commit_callbacks
):
    second = another_session_for(usd, bought, timezone.now() + timedelta(hours=1))
    pay_session(stripe_emulator, session_of(bought))
    pay_session(stripe_emulator, second.id)
    account = account_by_label("default")
    stripe_emulator.inject_fault(
        "500", count=settings.STRIPE_MAX_NETWORK_RETRIES + 1, path_prefix="/v1/refunds"
    )
    with django_capture_on_commit_callbacks(execute=True):
        for session_id in (session_of(bought), second.id):
            session = gateway.retrieve_checkout_session(account, session_id)
            apply_checkout_session("default", session)

    refund = Refund.objects.get()
    assert (refund.status, refund.attempts) == (RefundStatus.DUE, 1)
    assert refund.last_error
    assert usd.v1.refunds.list().data == []

    assert "refunds: 1 sent, 0 failed" in reconcile("--older-than", "0")
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SENT and refund.stripe_refund_id.startswith("re_")
    [at_stripe] = usd.v1.refunds.list().data
    assert (at_stripe.id, at_stripe.amount) == (refund.stripe_refund_id, 1450)
    assert "refunds: 0 sent" in reconcile("--older-than", "0")
    assert len(usd.v1.refunds.list().data) == 1


def test_what_cannot_be_settled_makes_the_job_fail_for_cron(stripe_emulator, bought, settings):
    settings.STRIPE_ACCOUNTS = {"EUR": settings.STRIPE_ACCOUNTS["EUR"]}
    with pytest.raises(CommandError, match="could not be settled"):
        reconcile("--older-than", "0")
    bought.refresh_from_db()
    assert bought.status == OrderStatus.PENDING


@pytest.mark.parametrize("args", [["--older-than", "-1"], ["--limit", "0"]])
def test_nonsense_options_are_refused(db, args):
    with pytest.raises(CommandError):
        reconcile(*args)
