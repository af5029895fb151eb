"""Charges: the record of each attempt to move money for a PaymentIntent."""

from __future__ import annotations

from typing import Any

from stripe_emulator.cards import TestCard
from stripe_emulator.context import RequestContext
from stripe_emulator.rendering import render
from stripe_emulator.store import new_id

#: What the emulated account's charges show on statements (no account settings to read).
STATEMENT_DESCRIPTOR = "EMULATED STORE"
#: Where a succeeded charge's ``receipt_url`` points (served by the emulator, no key needed).
RECEIPT_PREFIX = "/receipts/payment/"


def create(
    ctx: RequestContext,
    payment_intent: dict[str, Any],
    method: dict[str, Any],
    failure: TestCard | None,
) -> dict[str, Any]:
    """Store a succeeded charge, or a failed one when ``failure`` describes a decline.

    Announces it with ``charge.succeeded`` or ``charge.failed``, as Stripe does; a charge of a
    ``capture_method=manual`` PaymentIntent succeeds uncaptured (the amount is only held).
    """
    succeeded = failure is None
    captured = succeeded and payment_intent["capture_method"] != "manual"
    charge_id = new_id("ch")
    card = method["card"]
    charge = {
        "id": charge_id,
        "object": "charge",
        "amount": payment_intent["amount"],
        "amount_captured": payment_intent["amount"] if captured else 0,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "balance_transaction": new_id("txn") if captured else None,
        "billing_details": {**method["billing_details"], "tax_id": None},
        "calculated_statement_descriptor": STATEMENT_DESCRIPTOR,
        "captured": captured,
        "created": ctx.now(),
        "currency": payment_intent["currency"],
        "customer": payment_intent.get("customer"),
        "description": payment_intent.get("description"),
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": None if succeeded else failure.code,
        "failure_message": None if succeeded else failure.message,
        "fraud_details": {},
        "livemode": False,
        "metadata": dict(payment_intent["metadata"]),
        "on_behalf_of": None,
        "outcome": {
            "advice_code": None if succeeded else "try_again_later",
            "network_advice_code": None,
            "network_decline_code": None,
            "network_status": "approved_by_network" if succeeded else "declined_by_network",
            "reason": None if succeeded else failure.decline_code,
            "risk_level": "normal",
            "seller_message": "Payment complete." if succeeded else "The bank declined.",
            "type": "authorized" if succeeded else "issuer_declined",
        },
        "paid": succeeded,
        "payment_intent": payment_intent["id"],
        "payment_method": method["id"],
        "payment_method_details": {
            "card": {
                "amount_authorized": payment_intent["amount"] if succeeded else None,
                "authorization_code": None,
                "brand": card["brand"],
                "checks": {
                    "address_line1_check": None,
                    "address_postal_code_check": None,
                    "cvc_check": card["checks"]["cvc_check"],
                },
                "country": card["country"],
                "electronic_commerce_indicator": None,
                "exp_month": card["exp_month"],
                "exp_year": card["exp_year"],
                "funding": card["funding"],
                "installments": None,
                "last4": card["last4"],
                "mandate": None,
                "network": card["brand"],
                "network_transaction_id": None,
                "regulated_status": "unregulated",
                "three_d_secure": None,
                "transaction_link_id": None,
                "wallet": None,
            },
            "type": "card",
        },
        "receipt_email": payment_intent.get("receipt_email"),
        "receipt_number": None,
        "receipt_url": f"{ctx.base_url}{RECEIPT_PREFIX}{charge_id}" if succeeded else None,
        "refunded": False,
        "review": None,
        "shipping": None,
        "source": None,
        "source_transfer": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "succeeded" if succeeded else "failed",
        "transfer_data": None,
        "transfer_group": None,
    }
    ctx.store.add(ctx.account, charge)
    ctx.emit("charge.succeeded" if succeeded else "charge.failed", charge)
    return charge


def retrieve(ctx: RequestContext, params: dict[str, Any], charge_id: str) -> dict[str, Any]:
    """``GET /v1/charges/{id}``."""
    return render(ctx, ctx.store.get(ctx.account, charge_id, "charge"), params.get("expand", []))
