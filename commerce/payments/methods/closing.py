"""Closing at Stripe an attempt the order no longer uses.

When a shopper switches ways to pay (Checkout, then the card form, or back), the older
attempt is superseded in our database under the order's lock; its Stripe object would
stay payable, so that a forgotten tab could take the money a second time. It is closed
once the transaction commits (never under the lock): an open Checkout Session expired,
an unpaid PaymentIntent canceled. Failing to close it is logged only: a payment that
still lands on it is refunded as a duplicate, and reconcile_orders expires stray sessions.
"""

from __future__ import annotations

import logging

from django_tasks import task

from ...background import run_after_commit
from ...models import Payment
from ..accounts import account_by_label
from ..exceptions import PaymentError

logger = logging.getLogger(__name__)


def close_after_commit(payment: Payment) -> None:
    """Close the superseded `payment`'s Stripe object once the caller's transaction commits."""
    if not payment.stripe_id:
        return
    run_after_commit(close_task, payment.method, payment.stripe_account, payment.stripe_id)


def close(method: str, account_label: str, stripe_id: str) -> None:
    """Ask the payment method `method` to close its object `stripe_id`."""
    from .registry import UnknownPaymentMethod, method_named

    account = account_by_label(account_label)
    if account is None:
        return
    try:
        method_named(method).close(account, stripe_id)
    except UnknownPaymentMethod:
        logger.warning("Superseded %s %s left open: no such payment method", method, stripe_id)
    except PaymentError as error:
        logger.warning("Superseded %s %s left open: %s", method, stripe_id, error.detail)


@task()
def close_task(method: str, account_label: str, stripe_id: str) -> None:
    """`close`, run by the task backend's worker."""
    close(method, account_label, stripe_id)
