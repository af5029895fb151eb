"""Refunds the store owes: recorded under the order's lock, sent to Stripe after commit.

A payment taken twice for one order (two of its Checkout Sessions both paid, or a stray
session paid after the order was) is refunded automatically. The refund is written as
due inside the transaction that discovers it and sent only once that transaction has
committed, so Stripe is never called while a row lock is held; a failed call leaves it
due, and `manage.py reconcile_orders` sends it again. The idempotency key is derived
from the payment intent, so however often it is sent, Stripe refunds once.

Refunds an editor asks for in the admin (`request_refund`, full or partial) take the same
path: written as due under the order's lock, checked against what remains to refund,
each with its own idempotency key (`refund-<order reference>-<n>`), sent after commit.
The order's status and refunded amount then follow Stripe's `charge.refunded` event.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from . import money
from .background import run_after_commit
from .models import Order, OrderStatus, Refund, RefundReason, RefundStatus
from .orders.charges import REFUND_KEY_METADATA
from .payments.accounts import account_by_label
from .payments.exceptions import NoAccountForCurrency, PaymentError

logger = logging.getLogger(__name__)

# The reason Stripe records for each of ours.
STRIPE_REASONS = {
    RefundReason.DUPLICATE_PAYMENT: "duplicate",
    RefundReason.REQUESTED_BY_CUSTOMER: "requested_by_customer",
}


def record_duplicate_payment(
    order: Order,
    account_label: str,
    *,
    payment_intent_id: str | None,
    amount: int | None,
    currency: str,
    checkout_session_id: str = "",
) -> str:
    """A second payment for an order already paid (two of its sessions both paid): the
    money goes back. Written as due here, sent after commit (never under the lock)."""
    if not payment_intent_id or not isinstance(amount, int) or amount <= 0:
        logger.error(
            "Order %s: session %s was paid again but names no payment to refund",
            order.pk,
            checkout_session_id,
        )
        return "duplicate payment: nothing to refund"
    refund, created = Refund.objects.get_or_create(
        stripe_account=account_label,
        stripe_payment_intent_id=payment_intent_id,
        reason=RefundReason.DUPLICATE_PAYMENT,
        defaults={
            "order": order,
            "amount": amount,
            "currency": (currency or order.currency).upper(),
            "stripe_checkout_session_id": checkout_session_id,
        },
    )
    if not created:
        return f"duplicate payment: refund already {refund.status}"
    logger.warning(
        "Order %s was paid twice (session %s): refunding %s",
        order.pk,
        checkout_session_id,
        payment_intent_id,
    )
    # Found by a webhook: the Stripe call runs on the task worker when there is one, so
    # the webhook answers Stripe without waiting for it.
    run_after_commit(send_refund_task, refund.pk)
    return "duplicate payment: refund due"


REFUNDABLE_STATUSES = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED)


class RefundRefused(Exception):
    """A refund the store will not ask Stripe for; `message` says why, for the editor."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def refunded_so_far(order: Order) -> int:
    """What of the order's payment is given back or on its way back: the larger of what
    Stripe last reported (`amount_refunded`, which includes refunds made in Stripe's
    dashboard) and the refunds requested here (due or sent, some not reported yet)."""
    requested = sum(
        order.refunds.filter(reason=RefundReason.REQUESTED_BY_CUSTOMER).values_list(
            "amount", flat=True
        )
    )
    return max(order.amount_refunded, requested)


def refundable_amount(order: Order) -> int:
    """What may still be refunded of a paid order (0 for an order not paid)."""
    if order.status not in REFUNDABLE_STATUSES:
        return 0
    return max(order.total_amount - refunded_so_far(order), 0)


def next_idempotency_key(order: Order) -> str:
    """The key of the order's next refund from the admin: `refund-<reference>-<n>`.

    The confirmation page carries it, so confirming twice (a double click, a resent
    form) asks for one refund, while each new refund of the order gets a key of its own.
    """
    count = order.refunds.filter(reason=RefundReason.REQUESTED_BY_CUSTOMER).count()
    return f"refund-{order.reference}-{count + 1}"


