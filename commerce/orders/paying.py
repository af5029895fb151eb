"""Marking an order paid: one way for every payment method.

Checkout Sessions and PaymentIntents both end here, under the order's row lock, so an
order paid through a webhook, a status check and a returning shopper at once is paid
once, and `order_paid` is sent (and the `AFTER_ORDER_PAID` hooks run) once, after the
transaction commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from .. import fixed_sql, hooks, receipts, refunds, signals
from ..models import LIVE_STATUSES, Order, OrderStatus, Payment, PaymentStatus
from .transitions import PAID_STATUSES, transition

logger = logging.getLogger(__name__)

# What paying changes on an existing attempt (`settle_reported_payment` sets the intent).
PAID_PAYMENT_FIELDS = ("status", "succeeded_at", "stripe_payment_intent_id", "updated_at")


@dataclass(frozen=True)
class ReportedPayment:
    """What Stripe reports was paid, whichever way the shopper paid.

    `amount` is what the payment was asked for (it must match the order's total);
    `amount_received` is what was taken, the sum a duplicate payment gives back.
    """

    method: str
    account_label: str
    stripe_id: str | None
    payment_intent_id: str | None
    amount: int | None
    amount_received: int | None
    currency: str
    email: str = ""
    checkout_session_id: str = ""


def settle_reported_payment(
    order: Order,
    payment: Payment | None,
    reported: ReportedPayment,
    *,
    source: str,
    stripe_event_id: str | None = None,
) -> str:
    """Apply a payment Stripe reports as taken to the locked `order`.

    An order already paid by this payment stays as it is; paid by another, the money
    goes back (`refunds.record_duplicate_payment`); a payment for another amount or
    currency is logged and left alone; a payment whose attempt the order never heard
    of (its answer was lost) becomes a new attempt. Otherwise `mark_paid`.
    """
    if order.status in PAID_STATUSES:
        if payment is not None and payment.status == PaymentStatus.SUCCEEDED:
            return "already paid"
        return refunds.record_duplicate_payment(
            order,
            reported.account_label,
            payment_intent_id=reported.payment_intent_id,
            amount=reported.amount_received,
            currency=reported.currency,
            checkout_session_id=reported.checkout_session_id,
        )
    if reported.amount != order.total_amount or reported.currency != order.currency:
        logger.error(
            "Order %s: Stripe says %s %s was paid, the order expects %s %s",
            order.pk,
            reported.amount,
            reported.currency,
            order.total_amount,
            order.currency,
        )
        return "amount mismatch"
    if payment is None:
        # An attempt whose answer was lost: the order learns of it only now.
        number = order.next_payment_attempt()
        payment = Payment(
            order=order,
            method=reported.method,
            attempt=number,
            stripe_account=reported.account_label,
            stripe_id=reported.stripe_id,
            amount=order.total_amount,
            currency=order.currency,
        )
    payment.stripe_payment_intent_id = reported.payment_intent_id
    return mark_paid(
        order, payment, source=source, stripe_event_id=stripe_event_id, email=reported.email
    )


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
    if payment.pk is None or payment.status not in LIVE_STATUSES:
        # An order has at most one live attempt: when it is this one, there is no other.
        order.payments.filter(status__in=LIVE_STATUSES).exclude(pk=payment.pk).update(
            status=PaymentStatus.SUPERSEDED, updated_at=timezone.now()
        )
    payment.status = PaymentStatus.SUCCEEDED
    payment.succeeded_at = timezone.now()
    if payment.pk is None:
        payment.save()
    else:
        fixed_sql.update_fields(payment, PAID_PAYMENT_FIELDS)
    also_save: tuple[str, ...] = ()
    if email and not order.email:
        order.email = email
        also_save = ("email",)
    outcome = transition(
        order,
        OrderStatus.PAID,
        source=source,
        stripe_event_id=stripe_event_id or "",
        also_save=also_save,
    )
    if order.status == OrderStatus.PAID:
        receipts.queue_with_payment(order)
        transaction.on_commit(lambda: _announce_paid(order, payment, stripe_event_id))
    return outcome


def _announce_paid(order: Order, payment: Payment, stripe_event_id: str | None) -> None:
    """`order_paid`, then the `AFTER_ORDER_PAID` hooks: once, after commit."""
    signals.order_paid.send(sender=Order, order=order, stripe_event_id=stripe_event_id)
    hooks.order_paid(order, payment, stripe_event_id)
