"""A receiver of `order_paid` (sent once, after the payment's transaction commits): a
thank-you mail to the shopper, beside the store's own receipt."""

from __future__ import annotations

from typing import Any

from django.core.mail import send_mail
from django.dispatch import receiver

from commerce.models import Order
from commerce.signals import order_paid

THANK_YOU_SUBJECT = "Thank you for your order"
DISPATCH_UID = "example_extension.thank_you"


@receiver(order_paid, dispatch_uid=DISPATCH_UID)
def thank_you(sender: Any, order: Order, **kwargs: Any) -> None:
    if order.email:
        send_mail(THANK_YOU_SUBJECT, f"Order #{order.pk} is paid.", None, [order.email])
