"""Signed, asynchronous, retried webhook delivery."""

import json
import time
import urllib.request

import stripe

from .conftest import WebhookReceiver, make_client

SECRET = "whsec_test_webhooks"


def _wait_for(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def test_events_are_delivered_signed_and_verifiable(emulator, client, receiver):
    emulator.set_webhook("usd", receiver.url, SECRET)
    intent = client.v1.payment_intents.create(
        params={
            "amount": 1000,
            "currency": "usd",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "return_url": "http://store.test/return",
        }
    )
    _wait_for(lambda: len(receiver.deliveries) == 3)
    for body, signature in receiver.deliveries:
        event = stripe.Webhook.construct_event(body.decode(), signature, SECRET)
        payload = event.data.object.to_dict()
        assert intent.id in (payload["id"], payload.get("payment_intent"))
        assert event.api_version == "2026-10-28.endive"
        assert event.pending_webhooks == 1
    assert receiver.event_types() == [
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
    ]
    attempts = emulator.wait_for_webhook_attempts(lambda recorded: len(recorded) == 3)
    assert {a["status_code"] for a in attempts} == {200}
    assert {a["account"] for a in attempts} == {"usd"}


def test_a_wrong_secret_fails_verification(emulator, client, receiver):
    emulator.set_webhook("usd", receiver.url, SECRET)
    client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd"})
    _wait_for(lambda: receiver.deliveries)
    body, signature = receiver.deliveries[0]
    try:
        stripe.Webhook.construct_event(body.decode(), signature, "whsec_other")
    except stripe.SignatureVerificationError:
        pass
    else:
        raise AssertionError("a signature made with another secret must not verify")


def test_failed_deliveries_are_retried_with_backoff(emulator, client):
    failing = WebhookReceiver(fail_first=2)
    try:
        emulator.set_webhook("usd", failing.url, SECRET)
        client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd"})
        attempts = emulator.wait_for_webhook_attempts(
            lambda found: any(a["status_code"] == 200 for a in found)
        )
        assert [(a["attempt"], a["status_code"]) for a in attempts] == [
            (1, 500),
            (2, 500),
            (3, 200),
        ]
        # backoff base 0.05 s: the retries wait at least 0.05 s, then 0.1 s
        assert attempts[1]["time"] - attempts[0]["time"] >= 0.045
        assert attempts[2]["time"] - attempts[1]["time"] >= 0.095
        assert failing.event_types() == ["payment_intent.created"]
    finally:
        failing.stop()


def test_unreachable_endpoints_are_logged_and_retries_stop(emulator, client):
    emulator.set_webhook("usd", "http://127.0.0.1:9/unreachable", SECRET)
    client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd"})
    attempts = emulator.wait_for_webhook_attempts(lambda found: len(found) >= 2)
    assert attempts[0]["status_code"] is None
    assert attempts[0]["error"]
    time.sleep(2.5)  # the fixture's retry window is 2 s: nothing more may come after it
    settled = len(emulator.webhook_attempts())
    time.sleep(0.5)
    assert len(emulator.webhook_attempts()) == settled


def test_wildcard_endpoint_and_per_account_override(emulator, receiver):
    other = WebhookReceiver()
    try:
        emulator.set_webhook("*", receiver.url, SECRET)
        emulator.set_webhook("eur", other.url, "whsec_eur")
        make_client(emulator, "sk_test_gbp").v1.payment_intents.create(
            params={"amount": 1000, "currency": "gbp"}
        )
        make_client(emulator, "sk_test_eur").v1.payment_intents.create(
            params={"amount": 1000, "currency": "eur"}
        )
        _wait_for(lambda: receiver.deliveries and other.deliveries)
        gbp_event = json.loads(receiver.deliveries[0][0])
        eur_event = json.loads(other.deliveries[0][0])
        assert gbp_event["data"]["object"]["currency"] == "gbp"
        assert eur_event["data"]["object"]["currency"] == "eur"
        stripe.Webhook.construct_event(
            other.deliveries[0][0].decode(), other.deliveries[0][1], "whsec_eur"
        )
    finally:
        other.stop()


def test_api_answers_do_not_wait_for_slow_receivers(emulator, client):
    emulator.set_webhook("usd", "http://127.0.0.1:9/unreachable", SECRET)
    started = time.monotonic()
    for _ in range(5):
        client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd"})
    assert time.monotonic() - started < 1.0


def test_control_endpoint_sets_webhooks(emulator, client, receiver):
    request = urllib.request.Request(
        f"{emulator.base_url}/_emulator/webhooks",
        data=json.dumps({"account": "usd", "url": receiver.url, "secret": SECRET}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as answer:
        assert json.loads(answer.read())["endpoints"]["usd"]["url"] == receiver.url
    client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd"})
    _wait_for(lambda: receiver.deliveries)
    # The receiver may see the delivery before the emulator records its answer: wait for both.
    emulator.wait_for_webhook_attempts(lambda recorded: len(recorded) >= 1, timeout=5)
    with urllib.request.urlopen(f"{emulator.base_url}/_emulator/webhook_attempts") as answer:
        attempts = json.loads(answer.read())["data"]
    assert attempts[0]["type"] == "payment_intent.created"
    assert set(attempts[0]) >= {"event_id", "account", "url", "status_code", "attempt", "time"}
