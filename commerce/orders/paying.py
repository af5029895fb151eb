"""Marking an order paid: one way for every payment method.

Checkout Sessions and PaymentIntents both end here, under the order's row lock, so an
order paid through a webhook, a status check and a returning shopper at once is paid
once, and `order_paid` is sent once, after the transaction commits.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .. import signals
from ..models import LIVE_STATUSES, Order, OrderStatus, Payment, PaymentStatus
from .transitions import transition


def mark_paid(
    order: Order,
    payment: Payment,
    *,
    source: str,
    stripe_event_id: str | None = None,
    email: str = "",
) -> str:
    """Record `payment` as what paid the locked, not yet paid `order`, and move the order.

    Whatever else was live for the order can no longer be what pays it, so it is
    superseded. Call inside the transaction that locked the order.
    """
    order.payments.filter(status__in=LIVE_STATUSES).exclude(pk=payment.pk).update(
        status=PaymentStatus.SUPERSEDED, updated_at=timezone.now()
    )
    payment.status = PaymentStatus.SUCCEEDED
    payment.succeeded_at = timezone.now()
    payment.save()
    if email and not order.email:
        order.email = email
    outcome = transition(
        order, OrderStatus.PAID, source=source, stripe_event_id=stripe_event_id or ""
    )
    if order.status == OrderStatus.PAID:
        transaction.on_commit(
            lambda: signals.order_paid.send(
                sender=Order, order=order, stripe_event_id=stripe_event_id
            )
        )
    return outcome
