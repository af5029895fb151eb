"""API keys: ``sk_test_<name>`` / ``pk_test_<name>`` select account ``<name>``.

Naming accounts by key lets one emulator stand in for several Stripe accounts at once (for
example one per currency), each with its own isolated objects, just as separate keys would.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from stripe_emulator.errors import StripeError

_KEY = re.compile(r"^(sk|rk|pk)_test_([A-Za-z0-9_]+)$")

NO_KEY_MESSAGE = (
    "You did not provide an API key. You need to provide your API key in the Authorization "
    "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See "
    "https://stripe.com/docs/api#authentication for details, or we can help at "
    "https://support.stripe.com/."
)
PUBLISHABLE_KEY_MESSAGE = (
    "This API call cannot be made with a publishable API key. Please use a secret API key. "
    "You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys."
)


@dataclass(frozen=True)
class Caller:
    """Who is calling: the account and whether the key is publishable."""

    account: str
    publishable: bool


def _unauthorized(message: str) -> StripeError:
    return StripeError(
        message, status=401, headers={"WWW-Authenticate": 'Basic realm="Stripe"'}, cacheable=False
    )


def _redacted(key: str) -> str:
    return key[:8] + "*" * max(len(key) - 12, 0) + key[-4:] if len(key) > 12 else key


def key_from_header(authorization: str | None) -> str | None:
    """The API key in a Bearer or Basic ``Authorization`` header, if any."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return decoded.partition(":")[0] or None
    return ""


def authenticate(authorization: str | None) -> Caller:
    """Identify the caller, or raise Stripe's 401."""
    key = key_from_header(authorization)
    if key is None:
        raise _unauthorized(NO_KEY_MESSAGE)
    found = _KEY.match(key)
    if not found:
        raise _unauthorized(f"Invalid API Key provided: {_redacted(key)}")
    return Caller(account=found.group(2), publishable=found.group(1) == "pk")


def refuse_publishable() -> StripeError:
    """Stripe's answer when a publishable key is used for a secret-key operation."""
    return _unauthorized(PUBLISHABLE_KEY_MESSAGE)
