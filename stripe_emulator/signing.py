"""Webhook signatures exactly as Stripe computes them.

``stripe.Webhook.construct_event`` recomputes this HMAC, so a store verifying signatures
against the emulator exercises the same code path as against Stripe.
"""

from __future__ import annotations

import hashlib
import hmac
import time


def signature_header(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header value: ``t=<unix>,v1=<hex HMAC-SHA256 of "t.payload">``."""
    stamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{stamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"
