"""Finding and locking, in one query, the payment attempt a Stripe object is and its order.

Stripe reports on its objects (a Checkout Session, a PaymentIntent), and each one is an
attempt to pay one of our orders. Whatever Stripe says is applied under the order's row
lock; taking that lock in the same query that finds the attempt saves round trips on the
busiest path the store has (a webhook paying an order).

The attempt is locked in that query too, so it is read as it is under the order's lock:
PostgreSQL, having waited for a lock, reads the locked rows again at their newest, but
not the rows of a table the query does not lock. The order is locked first and then the
attempt (the order of `FOR UPDATE OF`), as every writer of attempts that also locks the
order does, so this cannot deadlock with them.
"""

from __future__ import annotations

from typing import Any

from ..models import Payment


def lock_attempt(account_label: str, stripe_id: Any, method: str = "") -> Payment | None:
    """The payment attempt that is the `account_label` account's Stripe object
    `stripe_id` (of `method`, when given), with its order (`payment.order`), both
    locked, order first, in one query; None if there is none. Call inside a transaction.
    """
    if not isinstance(stripe_id, str) or not stripe_id:
        return None
    attempt = {"stripe_account": account_label, "stripe_id": stripe_id}
    if method:
        attempt["method"] = method
    # At most one: (account, Stripe id) is unique. No ordering to work out, then.
    found = (
        Payment.objects.select_related("order")
        .select_for_update(of=("order", "self"))
        .filter(**attempt)
        .order_by()[:1]
    )
    return next(iter(found), None)
