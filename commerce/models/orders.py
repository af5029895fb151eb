"""Orders, their lines, and every Stripe event the store received.

An `Order` is written before any payment is attempted, so a purchase exists in our
database whatever Stripe later says; Stripe objects are referenced by id, together with
the account (by label) that created them, because an object of one Stripe account is
invisible to another. Amounts are integer minor units in the order's one currency.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join

from .. import money
from ..pricing import DiscountTerms, TaxTerms
from .records import ShopRecord


class OrderStatus(models.TextChoices):
    PENDING = "pending", "Pending payment"
    PAID = "paid", "Paid"
    FAILED = "failed", "Payment failed"
    EXPIRED = "expired", "Expired"
    CANCELED = "canceled", "Canceled"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
    REFUNDED = "refunded", "Refunded"


# Which status may follow which. Webhooks arrive late, twice and out of order, so
# services ask this table rather than assuming the order is where they expect it.
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    OrderStatus.PENDING: {
        OrderStatus.PAID,
        OrderStatus.FAILED,
        OrderStatus.EXPIRED,
        OrderStatus.CANCELED,
    },
    # A failed or expired order can still be paid: the money is real if Stripe says so.
    OrderStatus.FAILED: {OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.EXPIRED},
    OrderStatus.EXPIRED: {OrderStatus.PAID},
    OrderStatus.CANCELED: set(),
    OrderStatus.PAID: {OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED},
    OrderStatus.PARTIALLY_REFUNDED: {OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED},
    OrderStatus.REFUNDED: set(),
}


class Order(ShopRecord, models.Model):
    """A shopper's purchase of one or more items in one currency.

    `shopper_key` identifies an anonymous shopper (their session) so that the same
    shopper asking again for the same thing gets the same pending order; `open_key`
    is unique while the order is pending, which makes that true under concurrency too.
    """

    # A reference unique across databases: Stripe idempotency keys are built from it, and
    # order ids repeat when a database is recreated while Stripe remembers keys for a day.
    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(
        max_length=24, choices=OrderStatus.choices, default=OrderStatus.PENDING, db_index=True
    )
    currency = models.CharField(max_length=3, choices=money.CURRENCY_CHOICES)
    subtotal_amount = models.BigIntegerField(default=0)
    discount_amount = models.BigIntegerField(default=0)
    tax_amount = models.BigIntegerField(default=0)
    total_amount = models.BigIntegerField(default=0)
    amount_refunded = models.BigIntegerField(default=0)

    shopper_key = models.CharField(max_length=64, blank=True, db_index=True)
    open_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    email = models.EmailField(blank=True)
    # Whether a shopper's cart placed it: only then may paying it have a cart to empty,
    # so paying a bought-now order looks for none.
    placed_from_cart = models.BooleanField(default=False, editable=False)

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # Set under the order's row lock when its receipt is handed to the mailer, so a
    # payment reported twice sends one receipt.
    receipt_sent_at = models.DateTimeField(null=True, blank=True)
    # A dispute (chargeback) opened on the order's charge. A flag rather than a status:
    # the order stays paid (or refunded) while the card network decides, and the
    # statuses keep describing what the store did with the money.
    disputed_at = models.DateTimeField(null=True, blank=True)
    dispute_reason = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("refund_order", "Can refund paid orders")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total_amount__gte=0), name="commerce_order_total_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"Order #{self.pk} ({self.get_status_display()}, {self.formatted_total})"

    @property
    def formatted_total(self) -> str:
        return money.format_amount(self.total_amount, self.currency)

    formatted_total.fget.short_description = "Total"  # type: ignore[attr-defined]

    @property
    def items_summary(self) -> str:
        return ", ".join(
            f"{line} ({money.format_amount(line.unit_amount, self.currency)} each)"
            for line in self.lines.all()
        )

    items_summary.fget.short_description = "Items"  # type: ignore[attr-defined]

    @property
    def refunds_summary(self) -> str:
        return "; ".join(str(refund) for refund in self.refunds.all()) or "None"

    refunds_summary.fget.short_description = "Refunds"  # type: ignore[attr-defined]

    @property
    def adjustments_summary(self) -> str:
        return "; ".join(str(adjustment) for adjustment in self.adjustments.all()) or "None"

    adjustments_summary.fget.short_description = "Discount and taxes"  # type: ignore[attr-defined]

    @property
    def payments_summary(self) -> str:
        return "; ".join(str(payment) for payment in self.payments.all()) or "None"

    payments_summary.fget.short_description = "Payments"  # type: ignore[attr-defined]

    @property
    def status_history(self) -> str:
        """Every change of the order's status, oldest first: when, what, and who said so."""
        changes = [
            (
                date_format(timezone.localtime(change.created_at), "DATETIME_FORMAT"),
                change,
                f" ({change.note})" if change.note else "",
            )
            for change in self.status_changes.all()
        ]
        if not changes:
            return "None"
        return format_html("<ol>{}</ol>", format_html_join("", "<li>{}: {}{}</li>", changes))

    status_history.fget.short_description = "Status history"  # type: ignore[attr-defined]

    def can_become(self, status: str) -> bool:
        return status in ALLOWED_TRANSITIONS.get(self.status, set())

    def next_payment_attempt(self) -> int:
        """The number of this order's next payment attempt (call with the order locked,
        so two attempts never take one number)."""
        return (self.payments.aggregate(last=models.Max("attempt"))["last"] or 0) + 1

    def latest_payment(self) -> Any:
        """The order's most recent payment attempt, or None: the one that speaks for it."""
        return self.payments.order_by("-attempt").first()

    def succeeded_payment(self) -> Any:
        """The payment that paid the order, or None."""
        return self.payments.filter(status="succeeded").order_by("attempt").first()


