"""Construction of Stripe ``event`` objects, the records behind webhooks and ``/v1/events``."""

from __future__ import annotations

import json
from typing import Any

from stripe_emulator import API_VERSION
from stripe_emulator.context import RequestContext
from stripe_emulator.rendering import list_response, render
from stripe_emulator.store import Store, new_id, public

#: Event types the emulator emits; listed so documentation and tests can refer to them.
EVENT_TYPES = (
    "checkout.session.completed",
    "checkout.session.expired",
    "payment_intent.created",
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
    "payment_intent.requires_action",
    "payment_intent.amount_capturable_updated",
    "charge.succeeded",
    "charge.captured",
    "charge.failed",
    "charge.refunded",
    "refund.created",
)


def snapshot(obj: dict[str, Any]) -> dict[str, Any]:
    """A deep, JSON-clean copy, so later changes to the object do not alter past events."""
    return json.loads(json.dumps(public(obj), default=str))


def record_event(
    store: Store,
    account: str,
    event_type: str,
    obj: dict[str, Any],
    *,
    request_id: str | None,
    idempotency_key: str | None,
    pending_webhooks: int,
) -> dict[str, Any]:
    """Create and store the event describing a change to ``obj``; return it."""
    event = {
        "id": new_id("evt"),
        "object": "event",
        "api_version": API_VERSION,
        "created": store.now(),
        "data": {"object": snapshot(obj)},
        "livemode": False,
        "pending_webhooks": pending_webhooks,
        "request": {"id": request_id, "idempotency_key": idempotency_key},
        "type": event_type,
    }
    return store.add(account, event)


def retrieve(ctx: RequestContext, params: dict[str, Any], event_id: str) -> dict[str, Any]:
    """``GET /v1/events/{id}``."""
    return render(ctx, ctx.store.get(ctx.account, event_id, "event"), params.get("expand", []))


def list_all(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """``GET /v1/events``, newest first, filtered by ``type`` (``*`` wildcards) or ``types``."""
    events = ctx.store.of_kind(ctx.account, "event")
    if params.get("types"):
        wanted = set(params["types"])
        events = [event for event in events if event["type"] in wanted]
    return list_response(ctx, events, "/v1/events", params, type_pattern=params.get("type"))
