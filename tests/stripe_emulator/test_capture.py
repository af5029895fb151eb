"""``capture_method=manual``: the amount is held at confirm and taken by ``capture``."""

import pytest
import requests
import stripe

RETURN_URL = "http://store.test/return"


def _held(client, amount=2000):
    return client.v1.payment_intents.create(
        params={
            "amount": amount,
            "currency": "usd",
            "capture_method": "manual",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "return_url": RETURN_URL,
        }
    )


def _types(client):
    return [event.type for event in reversed(client.v1.events.list().data)]


def test_confirm_holds_the_amount_until_capture(client):
    held = _held(client)
    assert (held.status, held.capture_method) == ("requires_capture", "manual")
    assert (held.amount_capturable, held.amount_received) == (2000, 0)
    charge = client.v1.charges.retrieve(held.latest_charge)
    assert (charge.captured, charge.amount_captured, charge.status) == (False, 0, "succeeded")
    assert "payment_intent.succeeded" not in _types(client)
    assert "payment_intent.amount_capturable_updated" in _types(client)

    captured = client.v1.payment_intents.capture(held.id)
    assert (captured.status, captured.amount_received, captured.amount_capturable) == (
        "succeeded",
        2000,
        0,
    )
    charge = client.v1.charges.retrieve(held.latest_charge)
    assert (charge.captured, charge.amount_captured, charge.amount_refunded) == (True, 2000, 0)
    assert _types(client)[-2:] == ["charge.captured", "payment_intent.succeeded"]


def test_partial_capture_releases_the_rest(client):
    held = _held(client)
    captured = client.v1.payment_intents.capture(held.id, params={"amount_to_capture": 1500})
    assert (captured.status, captured.amount_received) == ("succeeded", 1500)
    charge = client.v1.charges.retrieve(held.latest_charge)
    assert (charge.amount_captured, charge.amount_refunded) == (1500, 500)
    refund = client.v1.refunds.create(params={"payment_intent": held.id})
    assert refund.amount == 1500
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.payment_intents.capture(held.id)
    assert again.value.code == "payment_intent_unexpected_state"


def test_a_held_amount_can_be_canceled(client):
    held = _held(client)
    canceled = client.v1.payment_intents.cancel(held.id)
    assert (canceled.status, canceled.amount_capturable) == ("canceled", 0)
    charge = client.v1.charges.retrieve(held.latest_charge)
    assert (charge.refunded, charge.amount_refunded, charge.captured) == (True, 2000, False)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_intents.capture(held.id)


def test_automatic_capture_is_the_default(client):
    paid = client.v1.payment_intents.create(
        params={
            "amount": 2000,
            "currency": "usd",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "return_url": RETURN_URL,
        }
    )
    assert (paid.status, paid.capture_method) == ("succeeded", "automatic_async")
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.payment_intents.capture(paid.id)
    assert refused.value.code == "payment_intent_unexpected_state"


def test_3ds_then_capture(client):
    pending = client.v1.payment_intents.create(
        params={
            "amount": 2000,
            "currency": "usd",
            "capture_method": "manual",
            "payment_method": "pm_card_authenticationRequired",
            "confirm": True,
            "return_url": RETURN_URL,
        }
    )
    assert pending.status == "requires_action"
    requests.post(
        pending.next_action.redirect_to_url.url,
        data={"action": "complete"},
        allow_redirects=False,
        timeout=5,
    )
    assert client.v1.payment_intents.retrieve(pending.id).status == "requires_capture"
    assert client.v1.payment_intents.capture(pending.id).status == "succeeded"
