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
