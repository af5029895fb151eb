"""Finding and locking, in one query, the order a Stripe object pays.

Stripe reports on its objects (a Checkout Session, a PaymentIntent), and each one is an
attempt to pay one of our orders. Whatever Stripe says is applied under the order's row
lock; taking that lock in the same query that finds the order saves a round trip on the
busiest path the store has (a webhook paying an order).
"""

from __future__ import annotations

from typing import Any

from ..models import Order


def lock_order_of_attempt(account_label: str, stripe_id: Any, method: str = "") -> Order | None:
    """The order with a payment attempt that is the `account_label` account's Stripe
    object `stripe_id` (of `method`, when given), locked; None if there is none.

    Only the order's row is locked (`FOR UPDATE OF` the order): the caller reads the
    attempt again under that lock, since a row read in the same query may be one a
    concurrent transaction changed while this one waited for the lock. Call inside a
    transaction.
    """
    if not isinstance(stripe_id, str) or not stripe_id:
        return None
    attempt = {"payments__stripe_account": account_label, "payments__stripe_id": stripe_id}
    if method:
        attempt["payments__method"] = method
    return Order.objects.select_for_update(of=("self",)).filter(**attempt).first()