class OrderLine(ShopRecord, models.Model):
    """One item in an order, with its name and price copied at the time of purchase so
    that later edits to the item page never change what an order says was sold."""

    order = models.ForeignKey(Order, related_name="lines", on_delete=models.CASCADE)
    item = models.ForeignKey(
        "commerce.ItemPage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=255)
    sku = models.CharField(max_length=64, blank=True)
    unit_amount = models.BigIntegerField()
    quantity = models.PositiveIntegerField(default=1)
    # This line's share of the order's discount, and of its taxes (inclusive and
    # exclusive), as the quote computed them at placement: what a partial refund needs.
    discount_amount = models.BigIntegerField(default=0)
    tax_amount = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unit_amount__gte=0), name="commerce_line_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="commerce_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.title}"

    @property
    def line_amount(self) -> int:
        return self.unit_amount * self.quantity

    @property
    def formatted_unit_amount(self) -> str:
        return money.format_amount(self.unit_amount, self.order.currency)


class AdjustmentKind(models.TextChoices):
    DISCOUNT = "discount", "Discount"
    TAX = "tax", "Tax"


class OrderAdjustment(ShopRecord, models.Model):
    """A discount or a tax applied to an order, with its terms copied at placement.

    The terms (name, code, percentage or amount off, rate, inclusive) are what the
    order's quote and its Stripe Coupon or TaxRate are built from, so editing or deleting
    the Discount or Tax it came from never changes the order; the link back is kept for
    reports and redemption counts only.
    """

    order = models.ForeignKey(Order, related_name="adjustments", on_delete=models.CASCADE)
    kind = models.CharField(max_length=16, choices=AdjustmentKind.choices)
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=50)
    code = models.CharField(max_length=40, blank=True)
    percent_off = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    amount_off = models.BigIntegerField(null=True, blank=True)
    rate = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    inclusive = models.BooleanField(default=False)
    amount = models.BigIntegerField(default=0, help_text="In the order's minor units.")
    discount = models.ForeignKey(
        "commerce.Discount",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="order_adjustments",
    )
    tax = models.ForeignKey(
        "commerce.Tax",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="order_adjustments",
    )

    class Meta:
        ordering = ["kind", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(kind="discount"),
                name="commerce_one_discount_per_order",
            ),
        ]

    def __str__(self) -> str:
        amount = money.format_amount(self.amount, self.order.currency)
        if self.kind == AdjustmentKind.DISCOUNT:
            return f"{self.name}: -{amount}"
        kind = "included" if self.inclusive else "added"
        return f"{self.name} {self.rate.normalize():f}% ({kind}): {amount}"

    def discount_terms(self) -> DiscountTerms:
        return DiscountTerms(
            name=self.name,
            code=self.code,
            percent_off=self.percent_off,
            amount_off=self.amount_off,
            currency=self.order.currency if self.amount_off is not None else None,
            discount_id=self.discount_id,
        )

    def tax_terms(self) -> TaxTerms:
        return TaxTerms(
            name=self.name,
            rate=self.rate or Decimal(0),
            inclusive=self.inclusive,
            tax_id=self.tax_id,
        )


