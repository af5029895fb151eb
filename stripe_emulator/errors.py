"""Stripe-shaped API errors.

Every failure the emulator reports goes through :class:`StripeError` so that the JSON body and
HTTP status match what Stripe sends, which is what makes stripe-python raise the right
exception classes (``CardError``, ``InvalidRequestError``, ``AuthenticationError``...).
"""

from __future__ import annotations

from typing import Any

#: The error codes the emulator may answer with: all from Stripe's published list of error
#: codes (the ``code`` enum of stripe-python's ``PaymentIntent.LastPaymentError``), so client
#: code branching on a code can only ever see codes real Stripe sends.
ERROR_CODES = frozenset(
    {
        "amount_too_large",
        "amount_too_small",
        "card_declined",
        "charge_already_refunded",
        "country_code_invalid",
        "email_invalid",
        "expired_card",
        "incorrect_cvc",
        "incorrect_number",
        "invalid_charge_amount",
        "invalid_expiry_month",
        "invalid_expiry_year",
        "parameter_invalid_integer",
        "parameter_missing",
        "parameter_unknown",
        "payment_intent_authentication_failure",
        "payment_intent_unexpected_state",
        "processing_error",
        "rate_limit",
        "resource_already_exists",
        "resource_missing",
        "url_invalid",
    }
)


class StripeError(Exception):
    """An error answered to the client with Stripe's ``{"error": {...}}`` body."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        cacheable: bool = True,
    ) -> None:
        if code is not None and code not in ERROR_CODES:
            raise ValueError(f"{code!r} is not an error code the emulator may use")
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.extra = extra or {}
        self.headers = headers or {}
        # Stripe does not store idempotent results for requests rejected before they ran.
        self.cacheable = cacheable

    def body(self) -> dict[str, Any]:
        """Return the JSON body Stripe would send for this error."""
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        if self.decline_code:
            error["decline_code"] = self.decline_code
        error.update(self.extra)
        return {"error": error}


def invalid_param(message: str, param: str | None, code: str | None = None) -> StripeError:
    """A 400 for a parameter Stripe would reject before doing any work."""
    return StripeError(message, param=param, code=code, cacheable=False)


def unknown_param(param: str) -> StripeError:
    """Stripe's answer to a parameter the endpoint does not take (or the emulator does not
    implement: accepting and ignoring it would hide the difference)."""
    return invalid_param(f"Received unknown parameter: {param}", param, "parameter_unknown")


def missing_param(param: str) -> StripeError:
    """Stripe's answer when a required parameter is absent."""
    return invalid_param(f"Missing required param: {param}.", param, "parameter_missing")


def no_such(kind: str, object_id: str, param: str = "id") -> StripeError:
    """Stripe's 404 for an id that does not exist in the caller's account."""
    return StripeError(
        f"No such {kind}: '{object_id}'", status=404, code="resource_missing", param=param
    )


def unexpected_state(message: str) -> StripeError:
    """A 400 for an operation the object's current status does not allow."""
    return StripeError(message, code="payment_intent_unexpected_state")
