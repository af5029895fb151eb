"""A cart's price through the store's one pricing pipeline (`commerce.pricing.quote`):
the same arithmetic order placement and Stripe Checkout use, so the cart shows what the
shopper will pay."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest
from django.utils import timezone

from ..hooks import QuoteContext, modify_basket
from ..orders.placement import line_inputs
from ..pricing import Basket, DiscountRefused, DiscountTerms, Quote, TaxTerms, quote, quote_basket
from ..pricing.defaults import TAX_TABLE
from ..stamped_cache import StampedCache
from .offers import OFFERS

if TYPE_CHECKING:
    from ..models.pricing import Discount
    from .cart import Cart

# How long a discount's row may be kept at most, should a change bypass the signals.
DISCOUNT_SECONDS = 300
# Read on every change of a cart with a code: kept in each process's memory too.
DISCOUNTS = StampedCache("discounts", DISCOUNT_SECONDS, kept_in_process=256)

# The kinds of cached values pricing a cart reads, each behind its stamp: the items'
# offers, the discount code's row and the default taxes. The cart's views read their
# stamps in one round trip (`stamped_cache.stamps_read_together`).
READ_BY_CART_PRICING = (OFFERS, DISCOUNTS, TAX_TABLE)


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
        return cached_discount(cart.discount_code, cart.currency).terms(), None
    except DiscountRefused as refusal:
        return None, str(refusal)


def cached_discount(code: str, currency: str) -> Discount:
    """`find_discount` for pricing a cart on every change: the discount's row comes from
    the shared cache (out of date after any change to a discount), its redemptions are
    counted live, and anything not cached is read by `find_discount`."""
    from ..models.pricing import normalize_code

    normalized = normalize_code(code)
    discount = DISCOUNTS.get_many({normalized}, _read_discounts).get(normalized)
    if discount is None:
        return find_discount(code, currency)
    discount.check_redeemable(currency, timezone.now())
    return discount


def _read_discounts(codes: set[str]) -> dict[str, Discount]:
    from ..models.pricing import Discount

    return {
        discount.code: discount
        for discount in Discount.objects.filter(code__in=codes - {""}, active=True)
    }


def _discounts_changed(sender: Any, **kwargs: Any) -> None:
    DISCOUNTS.invalidate()


def connect_receivers() -> None:
    """Cached discounts go out of date when any discount is saved or deleted."""
    from ..models.pricing import Discount

    for signal in (post_save, post_delete):
        signal.connect(
            _discounts_changed,
            sender=Discount,
            dispatch_uid=f"commerce.cart.pricing.discount_{signal is post_save}",
        )


def find_discount(code: str, currency: str) -> Discount:
    """The Discount with this shopper code, redeemable now in `currency`; raises
    `DiscountRefused` with a message for the shopper."""
    from ..models.pricing import Discount

    return Discount.objects.find_redeemable(code, currency, timezone.now())


def cart_taxes(currency: str, request: HttpRequest) -> list[TaxTerms]:
    """The taxes the site charges in `currency` (ShopSettings' defaults, as cached for
    pricing carts)."""
    from ..pricing.defaults import default_taxes_for_request

    return default_taxes_for_request(request, currency)


def price_cart(cart: Cart, request: HttpRequest) -> PricedCart:
    """The cart's quote at the items' current prices, as placing it would price it (the
    `MODIFY_QUOTE` hooks included)."""
    lines = line_inputs(cart.offered_lines())  # type: ignore[arg-type]  # offers read alike
    if not lines:
        return PricedCart(quote(cart.currency or "", []))
    currency = cart.currency or ""
    discount, problem = cart_discount(cart)
    basket = Basket(currency, tuple(lines), discount, tuple(cart_taxes(currency, request)))
    context = QuoteContext("cart", user=getattr(request, "user", None), request=request)
    return PricedCart(quote_basket(modify_basket(basket, context)), problem)


def cart_quote(cart: Cart, request: HttpRequest) -> Quote:
    """The cart's quote: its live items, its discount if still redeemable, the site's
    taxes for its currency."""
    return price_cart(cart, request).quote
