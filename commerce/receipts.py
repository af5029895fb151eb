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

Sending one costs two fixed statements (`commerce.fixed_sql`): one read of the order with
its lines and adjustments, and the claim. A task worker sends every paid order's receipt,
and the ORM spent longer building those queries than the database spends answering them.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connections, router
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils import dateformat, timezone
from django_tasks import task

from . import fixed_sql, money
from .background import enqueue_in_transaction, queues_in_transaction, run_after_commit
from .conf import app_settings
from .models import AdjustmentKind, Order, OrderAdjustment, OrderLine
from .signals import order_paid

logger = logging.getLogger(__name__)

TEXT_TEMPLATE = "commerce/email/receipt.txt"
HTML_TEMPLATE = "commerce/email/receipt.html"
SUBJECT_TEMPLATE = "commerce/email/receipt_subject.txt"
# When the order was paid, as the receipt says it (`django.utils.dateformat`).
PAID_ON_FORMAT = "j F Y, H:i e"


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


def receipt_context(
    order: Order,
    lines: list[OrderLine] | None = None,
    adjustments: list[OrderAdjustment] | None = None,
) -> dict[str, Any]:
    """What the receipt says, every amount and the time of payment already formatted (once,
    for the subject, the text and the HTML alike); `lines` and `adjustments` are the
    order's when the caller has read them already."""
    currency = order.currency

    def fmt(amount: int) -> str:
        return money.format_amount(amount, currency)

    lines = [
        ReceiptLine(line.title, line.quantity, fmt(line.unit_amount), fmt(line.line_amount))
        for line in (order.lines.all() if lines is None else lines)
    ]
    if adjustments is None:
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
    paid_at = order.paid_at
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
        "paid_at": paid_at,
        # As the `date` filter writes it, in the current time zone.
        "paid_on": dateformat.format(timezone.localtime(paid_at), PAID_ON_FORMAT)
        if paid_at is not None
        else "",
    }


def _discount_label(adjustment: Any) -> str:
    return f"{adjustment.name} ({adjustment.code})" if adjustment.code else adjustment.name


def _tax_label(adjustment: Any) -> str:
    rate = f"{adjustment.rate.normalize():f}%" if adjustment.rate is not None else ""
    return f"{adjustment.name} {rate}".strip()


def build_receipt(
    order: Order,
    recipient: str,
    lines: list[OrderLine] | None = None,
    adjustments: list[OrderAdjustment] | None = None,
) -> EmailMultiAlternatives:
    """The receipt as one message: plain text, with the same content as HTML."""
    context = receipt_context(order, lines, adjustments)
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
    read = _read_receipt(order_id)
    if read is None:
        return False
    order, lines, adjustments = read
    claimed_at = _claim_receipt(order)
    if claimed_at is None:
        return False
    try:
        build_receipt(order, receipt_recipient(order), lines, adjustments).send()
    except Exception:
        # Released, so a retry (the next payment report, or the task's retry) sends it.
        Order.objects.filter(pk=order_id, receipt_sent_at=claimed_at).update(receipt_sent_at=None)
        logger.exception("The receipt of order %s could not be sent", order_id)
        raise
    logger.info("Receipt of order %s sent", order_id)
    return True


def _read_receipt(
    order_id: int,
) -> tuple[Order, list[OrderLine], list[OrderAdjustment]] | None:
    """The order with its lines and its adjustments, in one statement (`_receipt_sql`), from
    the database the claim writes to; None when there is no such order. Its user is read
    only if the receipt needs the user's address (`receipt_recipient`), which an order
    paid with an email never does."""
    alias = router.db_for_write(Order)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(_receipt_sql(alias), [order_id, order_id, order_id])
        rows = cursor.fetchall()
    if not rows:
        return None
    converters = _receipt_converters(alias)
    read = [fixed_sql.converted(row, converters, alias) for row in rows]
    split = len(Order._meta.concrete_fields)
    order = fixed_sql.from_row(Order, alias, read[0][:split])
    lines: list[OrderLine] = []
    adjustments: list[OrderAdjustment] = []
    for values in read:
        part, kind, position, pk, name, code, quantity, amount, rate, inclusive = values[split:]
        if part == LINE_PART:
            lines.append(
                _loaded(
                    OrderLine,
                    alias,
                    id=pk,
                    order_id=order_id,
                    title=name,
                    quantity=quantity,
                    unit_amount=amount,
                )
            )
        elif part == ADJUSTMENT_PART:
            adjustments.append(
                _loaded(
                    OrderAdjustment,
                    alias,
                    id=pk,
                    order_id=order_id,
                    kind=kind,
                    position=position,
                    name=name,
                    code=code,
                    amount=amount,
                    rate=rate,
                    inclusive=inclusive,
                )
            )
    return order, lines, adjustments


def _loaded(model: type[Any], alias: str, **values: Any) -> Any:
    """An instance of `model` as the ORM loads one with only `values`' fields read."""
    names = _field_order(model, frozenset(values))
    return model.from_db(alias, names, [values[name] for name in names])


@functools.cache
def _field_order(model: type[Any], names: frozenset[str]) -> list[str]:
    """`names` in the order of `model`'s columns, the order `Model.from_db` expects."""
    return [field.attname for field in model._meta.concrete_fields if field.attname in names]


