"""Stripe Coupons and TaxRates for orders' discounts and taxes, created when first needed.

A Coupon or TaxRate belongs to one Stripe account and its terms never change, so one
is made per account and per set of terms, the first time an order needs it, and
remembered (`StripePricingObject`) by a fingerprint of those terms. Concurrent first
uses send the same idempotency key, so Stripe makes one object; editing a Discount or
Tax changes its terms, hence its fingerprint, hence makes a new object and never
touches one an earlier order's Checkout refers to.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import IntegrityError, transaction

from .. import money
from ..models import OrderAdjustment, StripePricingObject
from . import gateway
from .accounts import StripeAccount

Kind = StripePricingObject.Kind


def fingerprint(params: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()


def coupon_params(adjustment: OrderAdjustment, currency: str) -> dict[str, Any]:
    params: dict[str, Any] = {"duration": "once", "name": adjustment.name[:40]}
    if adjustment.percent_off is not None:
        params["percent_off"] = float(adjustment.percent_off)
    else:
        params["amount_off"] = money.to_stripe_amount(adjustment.amount_off or 0, currency)
        params["currency"] = currency.lower()
    return params


def tax_rate_params(adjustment: OrderAdjustment) -> dict[str, Any]:
    return {
        "display_name": adjustment.name[:50],
        "percentage": float(adjustment.rate or 0),
        "inclusive": adjustment.inclusive,
    }


def coupon_for(account: StripeAccount, adjustment: OrderAdjustment, currency: str) -> str:
    """The id of the account's Coupon with this discount's terms, created if needed."""
    return _remembered(account, Kind.COUPON, coupon_params(adjustment, currency))


def tax_rate_for(account: StripeAccount, adjustment: OrderAdjustment) -> str:
    """The id of the account's TaxRate with this tax's terms, created if needed."""
    return _remembered(account, Kind.TAX_RATE, tax_rate_params(adjustment))


def _remembered(account: StripeAccount, kind: str, params: dict[str, Any]) -> str:
    key = fingerprint(params)
    known = StripePricingObject.objects.filter(
        kind=kind, stripe_account=account.label, fingerprint=key
    ).first()
    if known is not None:
        return known.stripe_id
    create = gateway.create_coupon if kind == Kind.COUPON else gateway.create_tax_rate
    created = create(account, params, idempotency_key=f"store-{kind}-{key}")
    try:
        with transaction.atomic():
            StripePricingObject.objects.create(
                kind=kind, stripe_account=account.label, fingerprint=key, stripe_id=created["id"]
            )
    except IntegrityError:
        # Another request remembered it first (the same object: same idempotency key).
        pass
    return created["id"]
