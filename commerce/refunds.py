"""Refunds the store owes: recorded under the order's lock, sent to Stripe after commit.

A payment taken twice for one order (two of its Checkout Sessions both paid, or a stray
session paid after the order was) is refunded automatically. The refund is written as
due inside the transaction that discovers it and sent only once that transaction has
committed, so Stripe is never called while a row lock is held; a failed call leaves it
due, and `manage.py reconcile_orders` sends it again. The idempotency key is derived
from the payment intent, so however often it is sent, Stripe refunds once.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import Order, Refund, RefundReason, RefundStatus
from .payments import gateway
from .payments.accounts import account_by_label
from .payments.exceptions import NoAccountForCurrency, PaymentError

logger = logging.getLogger(__name__)


def record_duplicate_payment(
    order: Order, account_label: str, session: dict[str, Any], payment_intent_id: str | None
) -> str:
    """A second payment for an order already paid (two of its sessions both paid): the
    money goes back. Written as due here, sent after commit (never under the lock)."""
    amount = session.get("amount_total")
    if not payment_intent_id or not isinstance(amount, int) or amount <= 0:
        logger.error(
            "Order %s: session %s was paid again but names no payment to refund",
            order.pk,
            session.get("id"),
        )
        return "duplicate payment: nothing to refund"
    refund, created = Refund.objects.get_or_create(
        stripe_account=account_label,
        stripe_payment_intent_id=payment_intent_id,
        reason=RefundReason.DUPLICATE_PAYMENT,
        defaults={
            "order": order,
            "amount": amount,
            "currency": str(session.get("currency") or order.currency).upper(),
            "stripe_checkout_session_id": session.get("id") or "",
        },
    )
    if not created:
        return f"duplicate payment: refund already {refund.status}"
    logger.warning(
        "Order %s was paid twice (session %s): refunding %s",
        order.pk,
        session.get("id"),
        payment_intent_id,
    )
    transaction.on_commit(lambda: send_refund(refund.pk), robust=True)
    return "duplicate payment: refund due"


def send_refund(refund_id: int) -> Refund:
    """Ask Stripe for a due refund and store the answer; a failure leaves it due (with the
    error) for reconcile_orders to send again. Never called inside a transaction."""
    refund = Refund.objects.get(pk=refund_id)
    if refund.status != RefundStatus.DUE:
        return refund
    account = account_by_label(refund.stripe_account)
    try:
        if account is None:
            raise NoAccountForCurrency(refund.currency)
        answer = gateway.create_refund(
            account,
            refund.stripe_payment_intent_id,
            amount=refund.amount,
            reason="duplicate",
            metadata={"order_reference": str(refund.order.reference)},
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
