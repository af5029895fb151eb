"""Stripe webhooks: verify, store once, apply idempotently.

The order of work is deliberate: nothing is written until a configured account's
webhook secret has verified the signature; the event row and the order change commit
together, so a crash leaves neither and Stripe's retry applies it cleanly; a replayed
event finds its row and is acknowledged without being applied twice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Order, PaymentEvent
from .payments import gateway
from .payments.accounts import StripeAccount
from .payments.methods import checkout_session

logger = logging.getLogger(__name__)

Handler = Callable[[StripeAccount, dict[str, Any], str], tuple[Order | None, str]]


def _checkout_session_changed(
    account: StripeAccount, session: dict[str, Any], event_id: str
) -> tuple[Order | None, str]:
    return checkout_session.apply_checkout_session(account.label, session, stripe_event_id=event_id)


def _checkout_payment_failed(
    account: StripeAccount, session: dict[str, Any], event_id: str
) -> tuple[Order | None, str]:
    # The session itself still says "complete": only the event's type tells the failure.
    return checkout_session.fail_checkout_session(account.label, session)


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


class MalformedEvent(ValueError):
    """A correctly signed payload that cannot be a Stripe event (answered 400: a retry of
    the same bytes could never succeed, so it must not become a 5xx Stripe retries)."""


_EVENT_ID = re.compile(r"evt_[A-Za-z0-9_]+")
_EVENT_TYPE = re.compile(r"[a-z0-9_]+(?:\.[a-z0-9_]+)+")


def _checked_event(event: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """The event's id, type and `data.object`, or `MalformedEvent`: refused here, such
    values would fail further on (PostgreSQL refuses NUL and over-long strings)."""
    event_id, event_type = event.get("id"), event.get("type")
    id_length = PaymentEvent._meta.get_field("stripe_event_id").max_length
    type_length = PaymentEvent._meta.get_field("type").max_length
    if not (isinstance(event_id, str) and _EVENT_ID.fullmatch(event_id)):
        raise MalformedEvent("its id is not a Stripe event id.")
    if len(event_id) > id_length:
        raise MalformedEvent(f"its id is longer than {id_length} characters.")
    if not (isinstance(event_type, str) and _EVENT_TYPE.fullmatch(event_type)):
        raise MalformedEvent("its type is not a Stripe event type.")
    if len(event_type) > type_length:
        raise MalformedEvent(f"its type is longer than {type_length} characters.")
    data_object = event["data"].get("object")
    if not isinstance(data_object, dict):
        raise MalformedEvent("its data.object is not an object.")
    return event_id, event_type, data_object


def storable(value: Any) -> Any:
    """`value` (decoded JSON) with every NUL character replaced by U+FFFD.

    JSON allows `\\u0000` in any string (a cardholder's name, metadata), but PostgreSQL
    refuses it in jsonb and text columns, and a row that cannot be written would turn into
    a 5xx on every retry. Handlers get this same copy, so what they apply is what is
    stored (and can be applied again from the stored payload). Event ids and types with a
    NUL are refused before this (`_checked_event`).
    """
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [storable(item) for item in value]
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    return value


def receive(payload: bytes, signature_header: str) -> WebhookResult:
    """Verify and process one delivery. Raises `gateway.InvalidSignature` or
    `MalformedEvent` before any write."""
    account, event = gateway.verify_webhook(payload, signature_header)
    event_id, event_type, _ = _checked_event(event)
    event = storable(event)
    data_object = event["data"]["object"]

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
            order, outcome = handler(account, data_object, event_id)
        record.order = order
        record.outcome = outcome[:255]
        record.processed_at = timezone.now()
        record.save(update_fields=["order", "outcome", "processed_at"])
    logger.info("Stripe event %s (%s) from %s: %s", event_id, event_type, account.label, outcome)
    return WebhookResult(event_id, event_type, duplicate=False, outcome=outcome)
