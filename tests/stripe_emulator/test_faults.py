"""Injected faults reach stripe-python as the errors real outages produce."""

import json
import time
import urllib.error
import urllib.request

import pytest
import stripe

PARAMS = {"amount": 1000, "currency": "usd"}


def test_500_is_an_api_error(emulator, client):
    emulator.inject_fault("500", path_prefix="/v1/payment_intents")
    with pytest.raises(stripe.APIError) as failed:
        client.v1.payment_intents.create(params=PARAMS)
    assert failed.value.http_status == 500
    assert client.v1.payment_intents.create(params=PARAMS).status == "requires_payment_method"


def test_429_is_a_rate_limit_error(emulator, client):
    emulator.inject_fault("429", count=2, method="POST")
    for _ in range(2):
        with pytest.raises(stripe.RateLimitError) as limited:
            client.v1.payment_intents.create(params=PARAMS)
        assert limited.value.http_status == 429
        assert limited.value.headers["Stripe-Should-Retry"] == "true"
    client.v1.payment_intents.create(params=PARAMS)


def test_stripe_python_retries_through_a_500_with_the_same_idempotency_key(emulator):
    emulator.inject_fault("500", count=1)
    retrying = stripe.StripeClient(
        api_key="sk_test_usd", base_addresses={"api": emulator.base_url}, max_network_retries=2
    )
    intent = retrying.v1.payment_intents.create(params=PARAMS)
    assert intent.status == "requires_payment_method"
    assert len(retrying.v1.payment_intents.list().data) == 1


def test_timeout_is_a_connection_error_and_the_request_still_runs_late(emulator, client):
    emulator.inject_fault("timeout", delay_seconds=1.5)
    impatient = stripe.StripeClient(
        api_key="sk_test_usd",
        base_addresses={"api": emulator.base_url},
        max_network_retries=0,
        http_client=stripe.RequestsClient(timeout=0.5),
    )
    started = time.monotonic()
    with pytest.raises(stripe.APIConnectionError):
        impatient.v1.payment_intents.create(params=PARAMS)
    assert time.monotonic() - started < 1.4
    assert client.v1.payment_intents.list().data == []
    # Like a slow Stripe, the emulator still carries the request out after the delay.
    deadline = time.monotonic() + 5
    while not client.v1.payment_intents.list().data:
        assert time.monotonic() < deadline, "the delayed request never ran"
        time.sleep(0.05)


def test_dropped_connection_is_a_connection_error(emulator, client):
    emulator.inject_fault("drop", method="POST")
    with pytest.raises(stripe.APIConnectionError):
        client.v1.payment_intents.create(params=PARAMS)
    assert client.v1.payment_intents.list().data == []


def test_drop_after_processing_then_idempotent_retry_gets_the_original(emulator, client):
    emulator.inject_fault("drop", method="POST", after_processing=True)
    with pytest.raises(stripe.APIConnectionError):
        client.v1.payment_intents.create(params=PARAMS, options={"idempotency_key": "lost"})
    replay = client.v1.payment_intents.create(params=PARAMS, options={"idempotency_key": "lost"})
    assert [i.id for i in client.v1.payment_intents.list().data] == [replay.id]


def test_faults_only_hit_matching_requests(emulator, client):
    emulator.inject_fault("500", path_prefix="/v1/checkout/sessions")
    client.v1.payment_intents.create(params=PARAMS)
    with urllib.request.urlopen(f"{emulator.base_url}/_emulator/faults") as answer:
        assert len(json.loads(answer.read())["pending"]) == 1


def test_faults_via_control_endpoint_and_reset(emulator, client):
    client.v1.payment_intents.create(params=PARAMS)
    request = urllib.request.Request(
        f"{emulator.base_url}/_emulator/faults",
        data=json.dumps({"kind": "500", "count": 3}).encode(),
        method="POST",
    )
    urllib.request.urlopen(request).close()
    with pytest.raises(stripe.APIError):
        client.v1.payment_intents.list()
    reset = urllib.request.Request(f"{emulator.base_url}/_emulator/reset", data=b"", method="POST")
    urllib.request.urlopen(reset).close()
    assert client.v1.payment_intents.list().data == []  # objects and the remaining faults are gone
    with urllib.request.urlopen(f"{emulator.base_url}/_emulator/health") as answer:
        assert json.loads(answer.read()) == {"status": "ok"}


def test_bad_fault_specs_are_refused(emulator):
    request = urllib.request.Request(
        f"{emulator.base_url}/_emulator/faults",
        data=json.dumps({"kind": "teapot"}).encode(),
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code == 400
