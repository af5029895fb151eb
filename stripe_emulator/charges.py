"""Charges: the record of each attempt to move money for a PaymentIntent."""

from __future__ import annotations

from typing import Any

from stripe_emulator.cards import TestCard
from stripe_emulator.context import RequestContext
from stripe_emulator.rendering import render
from stripe_emulator.store import new_id, public


def create(
    ctx: RequestContext,
    payment_intent: dict[str, Any],
    method: dict[str, Any],
    failure: TestCard | None,
) -> dict[str, Any]:
    """Store a succeeded charge, or a failed one when ``failure`` describes a decline."""
    succeeded = failure is None
    charge = {
        "id": new_id("ch"),
        "object": "charge",
        "amount": payment_intent["amount"],
        "amount_captured": payment_intent["amount"] if succeeded else 0,
        "amount_refunded": 0,
        "balance_transaction": new_id("txn") if succeeded else None,
        "billing_details": method["billing_details"],
        "captured": succeeded,
        "created": ctx.now(),
        "currency": payment_intent["currency"],
        "description": payment_intent.get("description"),
        "failure_code": None if succeeded else failure.code,
        "failure_message": None if succeeded else failure.message,
        "livemode": False,
        "metadata": dict(payment_intent["metadata"]),
        "outcome": {
            "network_status": "approved_by_network" if succeeded else "declined_by_network",
            "reason": None if succeeded else failure.decline_code,
            "risk_level": "normal",
            "seller_message": "Payment complete." if succeeded else "The bank declined.",
            "type": "authorized" if succeeded else "issuer_declined",
        },
        "paid": succeeded,
        "payment_intent": payment_intent["id"],
        "payment_method": method["id"],
        "payment_method_details": {"card": public(method)["card"], "type": "card"},
        "receipt_email": payment_intent.get("receipt_email"),
        "refunded": False,
        "refunds": None,
        "status": "succeeded" if succeeded else "failed",
    }
    return ctx.store.add(ctx.account, charge)


def retrieve(ctx: RequestContext, params: dict[str, Any], charge_id: str) -> dict[str, Any]:
    """``GET /v1/charges/{id}``."""
    return render(ctx, ctx.store.get(ctx.account, charge_id, "charge"), params.get("expand", []))
