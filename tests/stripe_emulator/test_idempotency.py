"""Idempotency keys replay responses and refuse reuse with other parameters."""

import pytest
import requests
import stripe

from .conftest import make_client


def test_same_key_same_params_replays_the_same_object(client):
    params = {"amount": 1000, "currency": "usd"}
    first = client.v1.payment_intents.create(params=params, options={"idempotency_key": "k-1"})
    again = client.v1.payment_intents.create(params=params, options={"idempotency_key": "k-1"})
    assert again.id == first.id
    assert len(client.v1.payment_intents.list().data) == 1
    assert again.last_response.headers["Idempotent-Replayed"] == "true"


def test_same_key_other_params_is_an_idempotency_error(client):
    client.v1.payment_intents.create(
        params={"amount": 1000, "currency": "usd"}, options={"idempotency_key": "k-2"}
    )
    with pytest.raises(stripe.IdempotencyError) as refused:
        client.v1.payment_intents.create(
            params={"amount": 2000, "currency": "usd"}, options={"idempotency_key": "k-2"}
        )
    assert refused.value.http_status == 400
    assert refused.value.error.type == "idempotency_error"


def test_keys_are_scoped_per_account(emulator, client):
    params = {"amount": 1000, "currency": "usd"}
    mine = client.v1.payment_intents.create(params=params, options={"idempotency_key": "k-3"})
    theirs = make_client(emulator, "sk_test_eur").v1.payment_intents.create(
        params=params, options={"idempotency_key": "k-3"}
    )
    assert mine.id != theirs.id


def test_declines_are_replayed_too(emulator, client):
    intent = client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd"})
    url = f"{emulator.base_url}/v1/payment_intents/{intent.id}/confirm"
    headers = {"Authorization": "Bearer sk_test_usd", "Idempotency-Key": "k-4"}
    data = {"payment_method": "pm_card_chargeDeclined", "return_url": "http://store.test/return"}
    first = requests.post(url, data=data, headers=headers, timeout=5)
    second = requests.post(url, data=data, headers=headers, timeout=5)
    assert first.status_code == second.status_code == 402
    assert first.json() == second.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    failures = client.v1.events.list(params={"type": "payment_intent.payment_failed"})
    assert len(failures.data) == 1
