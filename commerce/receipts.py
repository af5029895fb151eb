"""The receipt a shopper gets by email once their order is paid.

A payment may be reported several times (the webhook, the return page, the status check,
a replayed event), and `order_paid` itself is sent once per order, but a receipt must
never go twice even if it were not: `Order.receipt_sent_at` is claimed (one conditional
update of the order's row, which only one caller can win) before the mail is handed over,
and released again if handing it over fails, so a later try can send it. Mail is slow
and may fail, so it is sent after the payment's transaction has committed, and outside
the request (as a django-tasks task) when a task backend is configured in
`settings.TASKS`; without one it is sent right after commit. A backend that queues in
the store's database (django-tasks-db) gets the task inside the paying transaction
(`queue_with_payment`), so a paid order and its receipt's task commit together.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from . import money
from .background import enqueue_in_transaction, queues_in_transaction, run_after_commit
from .models import AdjustmentKind, Order, OrderLine
from .signals import order_paid

logger = logging.getLogger(__name__)

TEXT_TEMPLATE = "commerce/email/receipt.txt"
HTML_TEMPLATE = "commerce/email/receipt.html"
SUBJECT_TEMPLATE = "commerce/email/receipt_subject.txt"


@dataclass(frozen=True)
class ReceiptLine:
    title: str
    quantity: int
    unit_price: str
    amount: str


@dataclass(frozen=True)
class ReceiptAdjustment:
    label: str
    amount: str
    included: bool


def receipt_recipient(order: Order) -> str:
    """Where the receipt goes: the address the shopper paid with (Stripe Checkout's
    customer email or the PaymentIntent's receipt_email, stored on the order), else the
    email of the account that placed it; "" when neither is known."""
    if order.email:
        return order.email
    user = order.user
    return (getattr(user, "email", "") or "") if user is not None else ""


def receipt_context(order: Order, lines: list[OrderLine] | None = None) -> dict[str, Any]:
    """What the receipt says, every amount already formatted in the order's currency;
    `lines` are the order's lines when the caller has read them already."""
    currency = order.currency

    def fmt(amount: int) -> str:
        return money.format_amount(amount, currency)

    lines = [
        ReceiptLine(line.title, line.quantity, fmt(line.unit_amount), fmt(line.line_amount))
        for line in (order.lines.all() if lines is None else lines)
    ]
    adjustments = list(order.adjustments.all())
    discounts = [
        ReceiptAdjustment(_discount_label(adjustment), fmt(adjustment.amount), False)
        for adjustment in adjustments
        if adjustment.kind == AdjustmentKind.DISCOUNT
    ]
    taxes = [
        ReceiptAdjustment(_tax_label(adjustment), fmt(adjustment.amount), adjustment.inclusive)
        for adjustment in adjustments
        if adjustment.kind == AdjustmentKind.TAX
    ]
    return {
        "order": order,
        "site_name": settings.WAGTAIL_SITE_NAME,
        "lines": lines,
        "discounts": discounts,
        "taxes": taxes,
        "subtotal": fmt(order.subtotal_amount),
        "discount_total": fmt(order.discount_amount),
        "tax_total": fmt(order.tax_amount),
        "total": fmt(order.total_amount),
        "paid_at": order.paid_at,
    }


def _discount_label(adjustment: Any) -> str:
    return f"{adjustment.name} ({adjustment.code})" if adjustment.code else adjustment.name


def _tax_label(adjustment: Any) -> str:
    rate = f"{adjustment.rate.normalize():f}%" if adjustment.rate is not None else ""
    return f"{adjustment.name} {rate}".strip()


def build_receipt(
    order: Order, recipient: str, lines: list[OrderLine] | None = None
) -> EmailMultiAlternatives:
    """The receipt as one message: plain text, with the same content as HTML."""
    context = receipt_context(order, lines)
    subject = " ".join(render_to_string(SUBJECT_TEMPLATE, context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(TEXT_TEMPLATE, context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
    )
    message.attach_alternative(render_to_string(HTML_TEMPLATE, context), "text/html")
    return message


def send_receipt(order_id: int) -> bool:
    """Send the order's receipt unless it was sent already; True when this call sent it.

    Never called inside a transaction: the claim commits before the mail server is
    asked, so the order's row is not locked while it answers.
    """
    order, lines = _order_with_lines(order_id)
    claimed_at = _claim_receipt(order) if order is not None else None
    if order is None or claimed_at is None:
        return False
    try:
        build_receipt(order, receipt_recipient(order), lines).send()
    except Exception:
        # Released, so a retry (the next payment report, or the task's retry) sends it.
        Order.objects.filter(pk=order_id, receipt_sent_at=claimed_at).update(receipt_sent_at=None)
        logger.exception("The receipt of order %s could not be sent", order_id)
        raise
    logger.info("Receipt of order %s sent", order_id)
    return True


def _order_with_lines(order_id: int) -> tuple[Order | None, list[OrderLine] | None]:
    """The order, with its user, and its lines, in one query: each line is read with its
    order (an order always has lines; one without is read on its own)."""
    lines = list(OrderLine.objects.select_related("order__user").filter(order_id=order_id))
    if lines:
        return lines[0].order, lines
    try:
        return Order.objects.select_related("user").get(pk=order_id), None
    except Order.DoesNotExist:
        return None, None


def _claim_receipt(order: Order) -> Any:
    """Mark the receipt as sent; the time claimed, or None when it was sent already, the
    order is not paid, or there is nobody to send it to.

    The claim is one conditional UPDATE: however many callers race, the row's lock lets
    one of them change it, and the others find it claimed.
    """
    if order.receipt_sent_at is not None or order.paid_at is None:
        return None
    if not receipt_recipient(order):
        logger.warning("Order %s is paid but has no email address for a receipt", order.pk)
        return None
    claimed_at = timezone.now()
    claimed = (
        Order.objects.filter(pk=order.pk, receipt_sent_at=None)
        .exclude(paid_at=None)
        .update(receipt_sent_at=claimed_at)
    )
    if not claimed:
        return None
    order.receipt_sent_at = claimed_at
    return claimed_at


@task()
def send_receipt_task(order_id: int) -> bool:
    """`send_receipt`, run by the configured task backend's worker."""
    return send_receipt(order_id)


def schedule_receipt(order_id: int) -> None:
    """After the current transaction commits (at once outside one): enqueue the receipt
    when a task backend is configured, else send it in this process."""
    run_after_commit(send_receipt_task, order_id)


def queue_with_payment(order: Order) -> bool:
    """Inside the transaction that pays `order`: enqueue its receipt there when the task
    backend queues in this database; whether it did. Otherwise `order_paid` schedules it
    after the commit."""
    return enqueue_in_transaction(send_receipt_task, order.pk)


@receiver(order_paid, dispatch_uid="commerce.receipts.send_receipt_when_paid")
def send_receipt_when_paid(sender: Any, order: Order, **kwargs: Any) -> None:
    if not queues_in_transaction(send_receipt_task):  # else queued with the payment
        schedule_receipt(order.pk)