def request_refund(
    order: Order, amount: int, user: Any, *, idempotency_key: str | None = None
) -> Refund:
    """Give `amount` (minor units of the order's currency) of a paid order back.

    Checked under the order's lock against what remains, written as due, and sent after
    commit; the refund is returned as it stands then (sent, or due with Stripe's error
    for reconcile_orders to retry). A key already used for this order returns that
    refund again. Raises `RefundRefused` with a message for the editor.
    """
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        key = idempotency_key or next_idempotency_key(locked)
        if not re.fullmatch(rf"refund-{locked.reference}-\d+", key):
            raise RefundRefused("This refund form is not for this order; start again.")
        existing = Refund.objects.filter(idempotency_key=key).first()
        if existing is not None:
            if existing.amount != amount:
                raise RefundRefused(
                    "This refund was already requested with another amount; start again."
                )
            return existing
        _check_refund(locked, amount)
        payment = locked.succeeded_payment()
        refund = Refund.objects.create(
            order=locked,
            reason=RefundReason.REQUESTED_BY_CUSTOMER,
            amount=amount,
            currency=locked.currency,
            stripe_account=payment.stripe_account,
            stripe_payment_intent_id=payment.stripe_payment_intent_id,
            requested_by=user if getattr(user, "pk", None) else None,
            idempotency_key=key,
        )
        logger.info(
            "Refund of %s for order %s requested by %s",
            money.format_amount(amount, locked.currency),
            locked.pk,
            getattr(user, "pk", None),
        )
        transaction.on_commit(lambda: send_refund(refund.pk), robust=True)
    refund.refresh_from_db()
    return refund


def _check_refund(order: Order, amount: int) -> None:
    if order.status not in REFUNDABLE_STATUSES:
        raise RefundRefused(
            f"Order #{order.pk} is {order.get_status_display().lower()}: only a paid order "
            "can be refunded."
        )
    payment = order.succeeded_payment()
    if payment is None or not payment.stripe_payment_intent_id:
        raise RefundRefused(f"Order #{order.pk} has no payment Stripe could refund.")
    if amount <= 0:
        raise RefundRefused("The amount to refund must be more than zero.")
    remaining = refundable_amount(order)
    if amount > remaining:
        raise RefundRefused(
            f"{money.format_amount(amount, order.currency)} is more than the "
            f"{money.format_amount(remaining, order.currency)} that remains to refund "
            f"of order #{order.pk}."
        )
    try:
        money.to_stripe_amount(amount, order.currency)
    except money.InvalidAmount as error:
        raise RefundRefused(f"Stripe cannot refund this amount: {error}") from error


def _refund_metadata(refund: Refund) -> dict[str, str]:
    """The order's reference, and the refund's own key: `charge.refunded` may overtake
    Stripe's answer, and finds the refund by it."""
    metadata = {"order_reference": str(refund.order.reference)}
    if refund.idempotency_key:
        metadata[REFUND_KEY_METADATA] = refund.idempotency_key
    return metadata


def send_refund(refund_id: int) -> Refund:
    """Ask Stripe for a due refund, through the payment method that took the money, and
    store the answer; a failure leaves it due (with the error) for reconcile_orders to
    send again. Never called inside a transaction."""
    refund = Refund.objects.get(pk=refund_id)
    if refund.status != RefundStatus.DUE:
        return refund
    from .payments.methods.registry import method_for_refund

    account = account_by_label(refund.stripe_account)
    try:
        if account is None:
            raise NoAccountForCurrency(refund.currency)
        method = method_for_refund(refund.stripe_account, refund.stripe_payment_intent_id)
        answer = method.refund(
            account, refund, reason=STRIPE_REASONS[refund.reason], metadata=_refund_metadata(refund)
        )
    except PaymentError as error:
        with transaction.atomic():
            locked = Refund.objects.select_for_update().get(pk=refund_id)
            locked.attempts += 1
            locked.last_error = (error.detail or type(error).__name__)[:255]
            locked.save(update_fields=["attempts", "last_error"])
        return locked
    with transaction.atomic():
        locked = Refund.objects.select_for_update().get(pk=refund_id)
        locked.attempts += 1
        locked.status = RefundStatus.SENT
        locked.stripe_refund_id = answer["id"]
        locked.last_error = ""
        locked.sent_at = timezone.now()
        locked.save()
    logger.info("Refund %s sent for %s", answer["id"], refund.stripe_payment_intent_id)
    return locked


@task()
def send_refund_task(refund_id: int) -> str:
    """`send_refund`, run by the task backend's worker; the refund's status after it."""
    return str(send_refund(refund_id).status)
