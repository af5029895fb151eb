"""Which payment methods the store has: the two built-in ones, then those host apps
register through the `commerce.hooks.REGISTER_PAYMENT_METHOD` hook (a registered method
with a built-in one's name replaces it).

Read on every use rather than kept: it is a handful of objects, and hooks registered
for a test (`wagtail.hooks.register_temporarily`) must come and go with it.
"""

from __future__ import annotations

from ... import hooks
from ...models import Payment
from .base import BasePaymentMethod, WebhookHandler
from .builtin import CheckoutSessionMethod, PaymentIntentMethod

BUILT_IN: tuple[BasePaymentMethod, ...] = (CheckoutSessionMethod(), PaymentIntentMethod())


class UnknownPaymentMethod(LookupError):
    """No payment method has this name (a method removed while its attempts remain)."""


def payment_methods() -> dict[str, BasePaymentMethod]:
    """Every payment method by name, built-in ones first."""
    methods = {method.name: method for method in BUILT_IN}
    for method in hooks.registered_payment_methods():
        if not isinstance(method, BasePaymentMethod):
            raise TypeError(f"{method!r} is no BasePaymentMethod.")
        methods[method.name] = method
    return methods


def method_named(name: str) -> BasePaymentMethod:
    """The payment method called `name`; raises `UnknownPaymentMethod`."""
    try:
        return payment_methods()[name]
    except KeyError:
        raise UnknownPaymentMethod(name) from None


def method_of(payment: Payment) -> BasePaymentMethod:
    """The method a payment attempt was made with."""
    return method_named(payment.method)


def method_for_refund(account_label: str, payment_intent_id: str) -> BasePaymentMethod:
    """The method whose attempt took the money a refund gives back; a payment the store
    never recorded (a stray Checkout Session paid twice) was taken through Checkout."""
    name = (
        Payment.objects.filter(
            stripe_account=account_label, stripe_payment_intent_id=payment_intent_id
        )
        .values_list("method", flat=True)
        .first()
    )
    return method_named(name or CheckoutSessionMethod.name)


def webhook_handlers(event_type: str) -> list[WebhookHandler]:
    """The handlers the payment methods bring for `event_type`, in the methods' order."""
    return [
        handler
        for method in payment_methods().values()
        if (handler := method.webhook_handlers().get(event_type)) is not None
    ]
