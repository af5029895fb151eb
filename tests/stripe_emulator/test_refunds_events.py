"""Refunds and the events log."""

import pytest
import stripe


def _paid(client, amount=1000):
    return client.v1.payment_intents.create(
        params={
            "amount": amount,
            "currency": "usd",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "return_url": "http://store.test/return",
        }
    )


def test_partial_refunds_up_to_the_amount(client):
    intent = _paid(client)
    first = client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 300})
    second = client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 700})
    assert first.id.startswith("re_") and first.status == "succeeded"
    assert (first.amount, second.amount) == (300, 700)
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert charge.amount_refunded == 1000 and charge.refunded is True
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.refunds.create(params={"payment_intent": intent.id})
    assert refused.value.code == "charge_already_refunded"
    assert client.v1.refunds.retrieve(first.id).amount == 300
    listed = client.v1.refunds.list(params={"payment_intent": intent.id})
    assert [r.id for r in listed.data] == [second.id, first.id]


def test_refund_more_than_remaining_is_refused(client):
    intent = _paid(client)
    client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 600})
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 500})
    assert refused.value.code == "amount_too_large"
    assert refused.value.param == "amount"


def test_full_refund_by_default_and_unpaid_intents_cannot_be_refunded(client):
    intent = _paid(client, 1234)
    assert client.v1.refunds.create(params={"payment_intent": intent.id}).amount == 1234
    unpaid = client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd"})
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.refunds.create(params={"payment_intent": unpaid.id})
    assert refused.value.param == "payment_intent"


def test_events_list_filter_limit_and_retrieve(client):
    intent = _paid(client)
    client.v1.refunds.create(params={"payment_intent": intent.id})
    events = client.v1.events.list()
    assert [e.type for e in events.data] == [
        "charge.refunded",
        "refund.created",
        "payment_intent.succeeded",
        "charge.succeeded",
        "payment_intent.created",
    ]
    only = client.v1.events.list(params={"type": "payment_intent.succeeded"})
    assert [e.data.object.id for e in only.data] == [intent.id]
    assert len(client.v1.events.list(params={"limit": 2}).data) == 2
    event = client.v1.events.retrieve(only.data[0].id)
    assert event.object == "event"
    assert event.api_version == "2026-10-28.endive"
    assert event.data.object.status == "succeeded"
    assert event.request.id.startswith("req_")
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.events.retrieve("evt_missing")
