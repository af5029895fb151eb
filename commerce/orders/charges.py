"""What Stripe says happened to an order's money after it was paid: refunds and disputes.

Refunds reach Stripe from the admin, from duplicate payments and from Stripe's own
dashboard; whichever way, the order learns of them from `charge.refunded`, whose
`amount_refunded` is the charge's running total. Events arrive late and out of order,
so an order only ever moves towards more refunded, never back.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from .. import hooks, money
from ..identifiers import is_stripe_id
from ..models import (
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
    Refund,
    RefundReason,
    RefundStatus,
    StatusChangeSource,
)
from .transitions import transition

logger = logging.getLogger(__name__)

# The metadata key under which a refund sent by the store names its `Refund` row's
# idempotency key, so an event that overtakes Stripe's answer still finds the row.
REFUND_KEY_METADATA = "refund_key"


def apply_charge_refunded(
    account_label: str, charge: dict[str, Any], *, stripe_event_id: str = ""
) -> tuple[Order | None, str]:
    """Bring the paid order in line with its charge's refunded total: partially refunded
    while some of the total remains, refunded once none does.

    A refund of a duplicate payment (a charge that did not pay the order) leaves the
    order as it is: the shopper paid it once, and still has. The `AFTER_REFUND` hooks run
    after commit with the newly refunded amount.
    """
    refunds = (charge.get("refunds") or {}).get("data") or []
    for refund in refunds:
        if isinstance(refund, dict):
            apply_refund(account_label, refund)
    intent_id = _id_of(charge.get("payment_intent"))
    amount_refunded = charge.get("amount_refunded")
    if not is_stripe_id(intent_id, "pi_") or not isinstance(amount_refunded, int):
        return None, "ignored: no payment intent or refunded amount"
    with transaction.atomic():
        payment = _paying_payment(account_label, intent_id)
        if payment is None:
            duplicate = Refund.objects.filter(
                stripe_account=account_label,
                stripe_payment_intent_id=intent_id,
                reason=RefundReason.DUPLICATE_PAYMENT,
            ).first()
            if duplicate is not None:
                return duplicate.order, "duplicate payment refunded; order unchanged"
            return None, "no matching order"
        order = Order.objects.select_for_update().get(pk=payment.order_id)
        if str(charge.get("currency") or "").upper() != order.currency:
            return order, "ignored: currency mismatch"
        if amount_refunded <= order.amount_refunded:
            return order, f"no change ({order.amount_refunded} already known refunded)"
        newly_refunded = amount_refunded - order.amount_refunded
        transaction.on_commit(lambda: hooks.order_refunded(order, newly_refunded, stripe_event_id))
        order.amount_refunded = amount_refunded
        order.save(update_fields=["amount_refunded", "updated_at"])
        status = (
            OrderStatus.REFUNDED
            if amount_refunded >= order.total_amount
            else OrderStatus.PARTIALLY_REFUNDED
        )
        refunded = money.format_amount(amount_refunded, order.currency)
        outcome = transition(
            order,
            status,
            source=StatusChangeSource.WEBHOOK,
            stripe_event_id=stripe_event_id,
            note=f"{refunded} refunded in all",
        )
        return order, f"{refunded} refunded: {outcome}"


def apply_refund(account_label: str, refund: dict[str, Any]) -> tuple[Order | None, str]:
    """Mark the store's `Refund` row for a refund Stripe made as sent: found by Stripe's
    id, or by the idempotency key the store put in its metadata (the event can arrive
    before Stripe's answer to the request that made it)."""
    refund_id = refund.get("id")
    if not is_stripe_id(refund_id, "re_") or refund.get("status") not in ("succeeded", "pending"):
        return None, f"no change (refund {refund.get('status')})"
    key = str((refund.get("metadata") or {}).get(REFUND_KEY_METADATA) or "")
    with transaction.atomic():
        row = (
            Refund.objects.select_for_update()
            .filter(stripe_account=account_label, stripe_refund_id=refund_id)
            .first()
        )
        if row is None and key:
            row = (
                Refund.objects.select_for_update()
                .filter(stripe_account=account_label, idempotency_key=key, stripe_refund_id=None)
                .first()
            )
        if row is None:
            return None, "no matching refund"
        if row.status == RefundStatus.SENT:
            return row.order, "refund already recorded"
        row.status = RefundStatus.SENT
        row.stripe_refund_id = refund_id
        row.sent_at = row.sent_at or timezone.now()
        row.save(update_fields=["status", "stripe_refund_id", "sent_at"])
        return row.order, f"refund {row.pk} sent"


def apply_dispute(account_label: str, dispute: dict[str, Any]) -> tuple[Order | None, str]:
    """Flag the order whose charge the shopper disputed. Its status stays what it is: the
    money is held while the card network decides, and the admin shows the flag."""
    intent_id = _id_of(dispute.get("payment_intent"))
    if not is_stripe_id(intent_id, "pi_"):
        return None, "ignored: no payment intent"
    with transaction.atomic():
        payment = _paying_payment(account_label, intent_id)
        if payment is None:
            return None, "no matching order"
        order = Order.objects.select_for_update().get(pk=payment.order_id)
        reason = str(dispute.get("reason") or "")[:64]
        if order.disputed_at is not None:
            return order, "dispute already recorded"
        order.disputed_at = timezone.now()
        order.dispute_reason = reason
        order.save(update_fields=["disputed_at", "dispute_reason", "updated_at"])
    logger.warning("Order %s: the shopper disputed the payment (%s)", order.pk, reason)
    return order, f"disputed ({reason or 'no reason given'})"


def _paying_payment(account_label: str, intent_id: str) -> Payment | None:
    """The payment that paid an order through this intent, in this account."""
    return Payment.objects.filter(
        stripe_account=account_label,
        stripe_payment_intent_id=intent_id,
        status=PaymentStatus.SUCCEEDED,
    ).first()


def _id_of(value: Any) -> str | None:
    """A Stripe reference's id, whether the event holds the id or the expanded object."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else None