class RefundReason(models.TextChoices):
    DUPLICATE_PAYMENT = "duplicate_payment", "Duplicate payment"
    # Given back from the admin (the shopper asked, or the shop decided to).
    REQUESTED_BY_CUSTOMER = "requested_by_customer", "Requested by customer"


class RefundStatus(models.TextChoices):
    DUE = "due", "Due"
    SENT = "sent", "Refunded"


class Refund(ShopRecord, models.Model):
    """Money the store gives back, recorded before Stripe is asked.

    A refund is written as due in the same transaction that discovers it (say, a second
    payment for an order already paid), and sent to Stripe only after that transaction
    commits, so Stripe is never called while the order's row is locked. A refund whose
    call failed stays due, and `manage.py reconcile_orders` sends it again; the
    idempotency key, derived from the payment intent, makes a repeated send harmless.
    """

    order = models.ForeignKey(Order, related_name="refunds", on_delete=models.PROTECT)
    reason = models.CharField(max_length=32, choices=RefundReason.choices)
    status = models.CharField(
        max_length=16, choices=RefundStatus.choices, default=RefundStatus.DUE, db_index=True
    )
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, choices=money.CURRENCY_CHOICES)
    stripe_account = models.CharField(max_length=16)
    stripe_payment_intent_id = models.CharField(max_length=255)
    stripe_checkout_session_id = models.CharField(max_length=255, blank=True)
    stripe_refund_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=255, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    idempotency_key = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_account", "stripe_payment_intent_id"],
                condition=models.Q(reason="duplicate_payment"),
                name="commerce_duplicate_payment_refunded_once",
            ),
            # Two clicks on "Refund" that computed the same key ask Stripe once.
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="commerce_refund_idempotency_key_once",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="commerce_refund_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        what = (
            f"{self.get_reason_display()} {self.stripe_payment_intent_id}: {self.formatted_amount}"
        )
        if self.status == RefundStatus.SENT:
            return f"{what} refunded ({self.stripe_refund_id})"
        return f"{what} refund due (attempts: {self.attempts})"

    @property
    def formatted_amount(self) -> str:
        return money.format_amount(self.amount, self.currency)


class StatusChangeSource(models.TextChoices):
    WEBHOOK = "webhook", "Webhook"
    STATUS_CHECK = "status_check", "Status check"
    CHECKOUT_RETURN = "checkout_return", "Return from Checkout"
    ADMIN = "admin", "Admin"
    RECONCILIATION = "reconciliation", "Reconciliation"
    SHOPPER = "shopper", "Shopper"
    SYSTEM = "system", "System"


class OrderStatusChange(ShopRecord, models.Model):
    """One change of an order's status: the audit trail of its lifecycle.

    Written in the same transaction as the change itself (by `orders.transitions`), so
    the trail never claims a change that did not commit, nor misses one that did.
    """

    order = models.ForeignKey(Order, related_name="status_changes", on_delete=models.CASCADE)
    from_status = models.CharField(max_length=24, choices=OrderStatus.choices)
    to_status = models.CharField(max_length=24, choices=OrderStatus.choices)
    source = models.CharField(
        max_length=24, choices=StatusChangeSource.choices, default=StatusChangeSource.SYSTEM
    )
    stripe_event_id = models.CharField(max_length=255, blank=True)
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return (
            f"{self.get_from_status_display()} → {self.get_to_status_display()}"
            f" ({self.get_source_display()})"
        )


class PaymentEvent(ShopRecord, models.Model):
    """Every verified Stripe webhook event, stored once.

    The unique (account, event id) pair is what makes processing idempotent: Stripe
    delivers at least once, so a replay finds its row and is answered without being
    applied again. The payload is kept for audit and for reprocessing.
    """

    stripe_event_id = models.CharField(max_length=255)
    stripe_account = models.CharField(max_length=16)
    type = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField()
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="payment_events"
    )
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_account", "stripe_event_id"], name="commerce_event_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.stripe_event_id}"
