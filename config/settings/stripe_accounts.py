"""Read Stripe accounts from environment variables named by currency."""

from __future__ import annotations

import os
import re

import environ

_KEY_NAME = re.compile(r"^STRIPE_(SECRET_KEY|PUBLISHABLE_KEY|WEBHOOK_SECRET)(?:_([A-Z]{3}))?$")
_FIELDS = {
    "SECRET_KEY": "secret_key",
    "PUBLISHABLE_KEY": "publishable_key",
    "WEBHOOK_SECRET": "webhook_secret",
}


def collect_stripe_accounts(env: environ.Env) -> dict[str, dict[str, str]]:
    """`{"default": {...}, "EUR": {...}}` from STRIPE_SECRET_KEY[_CUR] and friends.

    An account is listed only if its secret key is set; empty values count as unset,
    so `.env.dist` can list the names with nothing in them.
    """
    accounts: dict[str, dict[str, str]] = {}
    for name in sorted(os.environ):
        match = _KEY_NAME.match(name)
        value = env.str(name, default="").strip()
        if not match or not value:
            continue
        field, currency = match.groups()
        accounts.setdefault(currency or "default", {})[_FIELDS[field]] = value
    return {label: fields for label, fields in accounts.items() if fields.get("secret_key")}
