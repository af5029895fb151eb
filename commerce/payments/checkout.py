"""Stripe Checkout Session parameters for an order.

Pure functions: they build the request from our order and leave the calling to the
gateway. Prices come from the order's lines and adjustments, which the server wrote;
the browser only ever names items.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from .. import money
from ..models import Order, OrderLine


def checkout_line_item(
    line: OrderLine, currency: str, image_url: str | None, tax_rates: Sequence[str] = ()
) -> dict[str, Any]:
    product_data: dict[str, Any] = {"name": line.title}
    if image_url:
        product_data["images"] = [image_url]
    item: dict[str, Any] = {
        "price_data": {
            "currency": currency.lower(),
            "unit_amount": money.to_stripe_amount(line.unit_amount, currency),
            "product_data": product_data,
        },
        "quantity": line.quantity,
    }
    if tax_rates:
        item["tax_rates"] = list(tax_rates)
    return item


def checkout_session_params(
    order: Order,
    lines: list[tuple[OrderLine, str | None]],
    *,
    success_url: str,
    cancel_url: str,
    expires_at: datetime,
    coupon: str | None = None,
    tax_rates: Sequence[str] = (),
) -> dict[str, Any]:
    """`mode=payment` session for `order`; `lines` pairs each line with its absolute image URL.

    Every line carries the order's tax rates (Stripe's TaxRate ids) and the order's
    discount is its one coupon, so Stripe computes the same totals our quote did.
    `{CHECKOUT_SESSION_ID}` in `success_url` is filled in by Stripe on redirect. The order
    is named by its `reference`, never its pk: pks repeat when a database is recreated,
    while Stripe keeps sessions and idempotency keys. Deterministic on purpose: requests
    that join one checkout attempt send the same idempotency key, which Stripe replays
    only when the parameters are identical.
    """
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            checkout_line_item(line, order.currency, image, tax_rates) for line, image in lines
        ],
        "success_url": success_url,
        "cancel_url": cancel_url,
        "client_reference_id": str(order.reference),
        "metadata": {"order_reference": str(order.reference)},
        "payment_intent_data": {"metadata": {"order_reference": str(order.reference)}},
        "expires_at": int(expires_at.timestamp()),
    }
    if coupon:
        params["discounts"] = [{"coupon": coupon}]
    if order.email:
        params["customer_email"] = order.email
    return params
