"""`POST /stripe/webhook/`: verified before any write, stored once, applied idempotently."""

import json
import time

import pytest

from commerce import webhooks
from commerce.models import Order, OrderStatus, PaymentEvent
from commerce.signals import order_paid
from tests.factories import ItemPageFactory
from tests.stripe_signing import event_payload, paid_checkout_session, signature_header

pytestmark = pytest.mark.django_db

USD_SECRET = "whsec_test_usd_account"
EUR_SECRET = "whsec_test_eur_account"


@pytest.fixture
def pending_order(client, stripe_emulator, catalog):
    item = ItemPageFactory(parent=catalog, title="Mug", price_amount=1450)
    body = client.get(f"/v1/buy/{item.pk}/").json()
    return Order.objects.get(pk=body["orderId"])


def post_event(client, payload, secret=USD_SECRET, timestamp=None, header=None):
    signature = header if header is not None else signature_header(payload, secret, timestamp)
    return client.post(
        "/stripe/webhook/",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": signature} if signature else {},
    )


def test_completed_session_marks_the_order_paid_once(
    client, pending_order, django_capture_on_commit_callbacks
):
    received = []
    order_paid.connect(lambda **kwargs: received.append(kwargs), weak=False, dispatch_uid="t")
    payload = event_payload(
        "evt_1", "checkout.session.completed", paid_checkout_session(pending_order)
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            first = post_event(client, payload)
        with django_capture_on_commit_callbacks(execute=True):
            replay = post_event(client, payload)
    finally:
        order_paid.disconnect(dispatch_uid="t")

    assert first.status_code == 200 and first.json() == {
        "received": True,
        "id": "evt_1",
        "duplicate": False,
    }
    assert replay.status_code == 200 and replay.json()["duplicate"] is True
    pending_order.refresh_from_db()
    assert pending_order.status == OrderStatus.PAID
    assert pending_order.paid_at is not None
    assert pending_order.succeeded_payment().stripe_payment_intent_id == "pi_test_123"
    assert pending_order.email == "shopper@example.com"
    assert PaymentEvent.objects.filter(stripe_event_id="evt_1").count() == 1
    assert len(received) == 1 and received[0]["order"].pk == pending_order.pk


@pytest.mark.parametrize(
    "header",
    ["", "t=1,v1=deadbeef", "garbage", "v1=" + "0" * 64],
)
def test_missing_or_invalid_signatures_are_refused_before_any_write(client, pending_order, header):
    payload = event_payload(
        "evt_bad", "checkout.session.completed", paid_checkout_session(pending_order)
    )
    response = post_event(client, payload, header=header)
    assert response.status_code == 400
    assert "signature" in response.json()["error"].lower()
    assert not PaymentEvent.objects.exists()
    pending_order.refresh_from_db()
    assert pending_order.status == OrderStatus.PENDING


def test_a_tampered_payload_is_refused(client, pending_order):
    payload = event_payload(
        "evt_t", "checkout.session.completed", paid_checkout_session(pending_order)
    )
    header = signature_header(payload, USD_SECRET)
    tampered = payload.replace(b'"amount_total": 1450', b'"amount_total": 1')
    assert post_event(client, tampered, header=header).status_code == 400


def test_stale_signatures_are_refused(client, pending_order):
    payload = event_payload(
        "evt_old", "checkout.session.completed", paid_checkout_session(pending_order)
    )
    response = post_event(client, payload, timestamp=int(time.time()) - 301)
    assert response.status_code == 400
    assert not PaymentEvent.objects.exists()


def test_one_accounts_secret_cannot_vouch_for_another_accounts_order(client, pending_order):
    assert pending_order.latest_payment().stripe_account == "default"
    payload = event_payload(
        "evt_x", "checkout.session.completed", paid_checkout_session(pending_order)
    )
    response = post_event(client, payload, secret=EUR_SECRET)
    assert response.status_code == 200
    assert PaymentEvent.objects.get().outcome == "account mismatch"
    pending_order.refresh_from_db()
    assert pending_order.status == OrderStatus.PENDING


def test_an_amount_that_differs_from_the_order_does_not_mark_it_paid(client, pending_order):
    session = paid_checkout_session(pending_order, amount_total=1)
    post_event(client, event_payload("evt_a", "checkout.session.completed", session))
    pending_order.refresh_from_db()
    assert pending_order.status == OrderStatus.PENDING
    assert PaymentEvent.objects.get().outcome == "amount mismatch"


def test_expired_session_expires_the_order_but_never_a_paid_one(client, pending_order):
    expired = paid_checkout_session(pending_order, status="expired", payment_status="unpaid")
    post_event(client, event_payload("evt_e1", "checkout.session.expired", expired))
    pending_order.refresh_from_db()
    assert pending_order.status == OrderStatus.EXPIRED

    # Out of order: the payment completes after all; paid wins, and a late expiry is ignored.
    post_event(
        client,
        event_payload("evt_p", "checkout.session.completed", paid_checkout_session(pending_order)),
    )
    post_event(client, event_payload("evt_e2", "checkout.session.expired", expired))
    pending_order.refresh_from_db()
    assert pending_order.status == OrderStatus.PAID


def test_an_expired_order_frees_the_shopper_for_a_new_session(client, pending_order):
    item_id = pending_order.lines.get().item_id
    expired = paid_checkout_session(pending_order, status="expired", payment_status="unpaid")
    post_event(client, event_payload("evt_e", "checkout.session.expired", expired))
    again = client.get(f"/v1/buy/{item_id}/").json()
    assert again["orderId"] != pending_order.pk


def test_unknown_event_types_are_stored_and_acknowledged(client, db):
    payload = event_payload("evt_u", "customer.created", {"id": "cus_1", "object": "customer"})
    assert post_event(client, payload).status_code == 200
    assert PaymentEvent.objects.get().outcome.startswith("ignored")


def test_signed_junk_is_a_400_not_a_500(client, db):
    payload = b"not json at all"
    assert post_event(client, payload).status_code == 400
    payload = json.dumps({"id": "nope"}).encode()
    assert post_event(client, payload).status_code == 400


def test_webhook_only_takes_post(client, db):
    response = client.get("/stripe/webhook/")
    assert response.status_code == 405
    assert response.json()["allowed"] == ["POST"]


def test_a_failure_while_applying_answers_503_and_stores_nothing(
    client, pending_order, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setitem(webhooks.HANDLERS, "checkout.session.completed", [broken])
    payload = event_payload(
        "evt_f", "checkout.session.completed", paid_checkout_session(pending_order)
    )
    response = post_event(client, payload)
    assert response.status_code == 503
    assert not PaymentEvent.objects.exists()  # Stripe's retry will apply it cleanly


def test_a_failed_delayed_payment_fails_the_order_and_frees_the_shopper(client, pending_order):
    # Stripe's session still says "complete"; only the event type tells the payment failed.
    session = paid_checkout_session(pending_order, payment_status="unpaid", payment_intent=None)
    payload = event_payload("evt_af", "checkout.session.async_payment_failed", session)
    assert post_event(client, payload).status_code == 200

    pending_order.refresh_from_db()
    assert pending_order.status == OrderStatus.FAILED
    assert pending_order.open_key is None
    event = PaymentEvent.objects.get(stripe_event_id="evt_af")
    assert event.order == pending_order
    assert event.outcome == "pending -> failed"
    item_id = pending_order.lines.get().item_id
    assert client.get(f"/v1/buy/{item_id}/").json()["orderId"] != pending_order.pk


def test_a_failed_delayed_payment_of_another_session_changes_nothing(client, pending_order):
    session = paid_checkout_session(pending_order, id="cs_test_other", payment_status="unpaid")
    post_event(client, event_payload("evt_af2", "checkout.session.async_payment_failed", session))
    pending_order.refresh_from_db()
    assert pending_order.status == OrderStatus.PENDING
    assert PaymentEvent.objects.get().outcome == "no change (not the order's current session)"


def test_orders_are_known_to_stripe_by_reference_never_by_pk(client, pending_order):
    # A session of another database's order 1, 2, ...: its pk means nothing here.
    by_pk = paid_checkout_session(
        pending_order,
        id="cs_test_elsewhere",
        client_reference_id=str(pending_order.pk),
        metadata={"order_id": str(pending_order.pk)},
    )
    post_event(client, event_payload("evt_pk", "checkout.session.completed", by_pk))
    assert PaymentEvent.objects.get(stripe_event_id="evt_pk").outcome == "no matching order"
    pending_order.refresh_from_db()
    assert pending_order.status == OrderStatus.PENDING

    # A session the order lost track of (say, a timed-out attempt) is found by reference.
    by_reference = paid_checkout_session(
        pending_order, id="cs_test_lost_attempt", client_reference_id=""
    )
    post_event(client, event_payload("evt_ref", "checkout.session.completed", by_reference))
    pending_order.refresh_from_db()
    assert pending_order.status == OrderStatus.PAID
    assert pending_order.succeeded_payment().stripe_id == "cs_test_lost_attempt"


def test_a_second_payment_is_recorded_once_as_a_refund_due(
    client, pending_order, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr("commerce.refunds.send_refund", sent.append)
    paid = paid_checkout_session(pending_order)
    post_event(client, event_payload("evt_1", "checkout.session.completed", paid))
    again = paid_checkout_session(
        pending_order, id="cs_test_second", payment_intent="pi_test_second"
    )
    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, event_payload("evt_2", "checkout.session.completed", again))
    with django_capture_on_commit_callbacks(execute=True):
        post_event(
            client, event_payload("evt_3", "checkout.session.async_payment_succeeded", again)
        )

    pending_order.refresh_from_db()
    assert pending_order.status == OrderStatus.PAID
    assert pending_order.succeeded_payment().stripe_payment_intent_id == "pi_test_123"
    [refund] = pending_order.refunds.all()
    assert (refund.stripe_payment_intent_id, refund.amount, refund.status) == (
        "pi_test_second",
        1450,
        "due",
    )
    assert sent == [refund.pk]  # asked for once, after the event's transaction committed
    outcomes = dict(PaymentEvent.objects.values_list("stripe_event_id", "outcome"))
    assert outcomes["evt_2"] == "duplicate payment: refund due"
    assert outcomes["evt_3"] == "duplicate payment: refund already due"


def test_answers_to_stripe_carry_no_content_security_policy_while_pages_do(
    client, pending_order, settings
):
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"default-src": ["'self'"]}}
    payload = event_payload(
        "evt_csp", "checkout.session.completed", paid_checkout_session(pending_order)
    )
    answer = post_event(client, payload)
    page = client.get("/")

    assert answer.status_code == 200
    assert "Content-Security-Policy" not in answer
    assert "Content-Security-Policy-Report-Only" not in answer
    assert "script-src" in page["Content-Security-Policy"]
    assert "Content-Security-Policy-Report-Only" in page
