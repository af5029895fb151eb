"""Card payment methods: created by Stripe.js from typed card details, or test tokens."""

from __future__ import annotations

import time
from typing import Any

from stripe_emulator import cards
from stripe_emulator.context import RequestContext
from stripe_emulator.errors import StripeError, missing_param, no_such
from stripe_emulator.rendering import render
from stripe_emulator.store import new_id


def card_error(message: str, code: str, param: str) -> StripeError:
    """Stripe's 402 for card details that cannot be used."""
    return StripeError(message, status=402, type="card_error", code=code, param=param)


def build(
    ctx: RequestContext,
    number: str,
    exp_month: int = 12,
    exp_year: int = 2034,
    billing_details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Store a new card payment method for ``number`` in the caller's account."""
    card = cards.card_for(number)
    details = billing_details or {}
    method = {
        "id": new_id("pm"),
        "object": "payment_method",
        "allow_redisplay": "unspecified",
        "billing_details": {
            "address": details.get("address"),
            "email": details.get("email"),
            "name": details.get("name"),
            "phone": details.get("phone"),
            "tax_id": None,
        },
        "card": {
            "brand": card.brand,
            "checks": {
                "address_line1_check": None,
                "address_postal_code_check": None,
                "cvc_check": "pass",
            },
            "country": "US",
            "display_brand": card.brand,
            "exp_month": exp_month,
            "exp_year": exp_year,
            "funding": "credit",
            "generated_from": None,
            "last4": card.number[-4:],
            "networks": {"available": [card.brand], "preferred": None},
            "regulated_status": "unregulated",
            "three_d_secure_usage": {"supported": True},
            "wallet": None,
        },
        "created": ctx.now(),
        "customer": None,
        "customer_account": None,
        "livemode": False,
        "metadata": {},
        "type": "card",
        "_card_number": card.number,
    }
    return ctx.store.add(ctx.account, method)


def create(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """``POST /v1/payment_methods`` with ``type=card`` and raw card details (as Stripe.js)."""
    if "type" not in params:
        raise missing_param("type")
    if params["type"] != "card":
        raise StripeError(
            "The emulator supports only card payment methods.", param="type", cacheable=False
        )
    details = params.get("card")
    if not isinstance(details, dict) or "number" not in details:
        raise missing_param("card[number]")
    number = cards.normalise_number(details["number"])
    if not cards.passes_luhn(number):
        raise card_error("Your card number is incorrect.", "incorrect_number", "card[number]")
    exp_month = details.get("exp_month")
    exp_year = details.get("exp_year")
    if exp_month is None or not 1 <= exp_month <= 12:
        raise card_error(
            "Your card's expiration month is invalid.", "invalid_expiry_month", "card[exp_month]"
        )
    if exp_year is not None and exp_year < 100:
        exp_year += 2000
    if exp_year is None or exp_year < time.gmtime(ctx.now()).tm_year:
        raise card_error(
            "Your card's expiration year is invalid.", "invalid_expiry_year", "card[exp_year]"
        )
    method = build(ctx, number, exp_month, exp_year, params.get("billing_details"))
    return render(ctx, method, params.get("expand", []))


def resolve(ctx: RequestContext, payment_method_id: str, param: str) -> dict[str, Any]:
    """The account's payment method, turning ``pm_card_*`` test tokens into fresh ones."""
    number = cards.TOKENS.get(payment_method_id)
    if number is not None:
        return build(ctx, number)
    method = ctx.store.account(ctx.account).objects.get(payment_method_id)
    if method is None or method["object"] != "payment_method":
        raise no_such("PaymentMethod", payment_method_id, param)
    return method


def retrieve(ctx: RequestContext, params: dict[str, Any], method_id: str) -> dict[str, Any]:
    """``GET /v1/payment_methods/{id}``."""
    method = ctx.store.get(ctx.account, method_id, "payment_method")
    return render(ctx, method, params.get("expand", []))
