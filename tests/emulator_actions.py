"""What a shopper does on Stripe's side, done through the emulator's control endpoints."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from commerce.models import Order
from commerce.payments.checkout import checkout_session_params


def pay_session(emulator, session_id: str, card: str = "4242424242424242") -> dict[str, Any]:
    """Pay a Checkout Session as the hosted page would; returns the emulator's outcome."""
    request = urllib.request.Request(
        f"{emulator.base_url}/_emulator/checkout/sessions/{session_id}/pay",
        data=json.dumps({"card_number": card, "email": "shopper@example.com"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def another_session_for(client, order: Order, expires_at) -> Any:
    """A second session naming `order`, as an earlier attempt lost in a timeout leaves."""
    params = checkout_session_params(
        order,
        [(order.lines.get(), None)],
        success_url="http://testserver/checkout/success/?session_id={CHECKOUT_SESSION_ID}",
        cancel_url="http://testserver/",
        expires_at=expires_at,
    )
    return client.v1.checkout.sessions.create(params=params)
