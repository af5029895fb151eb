"""The cart's side of sign-ins and payments: a guest cart joins the shopper's own cart
when they sign in, and a cart empties when the order placed from it is paid (not
before: a shopper who abandons Checkout comes back to a full cart)."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from ..models import Order
from ..pricing import defaults
from ..signals import order_paid
from . import offers, pricing, store
from .cart import (
    SESSION_POINTER,
    CartState,
    clear_cart_for_order,
    max_lines,
    max_quantity,
    order_record_key,
    user_cart_key,
)

logger = logging.getLogger(__name__)


def merge_states(into: CartState, guest: CartState) -> None:
    """Add the guest cart's lines to `into`, within the cart's limits.

    Carts in two currencies cannot become one: the guest cart, the one the shopper was
    filling a moment ago, then replaces the older one. The guest's discount code wins
    over an older one.
    """
    if into.currency != guest.currency or not into.lines:
        into.lines = {}
        into.currency = guest.currency
    for item_id, quantity in guest.lines.items():
        if item_id in into.lines:
            into.lines[item_id] = min(into.lines[item_id] + quantity, max_quantity())
        elif len(into.lines) < max_lines():
            into.lines[item_id] = quantity
    into.discount_code = guest.discount_code or into.discount_code
    into.order_id = guest.order_id or into.order_id
    into.version += 1


@receiver(user_logged_in, dispatch_uid="commerce.cart.merge_guest_cart")
def merge_guest_cart(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Move the guest cart of this browser session into the user's cart."""
    if request is None or not hasattr(request, "session"):
        return
    guest_key = request.session.get(SESSION_POINTER)
    if not guest_key:
        return
    try:
        _merge(guest_key, user_cart_key(user.pk))
    except store.CartBusy:
        # Signing in matters more than the merge: the guest cart is left as it is.
        logger.warning("Guest cart not merged on sign-in: the cart stayed locked")
        return
    del request.session[SESSION_POINTER]
    with contextlib.suppress(AttributeError):
        del request._commerce_cart  # type: ignore[attr-defined]


def _merge(guest_key: str, user_key: str) -> None:
    first, second = sorted([guest_key, user_key])  # one lock order, no deadlock
    with store.locked(first), store.locked(second):
        guest = CartState.from_record(guest_key, store.load(guest_key))
        if guest.lines:
            merged = CartState.from_record(user_key, store.load(user_key))
            merge_states(merged, guest)
            store.save(user_key, merged.to_record())
            if guest.order_id is not None:
                # The order placed from the guest cart now empties the user's when paid.
                order = Order.objects.filter(pk=guest.order_id).first()
                if order is not None:
                    store.save(order_record_key(order), {"cart": user_key})
        store.delete(guest_key)


@receiver(order_paid, dispatch_uid="commerce.cart.empty_paid_cart")
def empty_paid_cart(sender: Any, order: Any, **kwargs: Any) -> None:
    """Empty the cart the paid order came from. Never fails the payment's own handling:
    a cart left full is a nuisance, a webhook answered 500 would be retried for days."""
    try:
        clear_cart_for_order(order)
    except Exception:
        logger.exception("Could not empty the cart of order %s", order.pk)


# The cached table of sites and default taxes the cart prices with is worked out again
# after any change to it, and so are the offers and discounts it reads.
defaults.connect_receivers()
offers.connect_receivers()
pricing.connect_receivers()
