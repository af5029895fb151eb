"""The one module that talks to Stripe.

Every call goes through `StripeClient` with an explicit timeout, bounded network retries
(stripe-python retries connection errors, 409, 429 and 5xx with backoff, reusing the
idempotency key) and an idempotency key on every create. Stripe's exceptions are turned
into the store's `PaymentError` classes here, logged with Stripe's request id, so no
caller ever handles a `stripe.*` exception. Results are Stripe's JSON answers as plain
dicts, never `StripeObject`s (see `_call`).

`STRIPE_API_BASE` points the client at another API address (the offline emulator in
development and tests); nothing else changes.
"""

from __future__ import annotations

import functools
import json
import logging
from typing import Any
from urllib.parse import quote

import stripe

from ..conf import app_settings
from .accounts import StripeAccount, configured_accounts
from .exceptions import GatewayBusy, GatewayError, GatewayUnavailable, PaymentError

logger = logging.getLogger(__name__)

# Stripe's own default: a signature older than five minutes is a replay.
WEBHOOK_TOLERANCE_SECONDS = 300


class InvalidSignature(Exception):
    """A webhook payload whose signature no configured account's secret verifies."""


@functools.lru_cache(maxsize=32)
def _client(secret_key: str, api_base: str, timeout: float, retries: int) -> stripe.StripeClient:
    options: dict[str, Any] = {
        "max_network_retries": retries,
        "http_client": stripe.RequestsClient(timeout=timeout),
    }
    if api_base:
        options["base_addresses"] = {"api": api_base.rstrip("/")}
    return stripe.StripeClient(secret_key, **options)


def operation_deadline_seconds() -> float:
    """The longest one Stripe operation can take, retries included.

    Each try may wait the full timeout, and stripe-python sleeps between tries (its
    exponential backoff, capped, jitter only shortening it). A web request that makes a
    Stripe call must outlast this, or the server kills the worker mid-payment; the
    system check `commerce.E001` compares it with the server's worker timeout.
    """
    timeout = float(app_settings.STRIPE_TIMEOUT_SECONDS)
    retries = int(app_settings.STRIPE_MAX_NETWORK_RETRIES)
    return timeout * (retries + 1) + sum(_max_backoff_seconds(n) for n in range(1, retries + 1))


def _max_backoff_seconds(retry: int) -> float:
    # stripe-python's HTTPClient._sleep_time_seconds, before its jitter (which only shortens).
    delay = min(stripe.HTTPClient.INITIAL_DELAY * 2 ** (retry - 1), stripe.HTTPClient.MAX_DELAY)
    return max(stripe.HTTPClient.INITIAL_DELAY, delay)


def client_for(account: StripeAccount) -> stripe.StripeClient:
    """A client for the account, built from the settings in force now (cached per value)."""
    return _client(
        account.secret_key,
        app_settings.STRIPE_API_BASE,
        float(app_settings.STRIPE_TIMEOUT_SECONDS),
        int(app_settings.STRIPE_MAX_NETWORK_RETRIES),
    )


# Names stripe-python's `raw_request` takes as request options (or its own switches)
# rather than as API parameters; none of the store's requests has a parameter so named.
_NOT_PARAMETERS = frozenset(
    {
        "api_key",
        "stripe_version",
        "stripe_account",
        "stripe_context",
        "max_network_retries",
        "idempotency_key",
        "content_type",
        "headers",
        "base",
        "usage",
    }
)


def _path(*parts: str) -> str:
    """An API path with each id quoted, as stripe-python's own services quote them."""
    return "/".join(quote(part, safe="") if index else part for index, part in enumerate(parts))


