"""List filters are honoured or refused, and events behave as Stripe's do."""

from __future__ import annotations

import json

import pytest
import stripe

from .conftest import WebhookReceiver


def _intent(client: stripe.StripeClient, **extra) -> stripe.PaymentIntent:
    return client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd", **extra})


def test_created_filters_select_by_time(emulator, client):
    first = _intent(client)
    emulator.advance_clock(100)
    second = _intent(client)
    emulator.advance_clock(100)
    third = _intent(client)

    def ids(created) -> list[str]:
        found = client.v1.payment_intents.list(params={"created": created})
        return [intent.id for intent in found.data]

    assert ids({"gte": second.created}) == [third.id, second.id]
    assert ids({"gt": second.created}) == [third.id]
    assert ids({"lt": second.created}) == [first.id]
    assert ids({"lte": second.created}) == [second.id, first.id]
    assert ids({"gt": first.created, "lt": third.created}) == [second.id]
    assert ids(second.created) == [second.id]
    events = client.v1.events.list(
        params={"created": {"gte": third.created}, "type": "payment_intent.*"}
    )
    assert [event.data.object.id for event in events.data] == [third.id]


def test_cursors_page_both_ways_and_keep_order_within_one_second(client):
    made = [_intent(client).id for _ in range(5)]
    newest_first = made[::-1]
    page = client.v1.payment_intents.list(params={"limit": 2})
    assert [i.id for i in page.data] == newest_first[:2] and page.has_more
    page = client.v1.payment_intents.list(params={"limit": 2, "starting_after": made[3]})
    assert [i.id for i in page.data] == newest_first[2:4] and page.has_more
    page = client.v1.payment_intents.list(params={"limit": 3, "starting_after": made[2]})
    assert [i.id for i in page.data] == newest_first[3:] and not page.has_more
    page = client.v1.payment_intents.list(params={"limit": 2, "ending_before": made[1]})
    assert [i.id for i in page.data] == newest_first[1:3] and page.has_more


def test_a_cursor_filtered_out_by_type_still_marks_its_place(client):
    intent = _intent(
        client, payment_method="pm_card_visa", confirm=True, return_url="http://store.test/back"
    )
    every = client.v1.events.list()
    charge_event = next(e for e in every.data if e.type == "charge.succeeded")
    later = client.v1.events.list(
        params={"type": "payment_intent.*", "starting_after": charge_event.id}
    )
    assert [e.type for e in later.data] == ["payment_intent.created"]
    assert later.data[0].data.object.id == intent.id


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"starting_after": "pi_missing"}, "starting_after"),
        ({"ending_before": "pi_missing"}, "ending_before"),
    ],
)
def test_unknown_cursors_are_refused(client, params, param):
    _intent(client)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.payment_intents.list(params=params)
    assert refused.value.http_status == 400
    assert refused.value.code == "resource_missing"
    assert refused.value.param == param


def test_both_cursors_at_once_are_refused(client):
    first, second = _intent(client), _intent(client)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.payment_intents.list(
            params={"starting_after": second.id, "ending_before": first.id}
        )
    assert refused.value.http_status == 400
    assert "only one" in refused.value.user_message


def test_created_filter_with_an_unknown_operator_is_refused(client):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.events.list(params={"created": {"after": 5}})
    assert refused.value.param is not None and "created" in refused.value.param


def test_list_endpoints_without_a_created_filter_refuse_it(client):
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "success_url": "http://store.test/ok",
            "line_items": [
                {
                    "price_data": {
                        "currency": "usd",
                        "unit_amount": 500,
                        "product_data": {"name": "Pen"},
                    },
                    "quantity": 1,
                }
            ],
        }
    )
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.checkout.sessions.line_items.list(session.id, params={"created": 5})
    assert refused.value.code == "parameter_unknown"


def test_charges_announce_success_and_failure(client):
    good = _intent(
        client, payment_method="pm_card_visa", confirm=True, return_url="http://store.test/back"
    )
    bad = _intent(client)
    with pytest.raises(stripe.CardError):
        client.v1.payment_intents.confirm(
            bad.id,
            params={
                "payment_method": "pm_card_chargeDeclined",
                "return_url": "http://store.test/back",
            },
        )
    succeeded = client.v1.events.list(params={"type": "charge.succeeded"}).data
    failed = client.v1.events.list(params={"type": "charge.failed"}).data
    assert [e.data.object.id for e in succeeded] == [good.latest_charge]
    assert succeeded[0].data.object.status == "succeeded"
    assert [e.data.object.payment_intent for e in failed] == [bad.id]
    assert failed[0].data.object.failure_code == "card_declined"


def test_manual_capture_charges_are_announced_uncaptured(client):
    held = _intent(
        client,
        capture_method="manual",
        payment_method="pm_card_visa",
        confirm=True,
        return_url="http://store.test/back",
    )
    [event] = client.v1.events.list(params={"type": "charge.succeeded"}).data
    assert event.data.object.payment_intent == held.id
    assert event.data.object.captured is False
    assert event.data.object.amount_captured == 0


def test_delivered_events_have_no_pending_webhooks_and_payloads_no_private_fields(emulator, client):
    receiver = WebhookReceiver(fail_first=1)
    try:
        emulator.set_webhook("usd", receiver.url, "whsec_pending")
        intent = _intent(client)
        [event] = client.v1.events.list().data
        attempts = emulator.wait_for_webhook_attempts(
            lambda found: any(a["status_code"] == 200 for a in found)
        )
        assert [a["status_code"] for a in attempts] == [500, 200]
        body, _ = receiver.deliveries[0]
        payload = json.loads(body)
        assert payload["id"] == event.id
        assert payload["pending_webhooks"] == 1
        assert [key for key in payload if key.startswith("_")] == []
        assert client.v1.events.retrieve(event.id).pending_webhooks == 0
        assert client.v1.events.list().data[0].pending_webhooks == 0
        assert payload["data"]["object"]["id"] == intent.id
    finally:
        receiver.stop()


def test_undelivered_events_stay_pending(emulator, client):
    emulator.set_webhook("usd", "http://127.0.0.1:9/unreachable", "whsec_pending")
    _intent(client)
    emulator.wait_for_webhook_attempts(lambda attempts: len(attempts) >= 1)
    [event] = client.v1.events.list().data
    assert event.pending_webhooks == 1
