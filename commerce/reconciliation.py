"""Reconciliation: ask Stripe about what the webhooks may have missed.

Webhooks get lost (an endpoint down for longer than Stripe retries, a misconfigured
secret), workers die between Stripe's answer and our write, and refunds fail. This job,
run from cron, settles it: every pending order older than a few minutes is checked
against its Checkout Session and marked paid, expired or failed; sessions naming one of
our orders that are not its current session are expired, so nobody can pay them; due
refunds are sent again. Every step is idempotent (the same Stripe answers give the same
outcome), bounded (at most `limit` of each kind per run) and calls Stripe outside any
transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from . import refunds
from .models import (
    Order,
    OrderStatus,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from .payments import gateway
from .payments.accounts import StripeAccount, account_by_label, configured_accounts
from .payments.exceptions import PaymentError
from .payments.methods import builtin, checkout_session, registry

logger = logging.getLogger(__name__)

# Webhooks normally arrive within seconds; this leaves Stripe's first retries time to land.
DEFAULT_OLDER_THAN = timedelta(minutes=15)
DEFAULT_LIMIT = 500
# Stripe's largest page.
PAGE_SIZE = 100


@dataclass
class Summary:
    """What one run did, for its one-line report."""

    checked: int = 0
    paid: int = 0
    expired: int = 0
    failed: int = 0
    still_pending: int = 0
    sessions_expired: int = 0
    refunds_sent: int = 0
    refunds_failed: int = 0
    errors: int = 0

    def __str__(self) -> str:
        return (
            f"{self.checked} pending orders checked: {self.paid} paid, {self.expired} expired, "
            f"{self.failed} failed, {self.still_pending} still pending; "
            f"{self.sessions_expired} stray sessions expired; "
            f"refunds: {self.refunds_sent} sent, {self.refunds_failed} failed; "
            f"{self.errors} errors"
        )


def reconcile(older_than: timedelta = DEFAULT_OLDER_THAN, limit: int = DEFAULT_LIMIT) -> Summary:
    """Settle pending orders older than `older_than`, stray sessions and due refunds."""
    summary = Summary()
    cutoff = timezone.now() - older_than
    pending = Order.objects.filter(status=OrderStatus.PENDING, created_at__lt=cutoff).order_by(
        "created_at", "pk"
    )[:limit]
    for order in pending:
        summary.checked += 1
        _count(summary, _reconcile_order(order))
    for account in configured_accounts():
        _expire_stray_sessions(account, limit, summary)
    for refund_id in Refund.objects.filter(status=RefundStatus.DUE).values_list("pk", flat=True)[
        :limit
    ]:
        sent = refunds.send_refund(refund_id)
        if sent.status == RefundStatus.SENT:
            summary.refunds_sent += 1
        else:
            summary.refunds_failed += 1
            logger.warning("Refund %s still due: %s", refund_id, sent.last_error)
    return summary


def _reconcile_order(order: Order) -> str:
    """The order's status after asking Stripe (through its latest attempt's payment
    method), or "error"."""
    payment = order.latest_payment()
    try:
        if payment is None or not payment.stripe_id:
            checkout_session.fail_paymentless_order(order)
        elif (account := account_by_label(payment.stripe_account)) is None:
            logger.error(
                "Order %s: no Stripe account %r is configured", order.pk, payment.stripe_account
            )
            return "error"
        else:
            registry.method_of(payment).reconcile(payment, account, now())
    except registry.UnknownPaymentMethod:
        logger.error("Order %s: no payment method %r is registered", order.pk, payment.method)
        return "error"
    except PaymentError as error:
        logger.warning("Order %s could not be reconciled: %s", order.pk, error.detail)
        return "error"
    order.refresh_from_db(fields=["status"])
    return order.status


def now() -> datetime:
    """The job's clock (a function, so tests can move it)."""
    return timezone.now()


def _count(summary: Summary, outcome: str) -> None:
    counters = {
        OrderStatus.PAID: "paid",
        OrderStatus.EXPIRED: "expired",
        OrderStatus.FAILED: "failed",
        OrderStatus.PENDING: "still_pending",
        "error": "errors",
    }
    name = counters.get(outcome, "still_pending")
    setattr(summary, name, getattr(summary, name) + 1)


def _expire_stray_sessions(account: StripeAccount, limit: int, summary: Summary) -> None:
    """Expire open sessions that name one of our orders but are not its current session:
    left by an attempt whose answer was lost, or outlived by another session's payment.
    Paying one would take money a second time."""
    seen = 0
    starting_after = None
    try:
        while seen < limit:
            page = gateway.list_open_checkout_sessions(
                account, limit=min(PAGE_SIZE, limit - seen), starting_after=starting_after
            )
            sessions = page.get("data") or []
            for session in sessions:
                seen += 1
                if _is_stray(session):
                    builtin.expire_or_read(account, session["id"])
                    summary.sessions_expired += 1
            if not page.get("has_more") or not sessions:
                return
            starting_after = sessions[-1]["id"]
    except PaymentError as error:
        logger.warning("Open sessions of account %s not checked: %s", account.label, error.detail)
        summary.errors += 1


def _is_stray(session: dict[str, Any]) -> bool:
    order = checkout_session.find_order_for_checkout_session(session)
    if order is None:
        return False  # not ours
    payment = order.payments.filter(stripe_id=session.get("id")).first()
    if payment is not None and payment.status == PaymentStatus.OPEN:
        return False  # the order's live attempt
    # A session being created right now is not recorded yet: leave it to its request.
    return not checkout_session.attempt_in_flight(order)
