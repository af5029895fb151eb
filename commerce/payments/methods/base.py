"""The one interface every way of taking an order's money implements.

Modelled on django-salesman's `PaymentMethod`: a method has a `name` (stored as
`Payment.method` on each of its attempts) and starts an attempt for an order, applies
what Stripe says about it (from a webhook, the shopper's return, reconciliation), asks
Stripe again, closes an attempt the order no longer uses, and refunds. The views, the
webhook endpoint, reconciliation and refunds reach methods only through the registry
(`registry.py`), so a host app adds a third one through the
`commerce.hooks.REGISTER_PAYMENT_METHOD` hook without touching `commerce`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from ...models import Order, Payment, Refund, StatusChangeSource
from .. import gateway

if TYPE_CHECKING:
    from django.http import HttpRequest

    from ..accounts import StripeAccount

# A webhook handler: the verified account, the event's `data.object` and the event id ->
# the order concerned (or None) and an outcome for the event log (`commerce.webhooks`).
WebhookHandler = Callable[["StripeAccount", dict[str, Any], str], tuple[Order | None, str]]


@dataclass(frozen=True)
class StartedPayment:
    """An attempt ready for the shopper: where to send them (`redirect_url`, a hosted
    page) or what their browser confirms with (`client_secret`), whichever the method
    uses."""

    payment: Payment
    redirect_url: str = ""
    client_secret: str = ""


class BasePaymentMethod(ABC):
    """A way of paying an order. Subclass it, give it a unique `name` (at most 24
    characters: `Payment.method`) and a `label` for people, and register an instance
    through the `REGISTER_PAYMENT_METHOD` hook.

    Every method must keep the store's promises: at most one live attempt per order
    (`Payment`'s partial unique index), Stripe called only through
    `commerce.payments.gateway` and never while a row lock is held, and an order marked
    paid only through `commerce.orders.paying.settle_reported_payment`, so it is paid
    once and `order_paid` is sent once.
    """

    name: ClassVar[str]
    label: ClassVar[str]

    @abstractmethod
    def start(self, order: Order, request: HttpRequest) -> StartedPayment:
        """The order's live attempt of this method, created or reused. Raises a
        `PaymentError` (its `status` and `customer_message` are the shopper's answer)."""

    @abstractmethod
    def apply(
        self,
        account_label: str,
        stripe_object: dict[str, Any],
        *,
        source: str,
        stripe_event_id: str | None = None,
    ) -> tuple[Order | None, str]:
        """Bring the order in line with what Stripe says about this method's object;
        idempotent. Returns the order (or None) and an outcome for the log."""

    @abstractmethod
    def retrieve(self, account: StripeAccount, stripe_id: str) -> dict[str, Any]:
        """What Stripe says about an attempt's object now."""

    @abstractmethod
    def close(self, account: StripeAccount, stripe_id: str) -> None:
        """Make a superseded attempt's object unpayable at Stripe (expire, cancel).
        Raises `PaymentError` when Stripe refuses or cannot be reached."""

    def reconcile(self, payment: Payment, account: StripeAccount, now: datetime) -> None:
        """Settle a pending order's latest attempt by asking Stripe (`reconcile_orders`,
        whose clock `now` is)."""
        self.apply(
            account.label,
            self.retrieve(account, payment.stripe_id or ""),
            source=StatusChangeSource.RECONCILIATION,
        )

    def refund(
        self, account: StripeAccount, refund: Refund, *, reason: str, metadata: dict[str, str]
    ) -> dict[str, Any]:
        """Ask Stripe to give `refund` back; returns Stripe's refund (with its `id`).

        Both built-in methods end in a PaymentIntent, which is what Stripe refunds."""
        return gateway.create_refund(
            account,
            refund.stripe_payment_intent_id,
            amount=refund.amount,
            reason=reason,
            metadata=metadata,
            idempotency_key=refund.idempotency_key or None,
        )

    def webhook_handlers(self) -> dict[str, WebhookHandler]:
        """Stripe event types this method applies, each with its handler. They run
        before the handlers registered with `commerce.webhooks.register_handler`."""
        return {}
