"""A cart's price through the store's one pricing pipeline (`commerce.pricing.quote`):
the same arithmetic order placement and Stripe Checkout use, so the cart shows what the
shopper will pay."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils import timezone
from wagtail.models import Site

from ..orders.placement import line_inputs
from ..pricing import DiscountRefused, DiscountTerms, Quote, TaxTerms, quote

if TYPE_CHECKING:
    from ..models.pricing import Discount
    from .cart import Cart


@dataclass(frozen=True)
class PricedCart:
    """A cart's quote, and why its discount code no longer applies (if it does not)."""

    quote: Quote
    discount_problem: str | None = None


def cart_discount(cart: Cart) -> tuple[DiscountTerms | None, str | None]:
    """The terms of the cart's discount code, checked again now (a code may have expired
    or been used up since it was entered), or the reason it no longer applies."""
    if not cart.discount_code or not cart.currency:
        return None, None
    try:
        return find_discount(cart.discount_code, cart.currency).terms(), None
    except DiscountRefused as refusal:
        return None, str(refusal)


def find_discount(code: str, currency: str) -> Discount:
    """The Discount with this shopper code, redeemable now in `currency`; raises
    `DiscountRefused` with a message for the shopper."""
    from ..models.pricing import Discount

    return Discount.objects.find_redeemable(code, currency, timezone.now())


def cart_taxes(currency: str, request: HttpRequest) -> list[TaxTerms]:
    """The taxes the site charges in `currency` (ShopSettings' defaults)."""
    from ..pricing.defaults import default_taxes

    return list(default_taxes(currency, Site.find_for_request(request)))


def price_cart(cart: Cart, request: HttpRequest) -> PricedCart:
    """The cart's quote at the items' current prices, as placing it would price it."""
    lines = line_inputs(cart.lines())
    if not lines:
        return PricedCart(quote(cart.currency or "", []))
    currency = cart.currency or ""
    discount, problem = cart_discount(cart)
    return PricedCart(quote(currency, lines, discount, cart_taxes(currency, request)), problem)


def cart_quote(cart: Cart, request: HttpRequest) -> Quote:
    """The cart's quote: its live items, its discount if still redeemable, the site's
    taxes for its currency."""
    return price_cart(cart, request).quote
