"""Sign webhook payloads exactly as Stripe does, for tests that play Stripe's part."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any


def signature_header(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event_payload(event_id: str, event_type: str, data_object: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "api_version": "2026-10-28.endive",
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": data_object},
        }
    ).encode()


def paid_checkout_session(order: Any, **overrides: Any) -> dict[str, Any]:
    """The Checkout Session Stripe reports once `order`'s current session is paid; fields
    given as `overrides` replace (or add to) it."""
    session = {
        "id": order.latest_payment().stripe_id,
        "object": "checkout.session",
        "status": "complete",
        "payment_status": "paid",
        "amount_total": order.total_amount,
        "currency": order.currency.lower(),
        "client_reference_id": str(order.reference),
        "metadata": {"order_reference": str(order.reference)},
        "payment_intent": "pi_test_123",
        "customer_details": {"email": "shopper@example.com"},
    }
    session.update(overrides)
    return session


# The secret of the test settings' default (USD) account.
USD_WEBHOOK_SECRET = "whsec_test_usd_account"


def post_signed_event(
    client: Any,
    event_id: str,
    event_type: str,
    data_object: dict[str, Any],
    secret: str = USD_WEBHOOK_SECRET,
) -> Any:
    """Deliver one event to the store's webhook as Stripe would, through a test client."""
    payload = event_payload(event_id, event_type, data_object)
    return client.post(
        "/stripe/webhook/",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": signature_header(payload, secret)},
    )


def refunded_charge(order: Any, amount_refunded: int, **overrides: Any) -> dict[str, Any]:
    """The charge of `order`'s payment (intent `pi_test_123`, as `paid_checkout_session`
    says) as `charge.refunded` reports it once `amount_refunded` is given back."""
    return {
        "id": "ch_test_1",
        "object": "charge",
        "amount": order.total_amount,
        "amount_refunded": amount_refunded,
        "currency": order.currency.lower(),
        "payment_intent": "pi_test_123",
        "refunded": amount_refunded == order.total_amount,
        **overrides,
    }
