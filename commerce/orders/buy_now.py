"""Buy now: an order of one line, placed and sent to Stripe Checkout in one go."""

from __future__ import annotations

from typing import Any

from ..models import ItemPage, Payment
from ..payments.accounts import account_for_currency
from ..payments.methods.checkout_session import CheckoutUrls, first_attempt, start_checkout
from .placement import place_order


def buy_now(
    item: ItemPage, shopper_key: str, urls: CheckoutUrls, user: Any = None, request: Any = None
) -> Payment:
    """A pending one-line order with an open Checkout Session, reused while it stays open.

    The same shopper asking again for the same item (a reload, a double click, a
    crawler that ignored robots.txt) gets the same order and session back, however many
    requests arrive at once: the order's open key names the shopper and the item, and
    its one live payment attempt is shared. Raises `PlacementRefused` (`OrderRefused` when
    a `BEFORE_PLACE_ORDER` hook refuses) or a `PaymentError`
    (no order is written when no Stripe account takes the item's currency).
    """
    account = account_for_currency(item.currency)
    started: list[Payment] = []
    order = place_order(
        currency=item.currency,
        lines=[(item, 1)],
        discount=None,
        shopper_key=shopper_key,
        user=user,
        open_key=f"buy-now:{shopper_key}:{item.pk}",
        request=request,
        # A new order is written with its first attempt, in one transaction.
        start=lambda order: started.append(first_attempt(order, account)),
    )
    return start_checkout(order, urls, started[0] if started else None)
