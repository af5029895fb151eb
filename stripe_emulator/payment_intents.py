"""PaymentIntents: their statuses, the transitions Stripe allows, and card outcomes."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from stripe_emulator import cards, charges, payment_methods
from stripe_emulator.checks import (
    DESCRIPTION_MAX_LENGTH,
    check_email,
    check_length,
    unknown_customer,
)
from stripe_emulator.context import RequestContext
from stripe_emulator.currencies import check_charge_amount, check_currency
from stripe_emulator.errors import StripeError, invalid_param, missing_param, unexpected_state
from stripe_emulator.rendering import list_response, render
from stripe_emulator.store import new_id, public, random_token

REQUIRES_PAYMENT_METHOD = "requires_payment_method"
REQUIRES_CONFIRMATION = "requires_confirmation"
REQUIRES_ACTION = "requires_action"
REQUIRES_CAPTURE = "requires_capture"
PROCESSING = "processing"
SUCCEEDED = "succeeded"
CANCELED = "canceled"

CONFIRMABLE = (REQUIRES_PAYMENT_METHOD, REQUIRES_CONFIRMATION, REQUIRES_ACTION)
AMOUNT_UPDATABLE = (REQUIRES_PAYMENT_METHOD, REQUIRES_CONFIRMATION, REQUIRES_ACTION)
CANCELABLE = (REQUIRES_PAYMENT_METHOD, REQUIRES_CAPTURE, REQUIRES_CONFIRMATION, REQUIRES_ACTION)
CANCELLATION_REASONS = ("duplicate", "fraudulent", "requested_by_customer", "abandoned")
CAPTURE_METHODS = ("automatic", "automatic_async", "manual")
RETURN_URL_REQUIRED_MESSAGE = (
    "A `return_url` must be specified because this Payment Intent is configured to "
    "automatically accept the payment methods enabled in the Dashboard, some of which may "
    "require a full page redirect to succeed. If you do not want to accept redirect-based "
    "payment methods, set `automatic_payment_methods[enabled]` to `true` and "
    "`automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and "
    "Payment Intents."
)

#: The fields Stripe returns when a PaymentIntent is fetched with a publishable key.
PUBLISHABLE_FIELDS = (
    "id", "object", "amount", "amount_details", "automatic_payment_methods", "canceled_at",
    "cancellation_reason", "capture_method", "client_secret", "confirmation_method", "created",
    "currency", "description", "last_payment_error", "livemode", "next_action",
    "payment_method", "payment_method_types", "processing", "receipt_email",
    "setup_future_usage", "shipping",
    "source", "status",
)  # fmt: skip


def create(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """``POST /v1/payment_intents``; with ``confirm=true`` it is also confirmed at once."""
    currency = check_currency(params["currency"])
    amount = params["amount"]
    check_charge_amount(amount, currency)
    _check_texts(params)
    if params.get("return_url") and not params.get("confirm"):
        raise invalid_param("You can only pass in return_url when confirm is true.", "return_url")
    if "customer" in params:
        raise unknown_customer(params["customer"])
    automatic = params.get("automatic_payment_methods", {"enabled": True})
    automatic_payment_methods = {
        "allow_redirects": automatic.get("allow_redirects", "always"),
        "enabled": automatic.get("enabled", True),
    }
    if params.get("confirm"):
        _check_return_url(automatic_payment_methods, params)
    capture_method = params.get("capture_method", "automatic_async")
    if capture_method not in CAPTURE_METHODS:
        raise invalid_param(
            f"Invalid capture_method: must be one of {', '.join(CAPTURE_METHODS)}",
            "capture_method",
        )
    intent_id = new_id("pi")
    intent = new_intent(ctx, intent_id, amount, currency)
    intent.update(
        automatic_payment_methods=automatic_payment_methods,
        capture_method=capture_method,
        description=params.get("description"),
        metadata=params.get("metadata", {}),
        receipt_email=params.get("receipt_email"),
    )
    if params.get("payment_method"):
        method = payment_methods.resolve(ctx, params["payment_method"], "payment_method")
        intent["payment_method"] = method["id"]
        intent["status"] = REQUIRES_CONFIRMATION
    ctx.store.add(ctx.account, intent)
    ctx.emit("payment_intent.created", intent)
    if params.get("confirm"):
        _confirm(ctx, intent, params)
    return render(ctx, intent, params.get("expand", []))


def _check_texts(params: dict[str, Any]) -> None:
    if params.get("description"):
        check_length(params["description"], DESCRIPTION_MAX_LENGTH, "description")
    if params.get("receipt_email"):
        check_email(params["receipt_email"], "receipt_email")


def _check_return_url(automatic_payment_methods: dict[str, Any], params: dict[str, Any]) -> None:
    """Stripe wants a ``return_url`` on every confirm that may end in a redirect."""
    redirects = automatic_payment_methods["enabled"] and (
        automatic_payment_methods["allow_redirects"] != "never"
    )
    if redirects and not params.get("return_url"):
        raise invalid_param(RETURN_URL_REQUIRED_MESSAGE, "return_url")


def new_intent(ctx: RequestContext, intent_id: str, amount: int, currency: str) -> dict[str, Any]:
    """A PaymentIntent in its initial state (not yet stored)."""
    return {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "allowed_payment_method_types": None,
        "amount_received": 0,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": {"allow_redirects": "always", "enabled": True},
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": "automatic_async",
        "client_secret": f"{intent_id}_secret_{random_token(25)}",
        "confirmation_method": "automatic",
        "created": ctx.now(),
        "currency": currency,
        "customer": None,
        "customer_account": None,
        "description": None,
        "excluded_payment_method_types": None,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "managed_payments": None,
        "metadata": {},
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": {
            "card": {
                "installments": None,
                "mandate_options": None,
                "network": None,
                "request_three_d_secure": "automatic",
            }
        },
        "payment_method_types": ["card"],
        "payment_record": None,
        "processing": None,
        "receipt_email": None,
        "review": None,
        "setup_future_usage": None,
        "shipping": None,
        "source": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": REQUIRES_PAYMENT_METHOD,
        "transfer_data": None,
        "transfer_group": None,
        "_return_url": None,
    }


def _get(ctx: RequestContext, intent_id: str) -> dict[str, Any]:
    return ctx.store.get(ctx.account, intent_id, "payment_intent")


def _check_client_secret(
    ctx: RequestContext, intent: dict[str, Any], params: dict[str, Any]
) -> None:
    if not ctx.publishable:
        return
    secret = params.get("client_secret")
    if not secret:
        raise missing_param("client_secret")
    if secret != intent["client_secret"]:
        raise invalid_param(
            "The client_secret provided does not match the client_secret associated with "
            "the PaymentIntent.",
            "client_secret",
        )


def present(ctx: RequestContext, intent: dict[str, Any], expand: list[str]) -> dict[str, Any]:
    """The PaymentIntent as the caller may see it (publishable keys see a reduced view)."""
    if ctx.publishable:
        return {name: intent[name] for name in PUBLISHABLE_FIELDS}
    return render(ctx, intent, expand)


def retrieve(ctx: RequestContext, params: dict[str, Any], intent_id: str) -> dict[str, Any]:
    """``GET /v1/payment_intents/{id}`` (a publishable key must pass ``client_secret``)."""
    intent = _get(ctx, intent_id)
    _check_client_secret(ctx, intent, params)
    return present(ctx, intent, params.get("expand", []))


def update(ctx: RequestContext, params: dict[str, Any], intent_id: str) -> dict[str, Any]:
    """``POST /v1/payment_intents/{id}``: the amount may change only before confirmation."""
    intent = _get(ctx, intent_id)
    if ("amount" in params or "currency" in params) and intent["status"] not in AMOUNT_UPDATABLE:
        raise unexpected_state(
            f"This PaymentIntent's amount could not be updated because it has a status of "
            f"{intent['status']}. You may only update the amount of a PaymentIntent with one "
            f"of the following statuses: {', '.join(AMOUNT_UPDATABLE)}."
        )
    currency = check_currency(params.get("currency", intent["currency"]))
    amount = params.get("amount", intent["amount"])
    check_charge_amount(amount, currency)
    _check_texts(params)
    method = None
    if params.get("payment_method"):
        # Resolved before any change, so a refused update leaves the intent as it was.
        method = payment_methods.resolve(ctx, params["payment_method"], "payment_method")
    intent["amount"], intent["currency"] = amount, currency
    for name in ("description", "receipt_email"):
        if name in params:
            intent[name] = params[name] or None
    metadata = params.get("metadata", {})
    if "metadata" in params and not metadata:
        # Only `metadata=` (empty) decodes to an empty hash: Stripe clears every key.
        intent["metadata"] = {}
    for key, value in metadata.items():
        if value == "":
            intent["metadata"].pop(key, None)
        else:
            intent["metadata"][key] = value
    if method is not None:
        intent["payment_method"] = method["id"]
        if intent["status"] == REQUIRES_PAYMENT_METHOD:
            intent["status"] = REQUIRES_CONFIRMATION
    return render(ctx, intent, params.get("expand", []))


def confirm(ctx: RequestContext, params: dict[str, Any], intent_id: str) -> dict[str, Any]:
    """``POST /v1/payment_intents/{id}/confirm``: charge the payment method."""
    intent = _get(ctx, intent_id)
    _check_client_secret(ctx, intent, params)
    _confirm(ctx, intent, params)
    return present(ctx, intent, params.get("expand", []))


def _confirm(ctx: RequestContext, intent: dict[str, Any], params: dict[str, Any]) -> None:
    if intent["status"] == SUCCEEDED:
        raise unexpected_state(
            "You cannot confirm this PaymentIntent because it has already succeeded after "
            "being previously confirmed."
        )
    if intent["status"] not in CONFIRMABLE:
        raise unexpected_state(
            f"You cannot confirm this PaymentIntent because it has a status of "
            f"{intent['status']}. Only a PaymentIntent with one of the following statuses may "
            f"be confirmed: {', '.join(CONFIRMABLE)}."
        )
    method_id = params.get("payment_method") or intent["payment_method"]
    if not method_id:
        raise unexpected_state(
            "You cannot confirm this PaymentIntent because it's missing a payment method. "
            "You can either update the PaymentIntent with a payment method and then confirm "
            "it again, or confirm it again directly with a payment method."
        )
    _check_return_url(intent["automatic_payment_methods"], params)
    if params.get("receipt_email"):
        check_email(params["receipt_email"], "receipt_email")
    method = payment_methods.resolve(ctx, method_id, "payment_method")
    if params.get("return_url"):
        intent["_return_url"] = params["return_url"]
    if params.get("receipt_email"):
        intent["receipt_email"] = params["receipt_email"]
    attempt(ctx, intent, method)


def attempt(ctx: RequestContext, intent: dict[str, Any], method: dict[str, Any]) -> None:
    """Charge ``method`` for ``intent``: succeed, ask for 3-D Secure, or raise the decline."""
    intent["payment_method"] = method["id"]
    intent["last_payment_error"] = None
    card = cards.card_for(method["_card_number"])
    if card.outcome == cards.AUTHENTICATE:
        intent["status"] = REQUIRES_ACTION
        intent["next_action"] = {
            "type": "redirect_to_url",
            "redirect_to_url": {
                "return_url": intent["_return_url"],
                "url": f"{ctx.base_url}/3ds/{intent['id']}",
            },
        }
        ctx.emit("payment_intent.requires_action", intent)
        return
    if card.outcome == cards.SUCCEED:
        _succeed(ctx, intent, method)
        return
    charge = charges.create(ctx, intent, method, card)
    intent.update(
        status=REQUIRES_PAYMENT_METHOD,
        payment_method=None,
        next_action=None,
        latest_charge=charge["id"],
        last_payment_error={
            "charge": charge["id"],
            "code": card.code,
            "decline_code": card.decline_code,
            "doc_url": f"https://stripe.com/docs/error-codes/{card.code.replace('_', '-')}",
            "message": card.message,
            "payment_method": public(method),
            "type": "card_error",
        },
    )
    ctx.emit("payment_intent.payment_failed", intent)
    raise StripeError(
        card.message or "Your card was declined.",
        status=402,
        type="card_error",
        code=card.code,
        decline_code=card.decline_code,
        extra={
            "charge": charge["id"],
            "payment_intent": present(ctx, intent, []),
            "payment_method": public(method),
        },
    )


def _succeed(ctx: RequestContext, intent: dict[str, Any], method: dict[str, Any]) -> None:
    charge = charges.create(ctx, intent, method, None)
    if intent["capture_method"] == "manual":
        _authorize(ctx, intent, charge)
        return
    intent.update(
        status=SUCCEEDED,
        amount_received=intent["amount"],
        latest_charge=charge["id"],
        next_action=None,
        last_payment_error=None,
    )
    ctx.emit("payment_intent.succeeded", intent)


def _authorize(ctx: RequestContext, intent: dict[str, Any], charge: dict[str, Any]) -> None:
    """Hold the amount on the card until :func:`capture` (``capture_method=manual``)."""
    charge.update(captured=False, amount_captured=0, balance_transaction=None)
    intent.update(
        status=REQUIRES_CAPTURE,
        amount_capturable=intent["amount"],
        latest_charge=charge["id"],
        next_action=None,
        last_payment_error=None,
    )
    ctx.emit("payment_intent.amount_capturable_updated", intent)


def capture(ctx: RequestContext, params: dict[str, Any], intent_id: str) -> dict[str, Any]:
    """``POST /v1/payment_intents/{id}/capture``: take all or part of the held amount.

    As at Stripe, the part not captured is released and shows as refunded on the charge.
    """
    intent = _get(ctx, intent_id)
    if intent["status"] != REQUIRES_CAPTURE:
        raise unexpected_state(
            f"This PaymentIntent could not be captured because it has a status of "
            f"{intent['status']}. Only a PaymentIntent with one of the following statuses may "
            f"be captured: {REQUIRES_CAPTURE}."
        )
    capturable = intent["amount_capturable"]
    amount = params.get("amount_to_capture", capturable)
    if amount < 1:
        raise invalid_param("Invalid positive integer", "amount_to_capture")
    if amount > capturable:
        raise StripeError(
            f"The amount_to_capture ({amount}) cannot be greater than the amount_capturable "
            f"({capturable}) of this PaymentIntent.",
            code="amount_too_large",
            param="amount_to_capture",
            cacheable=False,
        )
    charge = ctx.store.get(ctx.account, intent["latest_charge"], "charge")
    charge.update(
        captured=True,
        amount_captured=amount,
        amount_refunded=charge["amount"] - amount,
        refunded=False,
        balance_transaction=new_id("txn"),
    )
    intent.update(status=SUCCEEDED, amount_capturable=0, amount_received=amount)
    ctx.emit("charge.captured", charge)
    ctx.emit("payment_intent.succeeded", intent)
    return render(ctx, intent, params.get("expand", []))


def finish_authentication(
    ctx: RequestContext, intent: dict[str, Any], approved: bool
) -> str | None:
    """Resolve a 3-D Secure challenge; return where to send the shopper next, if anywhere."""
    if intent["status"] == REQUIRES_ACTION:
        method = ctx.store.get(ctx.account, intent["payment_method"], "payment_method")
        if approved:
            _succeed(ctx, intent, method)
        else:
            intent.update(
                status=REQUIRES_PAYMENT_METHOD,
                payment_method=None,
                next_action=None,
                last_payment_error={
                    "code": "payment_intent_authentication_failure",
                    "doc_url": "https://stripe.com/docs/error-codes/"
                    "payment-intent-authentication-failure",
                    "message": cards.AUTHENTICATION_FAILED_MESSAGE,
                    "payment_method": public(method),
                    "type": "invalid_request_error",
                },
            )
            ctx.emit("payment_intent.payment_failed", intent)
    if not intent["_return_url"]:
        return None
    status = "succeeded" if intent["status"] == SUCCEEDED else "failed"
    return with_query(
        intent["_return_url"],
        payment_intent=intent["id"],
        payment_intent_client_secret=intent["client_secret"],
        redirect_status=status,
    )


def with_query(url: str, **extra: str) -> str:
    """``url`` with ``extra`` query parameters appended (existing ones are kept)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(extra.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def cancel(ctx: RequestContext, params: dict[str, Any], intent_id: str) -> dict[str, Any]:
    """``POST /v1/payment_intents/{id}/cancel``."""
    intent = _get(ctx, intent_id)
    if intent["status"] not in CANCELABLE:
        raise unexpected_state(
            f"You cannot cancel this PaymentIntent because it has a status of "
            f"{intent['status']}. Only a PaymentIntent with one of the following statuses may "
            f"be canceled: {', '.join(CANCELABLE)}, {PROCESSING}."
        )
    reason = params.get("cancellation_reason")
    if reason is not None and reason not in CANCELLATION_REASONS:
        raise invalid_param(
            f"Invalid cancellation_reason: must be one of {', '.join(CANCELLATION_REASONS)}",
            "cancellation_reason",
        )
    if intent["status"] == REQUIRES_CAPTURE:
        # Releasing the hold: the authorised charge shows the whole amount as refunded.
        charge = ctx.store.get(ctx.account, intent["latest_charge"], "charge")
        charge.update(amount_refunded=charge["amount"], refunded=True)
        intent["amount_capturable"] = 0
    intent.update(
        status=CANCELED, canceled_at=ctx.now(), cancellation_reason=reason, next_action=None
    )
    ctx.emit("payment_intent.canceled", intent)
    return render(ctx, intent, params.get("expand", []))


def list_all(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """``GET /v1/payment_intents``."""
    intents = ctx.store.of_kind(ctx.account, "payment_intent")
    return list_response(ctx, intents, "/v1/payment_intents", params)
