"""Webhook handlers registered per event type: the store's own for PaymentIntents,
refunds and disputes, and a host app's added beside them."""

from __future__ import annotations

import pytest

from commerce import webhooks
from commerce.models import (
    Order,
    OrderStatus,
    PaymentEvent,
    Refund,
    RefundReason,
    RefundStatus,
    StatusChangeSource,
)
from commerce.payments.methods import payment_intent
from commerce.payments.methods.builtin import PAYMENT_INTENT_EVENTS
from tests.factories import ItemPageFactory
from tests.stripe_signing import paid_checkout_session, refunded_charge
from tests.stripe_signing import post_signed_event as post_event

pytestmark = pytest.mark.django_db

INTENT = "pi_test_123"


@pytest.fixture
def registry(monkeypatch):
    """The handlers as the store registers them, restored after the test."""
    copy = {event_type: list(handlers) for event_type, handlers in webhooks.HANDLERS.items()}
    monkeypatch.setattr(webhooks, "HANDLERS", copy)
    return copy


@pytest.fixture
def pending_order(client, stripe_emulator, catalog):
    item = ItemPageFactory(parent=catalog, title="Mug", price_amount=1450)
    body = client.get(f"/v1/buy/{item.pk}/").json()
    return Order.objects.get(pk=body["orderId"])


