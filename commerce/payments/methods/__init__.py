"""Ways of taking an order's money, behind one interface (`base.BasePaymentMethod`):
Stripe Checkout (`checkout_session`) and the Payment Element (`payment_intent`) built in,
more through the `commerce.hooks.REGISTER_PAYMENT_METHOD` hook; `registry` finds them."""

from .base import BasePaymentMethod, StartedPayment, WebhookHandler

__all__ = ["BasePaymentMethod", "StartedPayment", "WebhookHandler"]
