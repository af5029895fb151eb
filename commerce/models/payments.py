"""Payments: one row per attempt to take an order's money.

An order may need several attempts (a session expired, Stripe timed out, the shopper
came back tomorrow), and each one is a Stripe object of one account: a Checkout Session
today, a PaymentIntent later. Keeping them apart from the order lets the order say what
was bought while its payments say how the money was asked for; at most one attempt per
order is live (starting or open) at a time, which a partial unique index enforces, so
two requests can never both hand a shopper a way to pay the same order.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone

from .. import money
from .records import ShopRecord


class PaymentMethod(models.TextChoices):
    CHECKOUT_SESSION = "checkout_session", "Stripe Checkout"
    PAYMENT_INTENT = "payment_intent", "Payment Element"


class PaymentStatus(models.TextChoices):
    # Stripe was asked (or is about to be) and has not answered yet.
    STARTING = "starting", "Starting"
    OPEN = "open", "Open"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"
    # Replaced by a newer attempt before it was paid (say, its session was closing).
    SUPERSEDED = "superseded", "Superseded"


LIVE_STATUSES = (PaymentStatus.STARTING, PaymentStatus.OPEN)

# A session about to expire is not handed out again: the shopper needs time to pay.
REUSE_MARGIN = timedelta(minutes=5)


class Payment(ShopRecord, models.Model):
    """One attempt to take an order's money through one Stripe object.

    `attempt` numbers an order's attempts and names the idempotency key, so every request
    joining one attempt (and stripe-python's own retries) gets the attempt's one Stripe
    object back. `expires_at` is fixed when the attempt starts, so those requests send
    Stripe byte-identical parameters.
    """

    order = models.ForeignKey("commerce.Order", related_name="payments", on_delete=models.CASCADE)
    method = models.CharField(max_length=24, choices=PaymentMethod.choices)
    attempt = models.PositiveIntegerField()
    status = models.CharField(
        max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.STARTING
    )
    stripe_account = models.CharField(
        max_length=16, help_text="Label of the Stripe account used (currency or default)."
    )
    # Null, not "", until Stripe answers: the unique (account, id) constraint must let
    # any number of attempts wait for their object.
    stripe_id = models.CharField(  # noqa: DJ001
        "Stripe id", max_length=255, null=True, blank=True, help_text="The session's id."
    )
    stripe_payment_intent_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    url = models.URLField(max_length=2000, blank=True)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, choices=money.CURRENCY_CHOICES)
    started_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "attempt"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(status__in=["starting", "open"]),
                name="commerce_one_live_payment_per_order",
            ),
            models.UniqueConstraint(
                fields=["order", "attempt"], name="commerce_payment_attempt_once"
            ),
            models.UniqueConstraint(
                fields=["stripe_account", "stripe_id"], name="commerce_payment_stripe_object_once"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="commerce_payment_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        what = self.stripe_id or "no Stripe object yet"
        return (
            f"#{self.attempt} {self.get_method_display()} {what}: "
            f"{money.format_amount(self.amount, self.currency)} {self.get_status_display()}"
        )

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    def is_usable(self) -> bool:
        """Whether a shopper can still be sent to pay it (open, not about to expire)."""
        return bool(
            self.status == PaymentStatus.OPEN
            and self.stripe_id
            and self.url
            and self.expires_at
            and self.expires_at > timezone.now() + REUSE_MARGIN
        )


class StripePricingObject(ShopRecord, models.Model):
    """A Coupon or TaxRate the store created in one Stripe account, remembered by the
    terms it carries.

    Stripe objects are per account and their terms cannot change, so they are created
    lazily, the first time an order of that account needs those terms, and found again
    by a fingerprint of the terms: editing a Discount or Tax yields new terms, hence a
    new Stripe object, and a placed order keeps pointing at the terms it snapshotted.
    """

    class Kind(models.TextChoices):
        COUPON = "coupon", "Coupon"
        TAX_RATE = "tax_rate", "Tax rate"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    stripe_account = models.CharField(max_length=16)
    fingerprint = models.CharField(max_length=64)
    stripe_id = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "stripe_account", "fingerprint"],
                name="commerce_stripe_pricing_object_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.stripe_id} ({self.stripe_account})"
