"""The cart and order as the JSON API shows them: integers of minor units, with the
formatted text beside each amount for pages that display it."""

from __future__ import annotations

import functools
from typing import Any

from .. import money
from ..pricing import Quote
from .pricing import PricedCart


@functools.lru_cache(maxsize=4096)
def _formatted(amount: int, currency: str) -> str:
    """Formatted once per amount: a cart's answer repeats its prices on every change."""
    return money.format_amount(amount, currency) if currency else ""


def quote_json(quote: Quote) -> dict[str, Any]:
    """The amounts of a quote, named as the cart and order APIs name them."""
    currency = quote.currency
    return {
        "currency": currency or None,
        "lines": [
            {
                "itemId": quoted.line.item_id,
                "title": quoted.line.title,
                "quantity": quoted.line.quantity,
                "unitAmount": quoted.line.unit_amount,
                "amount": quoted.amount,
                "formattedUnitAmount": _formatted(quoted.line.unit_amount, currency),
                "formattedAmount": _formatted(quoted.amount, currency),
            }
            for quoted in quote.lines
        ],
        "count": quote.count,
        "subtotal": quote.subtotal,
        "discount": quote.discount,
        "taxes": [
            {
                # A percentage as a string ("8.875"), so it reaches the client exactly.
                "name": total.tax.name,
                "rate": format(total.tax.rate.normalize(), "f"),
                "inclusive": total.tax.inclusive,
                "amount": total.amount,
                "formattedAmount": _formatted(total.amount, currency),
            }
            for total in quote.taxes
        ],
        "tax": quote.tax,
        "total": quote.total,
        "formattedSubtotal": _formatted(quote.subtotal, currency),
        "formattedDiscount": _formatted(quote.discount, currency),
        "formattedTax": _formatted(quote.tax, currency),
        "formattedTotal": _formatted(quote.total, currency),
    }


def cart_json(priced: PricedCart, discount_code: str | None) -> dict[str, Any]:
    """`{"currency", "lines", "count", "subtotal", "discountCode", "discount", "taxes",
    "tax", "total"}` (the issue's contract) plus formatted amounts and, when the cart's
    code no longer applies, `discountProblem`."""
    body = quote_json(priced.quote)
    body["discountCode"] = discount_code
    if priced.discount_problem:
        body["discountProblem"] = priced.discount_problem
    return body
