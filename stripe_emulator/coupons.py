"""Coupons: percent or fixed-amount discounts applied to Checkout Sessions."""

from __future__ import annotations

from typing import Any

from stripe_emulator.context import RequestContext
from stripe_emulator.currencies import check_currency
from stripe_emulator.errors import StripeError, invalid_param, missing_param
from stripe_emulator.rendering import list_response, render
from stripe_emulator.store import random_token

DURATIONS = ("once", "repeating", "forever")


def create(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """``POST /v1/coupons``."""
    percent_off = params.get("percent_off")
    amount_off = params.get("amount_off")
    if (percent_off is None) == (amount_off is None):
        raise missing_param("percent_off" if percent_off is None else "amount_off")
    if percent_off is not None and not 0 < percent_off <= 100:
        raise invalid_param("Invalid percent_off: must be between 0 and 100", "percent_off")
    currency = None
    if amount_off is not None:
        if "currency" not in params:
            raise missing_param("currency")
        if amount_off < 1:
            raise invalid_param("Invalid positive integer", "amount_off")
        currency = check_currency(params["currency"])
    duration = params.get("duration", "once")
    if duration not in DURATIONS:
        raise invalid_param(f"Invalid duration: must be one of {', '.join(DURATIONS)}", "duration")
    if duration == "repeating" and "duration_in_months" not in params:
        raise missing_param("duration_in_months")
    if duration != "repeating" and "duration_in_months" in params:
        raise invalid_param(
            "You may only specify duration_in_months when duration is repeating.",
            "duration_in_months",
        )
    if duration == "repeating" and params["duration_in_months"] < 1:
        raise invalid_param("Invalid positive integer", "duration_in_months")
    coupon_id = params.get("id") or random_token(8).upper()
    if coupon_id in ctx.store.account(ctx.account).objects:
        raise StripeError(
            "Coupon already exists.", code="resource_already_exists", param="id", cacheable=False
        )
    coupon = {
        "id": coupon_id,
        "object": "coupon",
        "amount_off": amount_off,
        "created": ctx.now(),
        "currency": currency,
        "duration": duration,
        "duration_in_months": params.get("duration_in_months"),
        "livemode": False,
        "max_redemptions": params.get("max_redemptions"),
        "metadata": params.get("metadata", {}),
        "name": params.get("name"),
        "percent_off": float(percent_off) if percent_off is not None else None,
        "redeem_by": params.get("redeem_by"),
        "times_redeemed": 0,
        "valid": True,
    }
    return render(ctx, ctx.store.add(ctx.account, coupon), params.get("expand", []))


def retrieve(ctx: RequestContext, params: dict[str, Any], coupon_id: str) -> dict[str, Any]:
    """``GET /v1/coupons/{id}``."""
    return render(ctx, ctx.store.get(ctx.account, coupon_id, "coupon"), params.get("expand", []))


def delete(ctx: RequestContext, params: dict[str, Any], coupon_id: str) -> dict[str, Any]:
    """``DELETE /v1/coupons/{id}``: the coupon can no longer be applied."""
    ctx.store.get(ctx.account, coupon_id, "coupon")
    del ctx.store.account(ctx.account).objects[coupon_id]
    return {"id": coupon_id, "object": "coupon", "deleted": True}


def list_all(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """``GET /v1/coupons``."""
    return list_response(ctx, ctx.store.of_kind(ctx.account, "coupon"), "/v1/coupons", params)
