"""The two built-in payment methods behind the one interface (`base.BasePaymentMethod`):
Stripe Checkout (`checkout_session.py`) and the Payment Element (`payment_intent.py`).

Each module keeps the work of its method (attempts under the order's lock, Stripe
outside it, applying what Stripe says); the classes here are what the registry, the
views, the webhook endpoint, reconciliation and refunds call.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.urls import reverse

from ...models import Order, Payment, PaymentMethod, StatusChangeSource
from .. import gateway
from ..accounts import StripeAccount
from ..exceptions import PaymentError
from . import checkout_session, payment_intent
from .base import BasePaymentMethod, StartedPayment, WebhookHandler

if TYPE_CHECKING:
    from django.http import HttpRequest

# The Checkout events whose session says what happened (paid, paid later, expired).
CHECKOUT_SESSION_EVENTS = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.expired",
)
# Every event about an intent carries the intent, whose own status says what happened.
PAYMENT_INTENT_EVENTS = (
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
    "payment_intent.processing",
    "payment_intent.requires_action",
)


def checkout_success_url(request: HttpRequest) -> str:
    """Where Checkout returns the shopper; Stripe fills in `{CHECKOUT_SESSION_ID}`."""
    return (
        request.build_absolute_uri(reverse("commerce:checkout_success"))
        + "?session_id={CHECKOUT_SESSION_ID}"
    )


def checkout_urls(request: HttpRequest, order: Order) -> checkout_session.CheckoutUrls:
    """Checkout's URLs for a whole order: the success page, the cart for a canceled
    Checkout, and the items' pictures."""
    from ...cart.ordering import line_image_urls

    return checkout_session.CheckoutUrls(
        success_url=checkout_success_url(request),
        cancel_url=request.build_absolute_uri(reverse("commerce:cart")) + "?checkout=canceled",
        image_urls=line_image_urls(request, order),
    )


def expire_or_read(account: StripeAccount, session_id: str) -> dict[str, Any]:
    """Expire an open Checkout Session; if Stripe refuses (paid or closed a moment ago),
    what it says now is the truth to apply."""
    try:
        return gateway.expire_checkout_session(account, session_id)
    except PaymentError:
        return gateway.retrieve_checkout_session(account, session_id)


class CheckoutSessionMethod(BasePaymentMethod):
    """Stripe Checkout: the shopper pays on Stripe's hosted page, one Checkout Session
    per attempt."""

    name = PaymentMethod.CHECKOUT_SESSION.value
    label = str(PaymentMethod.CHECKOUT_SESSION.label)

    def start(self, order: Order, request: HttpRequest) -> StartedPayment:
        payment = checkout_session.start_checkout(order, checkout_urls(request, order))
        return StartedPayment(payment, redirect_url=payment.url)

    def apply(
        self,
        account_label: str,
        stripe_object: dict[str, Any],
        *,
        source: str,
        stripe_event_id: str | None = None,
    ) -> tuple[Order | None, str]:
        return checkout_session.apply_checkout_session(
            account_label, stripe_object, stripe_event_id, source=source
        )

    def retrieve(self, account: StripeAccount, stripe_id: str) -> dict[str, Any]:
        return gateway.retrieve_checkout_session(account, stripe_id)

    def close(self, account: StripeAccount, stripe_id: str) -> None:
        gateway.expire_checkout_session(account, stripe_id)

    def reconcile(self, payment: Payment, account: StripeAccount, now: datetime) -> None:
        session = self.retrieve(account, payment.stripe_id or "")
        expires_at = session.get("expires_at")
        overdue = isinstance(expires_at, int) and datetime.fromtimestamp(expires_at, UTC) <= now
        if session.get("status") == "open" and overdue:
            # Stripe closes overdue sessions itself, a little late; do not wait for it.
            session = expire_or_read(account, payment.stripe_id or "")
        self.apply(account.label, session, source=StatusChangeSource.RECONCILIATION)

    def webhook_handlers(self) -> dict[str, WebhookHandler]:
        return {
            **dict.fromkeys(CHECKOUT_SESSION_EVENTS, self._session_changed),
            "checkout.session.async_payment_failed": self._payment_failed,
        }

    def _session_changed(
        self, account: StripeAccount, session: dict[str, Any], event_id: str
    ) -> tuple[Order | None, str]:
        return self.apply(
            account.label, session, source=StatusChangeSource.WEBHOOK, stripe_event_id=event_id
        )

    def _payment_failed(
        self, account: StripeAccount, session: dict[str, Any], event_id: str
    ) -> tuple[Order | None, str]:
        # The session itself still says "complete": only the event's type tells the failure.
        return checkout_session.fail_checkout_session(
            account.label, session, stripe_event_id=event_id, source=StatusChangeSource.WEBHOOK
        )


class PaymentIntentMethod(BasePaymentMethod):
    """The Payment Element on the store's own page: one PaymentIntent per attempt,
    confirmed in the shopper's browser with its client secret."""

    name = PaymentMethod.PAYMENT_INTENT.value
    label = str(PaymentMethod.PAYMENT_INTENT.label)

    def start(self, order: Order, request: HttpRequest) -> StartedPayment:
        payment, client_secret = payment_intent.start_payment_intent(order)
        return StartedPayment(payment, client_secret=client_secret)

    def apply(
        self,
        account_label: str,
        stripe_object: dict[str, Any],
        *,
        source: str,
        stripe_event_id: str | None = None,
    ) -> tuple[Order | None, str]:
        return payment_intent.apply_payment_intent(
            account_label, stripe_object, source=source, stripe_event_id=stripe_event_id
        )

    def retrieve(self, account: StripeAccount, stripe_id: str) -> dict[str, Any]:
        return gateway.retrieve_payment_intent(account, stripe_id)

    def close(self, account: StripeAccount, stripe_id: str) -> None:
        gateway.cancel_payment_intent(account, stripe_id)

    def webhook_handlers(self) -> dict[str, WebhookHandler]:
        return dict.fromkeys(PAYMENT_INTENT_EVENTS, self._intent_changed)

    def _intent_changed(
        self, account: StripeAccount, intent: dict[str, Any], event_id: str
    ) -> tuple[Order | None, str]:
        # A late `payment_failed` carries a failed intent, which never un-pays an order.
        return self.apply(
            account.label, intent, source=StatusChangeSource.WEBHOOK, stripe_event_id=event_id
        )
