"""Small builders shared by the emulator tests."""

from __future__ import annotations

from typing import Any

import stripe


def line(currency: str, unit_amount: int, quantity: int = 1, name: str = "Item", **extra: Any):
    """A ``line_items`` entry with inline ``price_data``."""
    item: dict[str, Any] = {
        "price_data": {
            "currency": currency,
            "unit_amount": unit_amount,
            "product_data": {"name": name},
        },
        "quantity": quantity,
    }
    item.update(extra)
    return item


def create_session(client: stripe.StripeClient, lines: list[dict[str, Any]], **params: Any):
    """A payment-mode Checkout Session with sensible URLs."""
    return client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "line_items": lines,
            "success_url": "http://store.test/success?session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": "http://store.test/cart",
            **params,
        }
    )
