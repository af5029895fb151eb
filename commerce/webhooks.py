"""Stripe webhooks: verify, store once, apply idempotently.

The order of work is deliberate: nothing is written until a configured account's
webhook secret has verified the signature; the event row and the order change commit
together, so a crash leaves neither and Stripe's retry applies it cleanly; a replayed
event finds its row and is acknowledged without being applied twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import services
from .models import Order, PaymentEvent
from .payments import gateway
from .payments.accounts import StripeAccount

logger = logging.getLogger(__name__)

Handler = Callable[[StripeAccount, dict[str, Any], str], tuple[Order | None, str]]


def _checkout_session_changed(
    account: StripeAccount, session: dict[str, Any], event_id: str
) -> tuple[Order | None, str]:
    return services.apply_checkout_session(account.label, session, stripe_event_id=event_id)


def _checkout_payment_failed(
    account: StripeAccount, session: dict[str, Any], event_id: str
) -> tuple[Order | None, str]:
    # The session itself still says "complete": only the event's type tells the failure.
    return services.fail_checkout_session(account.label, session)


HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": _checkout_session_changed,
    "checkout.session.async_payment_succeeded": _checkout_session_changed,
    "checkout.session.async_payment_failed": _checkout_payment_failed,
    "checkout.session.expired": _checkout_session_changed,
}


@dataclass(frozen=True)
class WebhookResult:
    event_id: str
    type: str
    duplicate: bool
    outcome: str


def receive(payload: bytes, signature_header: str) -> WebhookResult:
    """Verify and process one delivery. Raises `gateway.InvalidSignature` before any write."""
    account, event = gateway.verify_webhook(payload, signature_header)
    event_id = str(event.get("id") or "")
    event_type = str(event.get("type") or "")
    if not event_id.startswith("evt_") or not event_type:
        raise gateway.InvalidSignature("Signed payload is not a Stripe event.")

    with transaction.atomic():
        try:
            with transaction.atomic():
                record = PaymentEvent.objects.create(
                    stripe_event_id=event_id,
                    stripe_account=account.label,
                    type=event_type,
                    payload=event,
                )
        except IntegrityError:
            logger.info(
                "Stripe event %s (%s) received again; already applied", event_id, event_type
            )
            return WebhookResult(event_id, event_type, duplicate=True, outcome="duplicate")
        handler = HANDLERS.get(event_type)
        if handler is None:
            order, outcome = None, "ignored: no handler for this type"
        else:
            order, outcome = handler(account, event["data"].get("object") or {}, event_id)
        record.order = order
        record.outcome = outcome[:255]
        record.processed_at = timezone.now()
        record.save(update_fields=["order", "outcome", "processed_at"])
    logger.info("Stripe event %s (%s) from %s: %s", event_id, event_type, account.label, outcome)
    return WebhookResult(event_id, event_type, duplicate=False, outcome=outcome)
