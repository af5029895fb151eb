"""``/_emulator/`` endpoints that tests use to steer the emulator; they need no API key."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from stripe_emulator import hosted_checkout
from stripe_emulator.faults import FaultSpecError, parse_fault
from stripe_emulator.responses import Response, json_response

if TYPE_CHECKING:
    from stripe_emulator.emulator import Emulator


def _bad_request(message: str) -> Response:
    return json_response({"error": {"message": message}}, 400)


def _json_body(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    decoded = json.loads(body)
    if not isinstance(decoded, dict):
        raise ValueError("expected a JSON object")
    return decoded


def handle(emulator: Emulator, method: str, path: str, body: bytes, base_url: str) -> Response:
    """Serve one control request."""
    try:
        payload = _json_body(body) if method == "POST" else {}
    except ValueError as error:
        return _bad_request(f"Invalid JSON body: {error}")
    action = (method, path.rstrip("/"))
    if action == ("GET", "/_emulator/health"):
        return json_response({"status": "ok"})
    if action == ("POST", "/_emulator/reset"):
        emulator.reset(clear_webhooks=bool(payload.get("clear_webhooks", False)))
        return json_response({"status": "reset"})
    if action == ("POST", "/_emulator/faults"):
        try:
            fault = parse_fault(payload)
        except FaultSpecError as error:
            return _bad_request(str(error))
        emulator.faults.add(fault)
        return json_response({"pending": emulator.faults.pending()})
    if action == ("GET", "/_emulator/faults"):
        return json_response({"pending": emulator.faults.pending()})
    if action == ("GET", "/_emulator/webhook_attempts"):
        return json_response({"object": "list", "data": emulator.webhooks.attempts()})
    if action == ("POST", "/_emulator/webhooks"):
        account, url = payload.get("account"), payload.get("url")
        if not account:
            return _bad_request("account is required")
        if url is not None and not str(url).startswith(("http://", "https://")):
            return _bad_request("url must be an http(s) URL or null")
        emulator.webhooks.configure(account, url, payload.get("secret"))
        return json_response({"endpoints": emulator.webhooks.endpoints()})
    if action == ("GET", "/_emulator/webhooks"):
        return json_response({"endpoints": emulator.webhooks.endpoints()})
    if action == ("POST", "/_emulator/clock"):
        try:
            seconds = float(payload.get("advance_seconds", 0))
        except (TypeError, ValueError):
            return _bad_request("advance_seconds must be a number")
        if seconds < 0:
            return _bad_request("time only moves forward")
        return json_response({"now": emulator.advance_clock(seconds)})
    prefix, suffix = "/_emulator/checkout/sessions/", "/pay"
    if method == "POST" and path.startswith(prefix) and path.endswith(suffix):
        return _pay_session(emulator, path[len(prefix) : -len(suffix)], payload, base_url)
    return json_response({"error": {"message": f"Unknown control endpoint {method} {path}"}}, 404)


def _pay_session(
    emulator: Emulator, session_id: str, payload: dict[str, Any], base_url: str
) -> Response:
    """Pay a session as a shopper would on the hosted page, without a browser."""
    with emulator.store.lock:
        found = emulator.store.find_anywhere(session_id)
        if found is None or found[1]["object"] != "checkout.session":
            return json_response({"error": {"message": f"No such session {session_id}"}}, 404)
        account, session = found
        form = {
            "email": payload.get("email", "shopper@example.com"),
            "cardNumber": payload.get("card_number", "4242424242424242"),
            "cardExpiry": payload.get("card_expiry", "12 / 34"),
            "cardCvc": payload.get("card_cvc", "123"),
            "billingName": payload.get("name", "Test Shopper"),
        }
        outcome = hosted_checkout.pay(emulator.context(account, base_url), session, form)
        return json_response(
            {"status": session["status"], "redirect_url": outcome.redirect, "error": outcome.error}
        )