@pytest.fixture
def paid_order(client, pending_order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_event(
            client, "evt_paid", "checkout.session.completed", paid_checkout_session(pending_order)
        )
    pending_order.refresh_from_db()
    assert pending_order.status == OrderStatus.PAID
    return pending_order


def outcome_of(event_id):
    return PaymentEvent.objects.get(stripe_event_id=event_id).outcome


def test_a_host_app_handles_an_event_type_the_store_does_not(client, registry, pending_order):
    seen = []

    @webhooks.register_handler("customer.created")
    def remember(account, customer, event_id):
        seen.append((account.label, customer["id"], event_id))
        return pending_order, "customer noted"

    response = post_event(client, "evt_c", "customer.created", {"id": "cus_1"})

    assert response.status_code == 200
    assert seen == [("default", "cus_1", "evt_c")]
    event = PaymentEvent.objects.get(stripe_event_id="evt_c")
    assert (event.order, event.outcome) == (pending_order, "customer noted")


def test_a_host_handler_runs_after_the_stores_own_and_once_however_often_registered(
    client, registry, pending_order
):
    seen = []

    def also(account, session, event_id):
        order = Order.objects.get(pk=pending_order.pk)
        seen.append(order.status)  # the store's handler has already paid it
        return None, "host: thank-you note queued"

    webhooks.register_handler("checkout.session.completed")(also)
    webhooks.register_handler("checkout.session.completed")(also)
    post_event(client, "evt_1", "checkout.session.completed", paid_checkout_session(pending_order))

    assert seen == [OrderStatus.PAID]
    event = PaymentEvent.objects.get(stripe_event_id="evt_1")
    assert event.order == pending_order  # the first order a handler named
    assert event.outcome == "pending -> paid; host: thank-you note queued"


def test_a_failing_host_handler_undoes_the_stores_change_too(client, registry, pending_order):
    @webhooks.register_handler("checkout.session.completed")
    def broken(account, session, event_id):
        raise RuntimeError("bug in the host app")

    response = post_event(
        client, "evt_1", "checkout.session.completed", paid_checkout_session(pending_order)
    )

    assert response.status_code == 503
    assert not PaymentEvent.objects.exists()
    pending_order.refresh_from_db()
    assert pending_order.status == OrderStatus.PENDING
    assert not pending_order.status_changes.exists()


def test_an_unhandled_type_is_stored_and_ignored(client, registry):
    response = post_event(client, "evt_x", "invoice.created", {"id": "in_1"})

    assert response.status_code == 200
    assert outcome_of("evt_x") == "ignored: no handler for this type"


def test_every_payment_intent_event_reaches_the_payment_intent_handler(
    client, registry, pending_order, monkeypatch
):
    calls = []

    def apply(account_label, intent, *, source, stripe_event_id):
        calls.append((account_label, intent["id"], source, stripe_event_id))
        return None, f"applied {intent['status']}"

    monkeypatch.setattr(payment_intent, "apply_payment_intent", apply)
    for number, event_type in enumerate(PAYMENT_INTENT_EVENTS):
        post_event(client, f"evt_{number}", event_type, {"id": "pi_1", "status": "processing"})

    assert calls == [
        ("default", "pi_1", StatusChangeSource.WEBHOOK, f"evt_{number}")
        for number in range(len(PAYMENT_INTENT_EVENTS))
    ]
    assert set(PAYMENT_INTENT_EVENTS) == {
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
        "payment_intent.canceled",
        "payment_intent.processing",
        "payment_intent.requires_action",
    }


def test_charge_refunded_makes_the_order_partially_then_fully_refunded(client, paid_order):
    post_event(client, "evt_r1", "charge.refunded", refunded_charge(paid_order, 500))
    paid_order.refresh_from_db()
    assert (paid_order.status, paid_order.amount_refunded) == (
        OrderStatus.PARTIALLY_REFUNDED,
        500,
    )

    post_event(client, "evt_r2", "charge.refunded", refunded_charge(paid_order, 700))
    paid_order.refresh_from_db()
    assert (paid_order.status, paid_order.amount_refunded) == (
        OrderStatus.PARTIALLY_REFUNDED,
        700,
    )

    post_event(client, "evt_r3", "charge.refunded", refunded_charge(paid_order, 1450))
    paid_order.refresh_from_db()
    assert (paid_order.status, paid_order.amount_refunded) == (OrderStatus.REFUNDED, 1450)
    assert list(
        paid_order.status_changes.values_list("to_status", "source", "stripe_event_id", "note")
    ) == [
        ("paid", "webhook", "evt_paid", ""),
        ("partially_refunded", "webhook", "evt_r1", "$5.00 refunded in all"),
        ("refunded", "webhook", "evt_r3", "$14.50 refunded in all"),
    ]


def test_a_late_smaller_refund_event_never_lowers_what_was_refunded(client, paid_order):
    post_event(client, "evt_full", "charge.refunded", refunded_charge(paid_order, 1450))
    post_event(client, "evt_part", "charge.refunded", refunded_charge(paid_order, 500))

    paid_order.refresh_from_db()
    assert (paid_order.status, paid_order.amount_refunded) == (OrderStatus.REFUNDED, 1450)
    assert outcome_of("evt_part") == "no change (1450 already known refunded)"


@pytest.mark.parametrize(
    ("overrides", "outcome"),
    [
        ({"payment_intent": "pi_someone_else"}, "no matching order"),
        ({"payment_intent": None}, "ignored: no payment intent or refunded amount"),
        ({"amount_refunded": "500"}, "ignored: no payment intent or refunded amount"),
        ({"currency": "eur"}, "ignored: currency mismatch"),
    ],
)
def test_a_refund_that_is_not_the_orders_changes_nothing(client, paid_order, overrides, outcome):
    post_event(
        client, "evt_r", "charge.refunded", {**refunded_charge(paid_order, 500), **overrides}
    )

    assert outcome_of("evt_r") == outcome
    paid_order.refresh_from_db()
    assert (paid_order.status, paid_order.amount_refunded) == (OrderStatus.PAID, 0)


def test_refunding_a_duplicate_payment_leaves_the_order_paid(client, paid_order):
    Refund.objects.create(
        order=paid_order,
        reason=RefundReason.DUPLICATE_PAYMENT,
        amount=1450,
        currency="USD",
        stripe_account="default",
        stripe_payment_intent_id="pi_paid_twice",
    )
    post_event(
        client,
        "evt_d",
        "charge.refunded",
        refunded_charge(paid_order, 1450, payment_intent="pi_paid_twice"),
    )

    assert outcome_of("evt_d") == "duplicate payment refunded; order unchanged"
    paid_order.refresh_from_db()
    assert (paid_order.status, paid_order.amount_refunded) == (OrderStatus.PAID, 0)


def test_the_refund_rows_the_store_sent_are_marked_sent_by_their_events(client, paid_order):
    def due(key, stripe_refund_id=None):
        return Refund.objects.create(
            order=paid_order,
            reason=RefundReason.REQUESTED_BY_CUSTOMER,
            amount=100,
            currency="USD",
            stripe_account="default",
            stripe_payment_intent_id=INTENT,
            idempotency_key=key,
            stripe_refund_id=stripe_refund_id,
        )

    known = due("refund-a-1", stripe_refund_id="re_known")
    answer_lost = due("refund-a-2")
    other = due("refund-a-3")
    refunds = {
        "object": "list",
        "data": [
            {"id": "re_known", "object": "refund", "status": "succeeded", "metadata": {}},
            {
                "id": "re_lost",
                "object": "refund",
                "status": "pending",
                "metadata": {"refund_key": "refund-a-2"},
            },
        ],
    }
    post_event(
        client, "evt_r", "charge.refunded", refunded_charge(paid_order, 200, refunds=refunds)
    )
    post_event(client, "evt_f", "refund.updated", {"id": "re_x", "status": "failed"})

    for row in (known, answer_lost, other):
        row.refresh_from_db()
    assert (known.status, known.sent_at is not None) == (RefundStatus.SENT, True)
    assert (answer_lost.status, answer_lost.stripe_refund_id) == (RefundStatus.SENT, "re_lost")
    assert (other.status, other.stripe_refund_id) == (RefundStatus.DUE, None)
    assert outcome_of("evt_f") == "no change (refund failed)"


def test_a_dispute_flags_the_order_once_and_keeps_its_status(client, paid_order):
    dispute = {
        "id": "dp_1",
        "object": "dispute",
        "amount": 1450,
        "charge": "ch_test_1",
        "currency": "usd",
        "payment_intent": INTENT,
        "reason": "fraudulent",
        "status": "needs_response",
    }
    post_event(client, "evt_dp", "charge.dispute.created", dispute)
    paid_order.refresh_from_db()
    flagged_at = paid_order.disputed_at
    post_event(client, "evt_dp2", "charge.dispute.created", {**dispute, "reason": "general"})

    paid_order.refresh_from_db()
    assert flagged_at is not None and paid_order.disputed_at == flagged_at
    assert (paid_order.status, paid_order.dispute_reason) == (OrderStatus.PAID, "fraudulent")
    assert outcome_of("evt_dp") == "disputed (fraudulent)"
    assert outcome_of("evt_dp2") == "dispute already recorded"
    assert PaymentEvent.objects.get(stripe_event_id="evt_dp").order == paid_order
