"""Orders, their lines, and every Stripe event the store received.

An `Order` is written before any payment is attempted, so a purchase exists in our
database whatever Stripe later says; Stripe objects are referenced by id, together with
the account (by label) that created them, because an object of one Stripe account is
invisible to another. Amounts are integer minor units in the order's one currency.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from .. import money


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


class PaymentFlow(models.TextChoices):
    CHECKOUT_SESSION = "checkout_session", "Stripe Checkout"
    PAYMENT_INTENT = "payment_intent", "Payment Element"


class Order(models.Model):
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

    payment_flow = models.CharField(max_length=24, choices=PaymentFlow.choices)
    stripe_account = models.CharField(
        max_length=16,
        blank=True,
        help_text="Label of the Stripe account used (currency or default).",
    )
    stripe_checkout_session_id = models.CharField(
        max_length=255, null=True, blank=True, unique=True
    )
    stripe_payment_intent_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    checkout_url = models.URLField(max_length=2000, blank=True)
    checkout_expires_at = models.DateTimeField(null=True, blank=True)
    checkout_attempts = models.PositiveIntegerField(default=0)
    # When the current attempt asked Stripe for a session: requests arriving while it is in
    # flight join it (same idempotency key, same parameters) instead of starting another.
    checkout_attempt_started_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
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

    def can_become(self, status: str) -> bool:
        return status in ALLOWED_TRANSITIONS.get(self.status, set())


class OrderLine(models.Model):
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


class RefundReason(models.TextChoices):
    DUPLICATE_PAYMENT = "duplicate_payment", "Duplicate payment"


class RefundStatus(models.TextChoices):
    DUE = "due", "Due"
    SENT = "sent", "Refunded"


class Refund(models.Model):
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


class PaymentEvent(models.Model):
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
