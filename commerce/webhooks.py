"""Stripe webhooks: verify, store once, apply idempotently.

The order of work is deliberate: nothing is written until a configured account's
webhook secret has verified the signature; the event row and the order change commit
together, so a crash leaves neither and Stripe's retry applies it cleanly; a replayed
event finds its row and is acknowledged without being applied twice.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone

from . import fixed_sql
from .models import Order, PaymentEvent
from .orders import charges
from .payments import gateway
from .payments.accounts import StripeAccount
from .payments.methods import registry
from .payments.methods.base import WebhookHandler as Handler

logger = logging.getLogger(__name__)

# Event type -> its handlers, in the order they were registered. Open to host apps: see
# `register_handler`. The payment methods' own handlers (`BasePaymentMethod.
# webhook_handlers`: Checkout Sessions, PaymentIntents) run before these.
HANDLERS: dict[str, list[Handler]] = {}


def register_handler(event_type: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as a handler of Stripe events of `event_type`.

    A handler gets the verified account, the event's `data.object` and the event id, and
    returns the order it concerns (or None) and a short outcome for the event log. It
    runs inside the transaction that stores the event, so raising rolls both back and
    Stripe's retry applies the event cleanly. Several handlers may share a type (the
    payment methods' and the store's own run first, then a host app's, registered from
    its `AppConfig.ready`); registering the same function twice is harmless. This
    decorator is the store's one way to add webhook handlers (see `commerce.hooks`).
    """

    def decorator(handler: Handler) -> Handler:
        registered = HANDLERS.setdefault(event_type, [])
        if handler not in registered:
            registered.append(handler)
        return handler

    return decorator


def handlers_for(event_type: str) -> tuple[Handler, ...]:
    """The payment methods' handlers of `event_type`, then those registered here."""
    return (*registry.webhook_handlers(event_type), *HANDLERS.get(event_type, ()))


def _apply_handlers(
    account: StripeAccount, event_type: str, data_object: dict[str, Any], event_id: str
) -> tuple[Order | None, str]:
    """Every handler of the type, in turn: the first order named is the event's, and the
    outcomes are joined for the event log."""
    handlers = handlers_for(event_type)
    if not handlers:
        return None, "ignored: no handler for this type"
    order: Order | None = None
    outcomes = []
    for handler in handlers:
        found, outcome = handler(account, data_object, event_id)
        order = order or found
        outcomes.append(outcome)
    return order, "; ".join(outcomes)


@register_handler("charge.refunded")
def _charge_refunded(
    account: StripeAccount, charge: dict[str, Any], event_id: str
) -> tuple[Order | None, str]:
    return charges.apply_charge_refunded(account.label, charge, stripe_event_id=event_id)


def _refund_changed(
    account: StripeAccount, refund: dict[str, Any], event_id: str
) -> tuple[Order | None, str]:
    return charges.apply_refund(account.label, refund)


for _type in ("refund.created", "refund.updated"):
    register_handler(_type)(_refund_changed)


@register_handler("charge.dispute.created")
def _dispute_created(
    account: StripeAccount, dispute: dict[str, Any], event_id: str
) -> tuple[Order | None, str]:
    return charges.apply_dispute(account.label, dispute)


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


# JSON carries a NUL only as this escape (a raw control character is not valid JSON), so
# a payload without it needs no walk through `storable`: nearly every event.
_ESCAPED_NUL = b"\\u0000"


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
    `MalformedEvent` before any write.

    A replay (Stripe delivers at least once) is answered by one indexed lookup, outside
    any transaction. A fresh event is applied and then stored in one transaction: the
    unique (account, event id) pair lets only one transaction that stores it commit, so
    a duplicate delivered at the same moment is rolled back whole and answered as one.
    """
    received_at = timezone.now()
    account, event = gateway.verify_webhook(payload, signature_header)
    event_id, event_type, _ = _checked_event(event)
    if _stored(account.label, event_id):
        return _duplicate(event_id, event_type)
    if _ESCAPED_NUL in payload:
        event = storable(event)
    data_object = event["data"]["object"]

    alias = router.db_for_write(PaymentEvent)
    try:
        # The handlers' fixed writes and the event's row go to the database together, in
        # one round trip, and are answered before the commit (`fixed_sql.sent_together`).
        with transaction.atomic(using=alias), fixed_sql.sent_together(alias):
            order, outcome = _apply_handlers(account, event_type, data_object, event_id)
            fixed_sql.insert(
                PaymentEvent(
                    stripe_event_id=event_id,
                    stripe_account=account.label,
                    type=event_type,
                    payload=event,
                    order=order,
                    received_at=received_at,
                    processed_at=timezone.now(),
                    outcome=outcome[:255],
                )
            )
    except IntegrityError:
        # All this transaction did is undone. A delivery of the same event that stored it
        # first (its commit made this insert fail) makes this one a duplicate; any other
        # conflict is an error.
        if not _stored(account.label, event_id):
            raise
        return _duplicate(event_id, event_type)
    logger.info("Stripe event %s (%s) from %s: %s", event_id, event_type, account.label, outcome)
    return WebhookResult(event_id, event_type, duplicate=False, outcome=outcome)


@functools.cache
def _stored_sql(alias: str) -> str:
    """The replay lookup's SQL (see `commerce.fixed_sql`)."""
    table, column = fixed_sql.quoted_names(PaymentEvent, alias, "stripe_account", "stripe_event_id")
    return (
        f"SELECT 1 FROM {table} WHERE {column['stripe_account']} = %s "  # noqa: S608
        f"AND {column['stripe_event_id']} = %s LIMIT 1"
    )


def _stored(account_label: str, event_id: str) -> bool:
    """Whether the event is stored already: one lookup of the unique (account, event id)
    index. Every delivery asks, and most deliveries of a busy store are replays, for which
    this is all the work there is; the ORM would spend longer building this one fixed
    statement than the database spends answering it."""
    alias = router.db_for_read(PaymentEvent)
    with connections[alias].cursor() as cursor:
        cursor.execute(_stored_sql(alias), [account_label, event_id])
        return cursor.fetchone() is not None


def _duplicate(event_id: str, event_type: str) -> WebhookResult:
    logger.info("Stripe event %s (%s) received again; already applied", event_id, event_type)
    return WebhookResult(event_id, event_type, duplicate=True, outcome="duplicate")
