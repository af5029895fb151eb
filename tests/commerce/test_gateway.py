"""The gateway's requests (against the emulator): answers as plain JSON values, the
idempotency key sent, ids kept inside their path segment, and no parameter that
stripe-python would take for a request option."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from commerce.payments import gateway
from commerce.payments.accounts import account_for_currency
from commerce.payments.exceptions import GatewayError

pytestmark = pytest.mark.django_db

SESSION = {
    "mode": "payment",
    "success_url": "http://testserver/ok",
    "cancel_url": "http://testserver/cart",
    "line_items": [
        {
            "price_data": {
                "currency": "usd",
                "unit_amount": 1450,
                "product_data": {"name": "Mug"},
            },
            "quantity": 2,
        }
    ],
    "metadata": {"order": "7"},
}


def plain_json(value: Any) -> bool:
    """Whether `value` is made only of what `json.loads` makes (no StripeObject)."""
    if type(value) is dict:
        return all(type(key) is str and plain_json(item) for key, item in value.items())
    if type(value) is list:
        return all(plain_json(item) for item in value)
    return value is None or type(value) in (str, int, float, bool)


def test_a_created_session_is_plain_json_with_stripes_values(stripe_emulator):
    account = account_for_currency("USD")
    session = gateway.create_checkout_session(account, SESSION, idempotency_key="gateway-1")
    assert plain_json(session)
    assert not isinstance(session, stripe.StripeObject)
    assert session["object"] == "checkout.session"
    assert session["amount_total"] == 2900
    assert session["metadata"] == {"order": "7"}
    assert session["url"].startswith(stripe_emulator.base_url)
    again = gateway.retrieve_checkout_session(account, session["id"])
    assert plain_json(again)
    assert (again["id"], again["url"], again["status"]) == (session["id"], session["url"], "open")


def test_the_idempotency_key_is_sent(stripe_emulator):
    account = account_for_currency("USD")
    first = gateway.create_checkout_session(account, SESSION, idempotency_key="gateway-same")
    repeated = gateway.create_checkout_session(account, SESSION, idempotency_key="gateway-same")
    other = gateway.create_checkout_session(account, SESSION, idempotency_key="gateway-other")
    assert repeated["id"] == first["id"]
    assert other["id"] != first["id"]


def test_an_id_stays_inside_its_path_segment(stripe_emulator):
    account = account_for_currency("USD")
    session = gateway.create_checkout_session(account, SESSION, idempotency_key="gateway-2")
    # Unquoted, this id would reach the session's own /expire and close it.
    with pytest.raises(GatewayError):
        gateway.expire_checkout_session(account, f"{session['id']}/expire?x=")
    assert gateway.retrieve_checkout_session(account, session["id"])["status"] == "open"
    assert gateway.expire_checkout_session(account, session["id"])["status"] == "expired"


def test_a_parameter_named_like_a_request_option_is_refused_before_any_request(
    stripe_emulator,
):
    account = account_for_currency("USD")
    before = len(gateway.list_open_checkout_sessions(account, limit=100)["data"])
    for name in ("idempotency_key", "stripe_account", "usage"):
        with pytest.raises(ValueError, match=name):
            gateway.create_checkout_session(account, {**SESSION, name: "x"}, "gateway-3")
    assert len(gateway.list_open_checkout_sessions(account, limit=100)["data"]) == before
