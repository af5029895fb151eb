"""Stripe Coupons and TaxRates for orders' discounts and taxes, created when first needed.

A Coupon or TaxRate belongs to one Stripe account and its terms never change, so one
is made per account and per set of terms, the first time an order needs it, and
remembered (`StripePricingObject`) by a fingerprint of those terms. Concurrent first
uses send the same idempotency key, so Stripe makes one object; editing a Discount or
Tax changes its terms, hence its fingerprint, hence makes a new object and never
touches one an earlier order's Checkout refers to. Since a fingerprint always names the
same object, the ids found are kept in the shared cache (and each process's memory),
behind a stamp replaced whenever a row is saved or deleted.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete, post_save

from .. import money
from ..models import OrderAdjustment, StripePricingObject
from ..stamped_cache import StampedCache
from . import gateway
from .accounts import StripeAccount

Kind = StripePricingObject.Kind

# Read for every Checkout Session with a tax or a discount. A row never changes what it
# says, so the bound only matters should a deletion bypass the signals.
KNOWN_SECONDS = 3600
KNOWN = StampedCache(
    "stripe-pricing-objects", KNOWN_SECONDS, kept_in_process=1024, works_without_cache=True
)


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
    name = f"{kind}:{account.label}:{key}"

    def read(missing: set[str]) -> dict[str, str]:
        stripe_id = (
            StripePricingObject.objects.filter(
                kind=kind, stripe_account=account.label, fingerprint=key
            )
            .values_list("stripe_id", flat=True)
            .first()
        )
        return {name: stripe_id} if stripe_id else {}

    known = KNOWN.get_many([name], read).get(name)
    if known is not None:
        return known
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


def _rows_changed(sender: Any, created: bool = False, **kwargs: Any) -> None:
    # A new row changes nothing kept: a fingerprint without a row is never kept. So the
    # first Checkout with a new tax restamps nothing (and needs no cache to be made).
    if not created:
        KNOWN.invalidate()


def connect_receivers() -> None:
    """Forget the ids kept when a row is changed or deleted (a deleted row's object is
    made again the next time an order needs it)."""
    for signal, change in ((post_save, "saved"), (post_delete, "deleted")):
        signal.connect(
            _rows_changed,
            sender=StripePricingObject,
            dispatch_uid=f"commerce.payments.pricing_objects.{change}",
        )