LINE_PART = 0
ADJUSTMENT_PART = 1
# The columns a line or an adjustment is read into, after the order's own.
PART_COLUMNS = (
    "part",
    "kind",
    "position",
    "id",
    "name",
    "code",
    "quantity",
    "amount",
    "rate",
    "inclusive",
)


@functools.cache
def _receipt_sql(alias: str) -> str:
    """The order's row joined to each of its lines and adjustments (one row with empty
    parts when it has neither): lines first in the order they were written, then
    adjustments as `OrderAdjustment` orders them (discount, then taxes, by position)."""
    quote = connections[alias].ops.quote_name
    order_table, order_column = fixed_sql.quoted_names(Order, alias, "id")
    line_table, line = fixed_sql.quoted_names(
        OrderLine, alias, "order", "id", "title", "quantity", "unit_amount"
    )
    adjustment_table, adjustment = fixed_sql.quoted_names(
        OrderAdjustment,
        alias,
        *("order", "kind", "position", "id", "name", "code", "amount", "rate", "inclusive"),
    )
    part = {name: quote(name) for name in PART_COLUMNS}
    order_columns = ", ".join(fixed_sql.selected_columns(Order, alias))
    lines = (
        f"SELECT {LINE_PART} AS {part['part']}, NULL AS {part['kind']}, 0 AS "  # noqa: S608
        f"{part['position']}, {line['id']} AS {part['id']}, {line['title']} AS {part['name']}, "
        f"'' AS {part['code']}, {line['quantity']} AS {part['quantity']}, "
        f"{line['unit_amount']} AS {part['amount']}, NULL AS {part['rate']}, "
        f"NULL AS {part['inclusive']} FROM {line_table} WHERE {line['order']} = %s"
    )
    adjustments = (
        f"SELECT {ADJUSTMENT_PART}, {adjustment['kind']}, {adjustment['position']}, "  # noqa: S608
        f"{adjustment['id']}, {adjustment['name']}, {adjustment['code']}, NULL, "
        f"{adjustment['amount']}, {adjustment['rate']}, {adjustment['inclusive']} "
        f"FROM {adjustment_table} WHERE {adjustment['order']} = %s"
    )
    parts = quote("parts")
    order_by = ", ".join(f"{parts}.{part[name]}" for name in ("part", "kind", "position", "id"))
    return (
        f"SELECT {order_columns}, {', '.join(f'{parts}.{column}' for column in part.values())} "  # noqa: S608
        f"FROM {order_table} LEFT JOIN ({lines} UNION ALL {adjustments}) {parts} ON 1 = 1 "
        f"WHERE {order_table}.{order_column['id']} = %s ORDER BY {order_by}"
    )


@functools.cache
def _receipt_converters(alias: str) -> list[tuple[int, Any, list[Any]]]:
    """`_receipt_sql`'s columns to convert (see `commerce.fixed_sql.row_converters`): the
    order's, then an adjustment's rate and inclusive flag among the parts."""
    return fixed_sql.row_converters(
        alias,
        [
            *Order._meta.concrete_fields,
            *(
                OrderAdjustment._meta.get_field(name) if name in ("rate", "inclusive") else None
                for name in PART_COLUMNS
            ),
        ],
    )


def _claim_receipt(order: Order) -> Any:
    """Mark the receipt as sent; the time claimed, or None when it was sent already, the
    order is not paid, or there is nobody to send it to.

    The claim is one conditional UPDATE (`_claim_sql`): however many callers race, the
    row's lock lets one of them change it, and the others find it claimed.
    """
    if order.receipt_sent_at is not None or order.paid_at is None:
        return None
    if not receipt_recipient(order):
        logger.warning("Order %s is paid but has no email address for a receipt", order.pk)
        return None
    claimed_at = timezone.now()
    alias = router.db_for_write(Order)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(
            _claim_sql(alias),
            [connection.ops.adapt_datetimefield_value(claimed_at), order.pk],
        )
        claimed = cursor.rowcount
    if not claimed:
        return None
    order.receipt_sent_at = claimed_at
    return claimed_at


@functools.cache
def _claim_sql(alias: str) -> str:
    """Set the order's receipt_sent_at if it is paid and its receipt not claimed yet."""
    table, column = fixed_sql.quoted_names(Order, alias, "id", "paid_at", "receipt_sent_at")
    return (
        f"UPDATE {table} SET {column['receipt_sent_at']} = %s "  # noqa: S608
        f"WHERE {column['id']} = %s AND {column['receipt_sent_at']} IS NULL "
        f"AND {column['paid_at']} IS NOT NULL"
    )


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
    if not app_settings.COMMERCE_SEND_RECEIPTS:
        return False
    return enqueue_in_transaction(send_receipt_task, order.pk)


@receiver(order_paid, dispatch_uid="commerce.receipts.send_receipt_when_paid")
def send_receipt_when_paid(sender: Any, order: Order, **kwargs: Any) -> None:
    if not app_settings.COMMERCE_SEND_RECEIPTS:
        return
    if not queues_in_transaction(send_receipt_task):  # else queued with the payment
        schedule_receipt(order.pk)
