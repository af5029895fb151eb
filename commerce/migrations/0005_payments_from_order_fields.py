"""Every order's Checkout attempt, kept until now in fields of the order, becomes a
Payment row, so the fields can go (next migration)."""

from django.db import migrations

# Order status -> the status of its latest attempt.
PAYMENT_STATUS = {
    "paid": "succeeded",
    "partially_refunded": "succeeded",
    "refunded": "succeeded",
    "failed": "failed",
    "expired": "expired",
    "canceled": "superseded",
}


def payments_from_orders(apps, schema_editor):
    Order = apps.get_model("commerce", "Order")
    Payment = apps.get_model("commerce", "Payment")
    for order in Order.objects.exclude(
        stripe_checkout_session_id__isnull=True, checkout_attempts=0
    ).iterator():
        if order.status == "pending":
            status = "open" if order.stripe_checkout_session_id else "starting"
        else:
            status = PAYMENT_STATUS.get(order.status, "failed")
        Payment.objects.create(
            order=order,
            method=order.payment_flow or "checkout_session",
            attempt=max(order.checkout_attempts, 1),
            status=status,
            stripe_account=order.stripe_account,
            stripe_id=order.stripe_checkout_session_id,
            stripe_payment_intent_id=order.stripe_payment_intent_id,
            url=order.checkout_url,
            amount=order.total_amount,
            currency=order.currency,
            started_at=order.checkout_attempt_started_at or order.created_at,
            expires_at=order.checkout_expires_at,
            succeeded_at=order.paid_at if status == "succeeded" else None,
        )


def order_fields_from_payments(apps, schema_editor):
    Payment = apps.get_model("commerce", "Payment")
    for payment in Payment.objects.order_by("order", "attempt").select_related("order"):
        order = payment.order
        order.payment_flow = payment.method
        order.stripe_account = payment.stripe_account
        order.stripe_checkout_session_id = payment.stripe_id
        order.stripe_payment_intent_id = payment.stripe_payment_intent_id
        order.checkout_url = payment.url
        order.checkout_expires_at = payment.expires_at
        order.checkout_attempts = payment.attempt
        order.checkout_attempt_started_at = payment.started_at
        order.save()


class Migration(migrations.Migration):
    dependencies = [("commerce", "0004_payments_adjustments_discounts_taxes")]

    operations = [migrations.RunPython(payments_from_orders, order_fields_from_payments)]
