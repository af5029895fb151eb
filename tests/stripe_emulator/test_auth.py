"""API keys select accounts; accounts are isolated; publishable keys are limited."""

import base64
import json
import urllib.error
import urllib.request

import pytest
import stripe

from .conftest import make_client


def test_objects_of_one_account_are_invisible_to_another(emulator, client):
    intent = client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd"})
    other = make_client(emulator, "sk_test_eur")
    with pytest.raises(stripe.InvalidRequestError) as missing:
        other.v1.payment_intents.retrieve(intent.id)
    assert missing.value.http_status == 404
    assert missing.value.code == "resource_missing"
    assert missing.value.param == "intent"
    assert str(missing.value.user_message) == f"No such payment_intent: '{intent.id}'"
    assert other.v1.payment_intents.list().data == []


@pytest.mark.parametrize("key", ["sk_live_usd", "nonsense", "sk_test_"])
def test_malformed_keys_are_unauthorized(emulator, key):
    with pytest.raises(stripe.AuthenticationError) as refused:
        make_client(emulator, key).v1.payment_intents.list()
    assert refused.value.http_status == 401


def test_missing_key_is_unauthorized(emulator):
    request = urllib.request.Request(f"{emulator.base_url}/v1/payment_intents")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code == 401
    body = json.loads(refused.value.read())
    assert body["error"]["type"] == "invalid_request_error"
    assert "You did not provide an API key" in body["error"]["message"]


def test_basic_auth_with_key_as_user(emulator, client):
    intent = client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd"})
    token = base64.b64encode(b"sk_test_usd:").decode()
    request = urllib.request.Request(
        f"{emulator.base_url}/v1/payment_intents/{intent.id}",
        headers={"Authorization": f"Basic {token}"},
    )
    with urllib.request.urlopen(request) as answer:
        assert json.loads(answer.read())["id"] == intent.id


def test_publishable_key_may_only_retrieve_and_confirm_with_client_secret(emulator, client):
    intent = client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd"})
    browser = make_client(emulator, "pk_test_usd")
    with pytest.raises(stripe.AuthenticationError) as refused:
        browser.v1.payment_intents.create(params={"amount": 1000, "currency": "usd"})
    assert "publishable API key" in str(refused.value.user_message)
    with pytest.raises(stripe.InvalidRequestError) as missing_secret:
        browser.v1.payment_intents.retrieve(intent.id)
    assert missing_secret.value.param == "client_secret"
    with pytest.raises(stripe.InvalidRequestError) as wrong_secret:
        browser.v1.payment_intents.retrieve(intent.id, params={"client_secret": "pi_x_secret_y"})
    assert wrong_secret.value.param == "client_secret"
    seen = browser.v1.payment_intents.retrieve(
        intent.id, params={"client_secret": intent.client_secret}
    )
    assert seen.status == "requires_payment_method"
    assert "metadata" not in seen
    confirmed = browser.v1.payment_intents.confirm(
        intent.id,
        params={
            "payment_method": "pm_card_visa",
            "client_secret": intent.client_secret,
            "return_url": "http://store.test/return",
        },
    )
    assert confirmed.status == "succeeded"


def test_responses_carry_request_id_and_version(emulator):
    request = urllib.request.Request(
        f"{emulator.base_url}/v1/payment_intents", headers={"Authorization": "Bearer sk_test_a"}
    )
    with urllib.request.urlopen(request) as answer:
        assert answer.headers["Request-Id"].startswith("req_")
        assert answer.headers["Stripe-Version"] == "2026-10-28.endive"
        assert answer.headers["Access-Control-Allow-Origin"] == "*"


def test_cors_preflight(emulator):
    request = urllib.request.Request(
        f"{emulator.base_url}/v1/payment_intents/pi_1/confirm",
        method="OPTIONS",
        headers={
            "Origin": "http://store.test",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 204
        assert answer.headers["Access-Control-Allow-Origin"] == "*"
        assert "POST" in answer.headers["Access-Control-Allow-Methods"]
        assert answer.headers["Access-Control-Allow-Headers"] == "authorization,content-type"


def test_unknown_url_is_a_stripe_404(client):
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.raw_request("get", "/v1/widgets")
    assert missing.value.http_status == 404
    assert "Unrecognized request URL" in str(missing.value.user_message)