def _call(
    account: StripeAccount,
    action: str,
    method: str,
    path: str,
    params: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """One request to Stripe's API, its JSON answer as plain dicts and lists.

    Sent with `raw_request`: the same client, retries, headers and errors as the typed
    services (`client.v1...`), but the answer is parsed once instead of being turned
    into `StripeObject`s and back into dicts (`to_dict`), which cost a buy about 1 ms of
    CPU for one Checkout Session on the machine the benchmark ran on.
    """
    params = params or {}
    clash = _NOT_PARAMETERS.intersection(params)
    if clash:
        raise ValueError(f"Stripe {action}: parameters {sorted(clash)} would be read as options.")
    options = {"idempotency_key": idempotency_key} if idempotency_key else {}
    try:
        response = client_for(account).raw_request(method, path, **params, **options)
        # `response.data` is the same JSON already parsed, but into OrderedDicts; plain
        # dicts cost one more parse of the body (about 25 µs against the 1 ms saved).
        return json.loads(response.body)
    except stripe.APIConnectionError as error:
        _log(account, action, error, logging.WARNING)
        raise GatewayUnavailable(str(error), request_id=error.request_id) from error
    except stripe.RateLimitError as error:
        _log(account, action, error, logging.WARNING)
        raise GatewayBusy(str(error), request_id=error.request_id) from error
    except stripe.StripeError as error:
        # 5xx is Stripe's trouble; a 4xx here means we built a bad request: log it louder.
        server_side = (error.http_status or 0) >= 500
        _log(account, action, error, logging.WARNING if server_side else logging.ERROR)
        raise GatewayError(str(error), request_id=error.request_id) from error


def _log(account: StripeAccount, action: str, error: stripe.StripeError, level: int) -> None:
    logger.log(
        level,
        "Stripe %s failed for account %s: %s (status %s, request id %s)",
        action,
        account.label,
        error.user_message or type(error).__name__,
        error.http_status,
        error.request_id,
    )


def create_checkout_session(
    account: StripeAccount, params: dict[str, Any], idempotency_key: str
) -> dict[str, Any]:
    return _call(
        account,
        "checkout.sessions.create",
        "post",
        "/v1/checkout/sessions",
        params,
        idempotency_key,
    )


def create_coupon(
    account: StripeAccount, params: dict[str, Any], idempotency_key: str
) -> dict[str, Any]:
    return _call(account, "coupons.create", "post", "/v1/coupons", params, idempotency_key)


def create_tax_rate(
    account: StripeAccount, params: dict[str, Any], idempotency_key: str
) -> dict[str, Any]:
    return _call(account, "tax_rates.create", "post", "/v1/tax_rates", params, idempotency_key)


def retrieve_checkout_session(account: StripeAccount, session_id: str) -> dict[str, Any]:
    return _call(
        account,
        "checkout.sessions.retrieve",
        "get",
        _path("/v1/checkout/sessions", session_id),
    )


def expire_checkout_session(account: StripeAccount, session_id: str) -> dict[str, Any]:
    """Close an open session so nobody can pay it any more; Stripe refuses closed ones."""
    return _call(
        account,
        "checkout.sessions.expire",
        "post",
        _path("/v1/checkout/sessions", session_id, "expire"),
    )


def list_open_checkout_sessions(
    account: StripeAccount, *, limit: int, starting_after: str | None = None
) -> dict[str, Any]:
    """One page (at most `limit`) of the account's open sessions, newest first."""
    params: dict[str, Any] = {"status": "open", "limit": limit}
    if starting_after:
        params["starting_after"] = starting_after
    return _call(account, "checkout.sessions.list", "get", "/v1/checkout/sessions", params)


def create_payment_intent(
    account: StripeAccount, params: dict[str, Any], idempotency_key: str
) -> dict[str, Any]:
    return _call(
        account, "payment_intents.create", "post", "/v1/payment_intents", params, idempotency_key
    )


def retrieve_payment_intent(account: StripeAccount, intent_id: str) -> dict[str, Any]:
    return _call(
        account, "payment_intents.retrieve", "get", _path("/v1/payment_intents", intent_id)
    )


def cancel_payment_intent(account: StripeAccount, intent_id: str) -> dict[str, Any]:
    """Make an intent nobody should pay any more unpayable (Stripe refuses paid ones)."""
    return _call(
        account,
        "payment_intents.cancel",
        "post",
        _path("/v1/payment_intents", intent_id, "cancel"),
        {"cancellation_reason": "abandoned"},
    )


def update_payment_intent_amount(
    account: StripeAccount, intent_id: str, amount: int, idempotency_key: str
) -> dict[str, Any]:
    """Change an unconfirmed intent's amount (Stripe refuses once it is confirmed)."""
    return _call(
        account,
        "payment_intents.update",
        "post",
        _path("/v1/payment_intents", intent_id),
        {"amount": amount},
        idempotency_key,
    )


def create_refund(
    account: StripeAccount,
    payment_intent_id: str,
    *,
    amount: int,
    reason: str,
    metadata: dict[str, str],
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """Refund `amount` of a payment. The idempotency key (by default derived from the
    payment intent, for the one refund of a duplicate payment; one per refund for partial
    refunds) makes Stripe refund once however often a due refund is retried."""
    params: dict[str, Any] = {
        "payment_intent": payment_intent_id,
        "amount": amount,
        "reason": reason,
        "metadata": metadata,
    }
    return _call(
        account,
        "refunds.create",
        "post",
        "/v1/refunds",
        params,
        idempotency_key or f"refund-{payment_intent_id}",
    )


def verify_webhook(payload: bytes, signature_header: str) -> tuple[StripeAccount, dict[str, Any]]:
    """The account whose webhook secret signed `payload`, and the event it carries.

    Each configured secret is tried; the first that verifies names the account the
    event belongs to. Timestamps older than Stripe's 300 s tolerance are refused.
    """
    if not signature_header:
        raise InvalidSignature("Missing Stripe-Signature header.")
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidSignature("Payload is not UTF-8.") from error
    for account in configured_accounts():
        if not account.webhook_secret:
            continue
        try:
            stripe.WebhookSignature.verify_header(
                text, signature_header, account.webhook_secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
            )
        except stripe.SignatureVerificationError:
            continue
        try:
            event = json.loads(payload)
        except ValueError as error:
            raise InvalidSignature("Payload is not JSON.") from error
        if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
            raise InvalidSignature("Payload is not a Stripe event.")
        return account, event
    raise InvalidSignature("No webhook secret verifies this signature.")


__all__ = [
    "InvalidSignature",
    "PaymentError",
    "cancel_payment_intent",
    "client_for",
    "create_checkout_session",
    "create_coupon",
    "create_payment_intent",
    "create_refund",
    "create_tax_rate",
    "expire_checkout_session",
    "list_open_checkout_sessions",
    "operation_deadline_seconds",
    "retrieve_checkout_session",
    "retrieve_payment_intent",
    "update_payment_intent_amount",
    "verify_webhook",
]
