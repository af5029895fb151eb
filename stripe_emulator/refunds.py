"""Refunds of succeeded PaymentIntents, full or partial, never more than was charged."""

from __future__ import annotations

from typing import Any

from stripe_emulator.context import RequestContext
from stripe_emulator.currencies import format_amount
from stripe_emulator.errors import StripeError, invalid_param, missing_param
from stripe_emulator.rendering import list_response, render
from stripe_emulator.store import new_id

REASONS = ("duplicate", "fraudulent", "requested_by_customer")


def _charge_to_refund(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("payment_intent"):
        intent = ctx.store.get(
            ctx.account, params["payment_intent"], "payment_intent", "payment_intent"
        )
        if intent["status"] != "succeeded" or not intent["latest_charge"]:
            raise StripeError(
                f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund.",
                param="payment_intent",
            )
        return ctx.store.get(ctx.account, intent["latest_charge"], "charge")
    if params.get("charge"):
        charge = ctx.store.get(ctx.account, params["charge"], "charge", "charge")
        if charge["status"] != "succeeded":
            raise StripeError(
                f"Charge {charge['id']} has not succeeded and cannot be refunded.", param="charge"
            )
        return charge
    raise missing_param("payment_intent")


def create(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """``POST /v1/refunds``: refund all that remains, or ``amount`` of it."""
    charge = _charge_to_refund(ctx, params)
    remaining = charge["amount"] - charge["amount_refunded"]
    if remaining <= 0:
        raise StripeError(
            f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded"
        )
    amount = params.get("amount", remaining)
    if amount < 1:
        raise invalid_param("Invalid positive integer", "amount")
    if amount > remaining:
        currency = charge["currency"]
        raise StripeError(
            f"Refund amount ({format_amount(amount, currency)}) is greater than unrefunded "
            f"amount on charge ({format_amount(remaining, currency)})",
            code="amount_too_large",
            param="amount",
        )
    reason = params.get("reason")
    if reason is not None and reason not in REASONS:
        raise invalid_param(f"Invalid reason: must be one of {', '.join(REASONS)}", "reason")
    refund = {
        "id": new_id("re"),
        "object": "refund",
        "amount": amount,
        "balance_transaction": new_id("txn"),
        "charge": charge["id"],
        "created": ctx.now(),
        "currency": charge["currency"],
        "customer": charge["customer"],
        "customer_account": None,
        "destination_details": {"card": {"type": "refund"}, "type": "card"},
        "metadata": params.get("metadata", {}),
        "payment_intent": charge["payment_intent"],
        "payment_method": charge["payment_method"],
        "reason": reason,
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": "succeeded",
        "transfer_reversal": None,
    }
    ctx.store.add(ctx.account, refund)
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] == charge["amount"]
    ctx.emit("refund.created", refund)
    ctx.emit("charge.refunded", charge)
    return render(ctx, refund, params.get("expand", []))


def retrieve(ctx: RequestContext, params: dict[str, Any], refund_id: str) -> dict[str, Any]:
    """``GET /v1/refunds/{id}``."""
    return render(ctx, ctx.store.get(ctx.account, refund_id, "refund"), params.get("expand", []))


def list_all(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """``GET /v1/refunds``, optionally only those of one PaymentIntent or charge."""
    refunds = ctx.store.of_kind(ctx.account, "refund")
    for name in ("payment_intent", "charge"):
        if params.get(name):
            refunds = [refund for refund in refunds if refund[name] == params[name]]
    return list_response(ctx, refunds, "/v1/refunds", params)
