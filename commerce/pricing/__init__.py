"""The one pricing pipeline: lines + a discount + taxes -> an immutable `Quote`.

Pure (no database, no settings), so the cart page, order placement and the Checkout
parameters all price a basket the same way, and property tests can run it thousands of
times. Its arithmetic is Stripe Checkout's (see `quote`), so what a shopper is shown is
what Stripe charges, to the minor unit.
"""

from .quote import (
    Basket,
    DiscountRefused,
    DiscountTerms,
    LineInput,
    LineTax,
    PricingError,
    Quote,
    QuotedLine,
    TaxTerms,
    TaxTotal,
    quote,
    quote_basket,
    spread,
)

__all__ = [
    "Basket",
    "DiscountRefused",
    "DiscountTerms",
    "LineInput",
    "LineTax",
    "PricingError",
    "Quote",
    "QuotedLine",
    "TaxTerms",
    "TaxTotal",
    "quote",
    "quote_basket",
    "spread",
]
