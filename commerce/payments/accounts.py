"""Which Stripe account serves which currency.

The store may hold one Stripe account per currency (each with its own keys and webhook
secret) plus a default account for every currency without its own. The table lives in
the setting `STRIPE_ACCOUNTS` (see `commerce.conf`) and is read on every call, never
cached at import, so tests and deployments can change it. A host site writes the table by
hand or builds it from environment variables with `accounts_from_environment`.

This module imports nothing of Django's app registry, so a settings module may import it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..conf import DEFAULT_ACCOUNT_LABEL, app_settings
from .exceptions import NoAccountForCurrency

DEFAULT_LABEL = DEFAULT_ACCOUNT_LABEL
# STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY, STRIPE_WEBHOOK_SECRET, each with an optional
# currency suffix (STRIPE_SECRET_KEY_EUR).
_VARIABLE = re.compile(r"^STRIPE_(SECRET_KEY|PUBLISHABLE_KEY|WEBHOOK_SECRET)(?:_([A-Z]{3}))?$")


@dataclass(frozen=True)
class StripeAccount:
    """One Stripe account's credentials. `label` is a currency code or "default"."""

    label: str
    secret_key: str
    publishable_key: str = ""
    webhook_secret: str = ""

    def __repr__(self) -> str:  # never print keys
        return f"StripeAccount({self.label!r})"


def configured_accounts() -> list[StripeAccount]:
    """Every configured account, the default first."""
    table = app_settings.STRIPE_ACCOUNTS or {}
    accounts = [
        StripeAccount(
            label=label,
            secret_key=fields.get("secret_key", ""),
            publishable_key=fields.get("publishable_key", ""),
            webhook_secret=fields.get("webhook_secret", ""),
        )
        for label, fields in table.items()
        if fields.get("secret_key")
    ]
    return sorted(accounts, key=lambda account: (account.label != DEFAULT_LABEL, account.label))


def account_for_currency(currency_code: str) -> StripeAccount:
    """The currency's own account, else the default one; an error if neither exists."""
    accounts = {account.label: account for account in configured_accounts()}
    account = accounts.get(currency_code.upper()) or accounts.get(DEFAULT_LABEL)
    if account is None:
        raise NoAccountForCurrency(currency_code.upper())
    return account


def label_for_currency(currency_code: str) -> str:
    """The label of the account that serves `currency_code`, or "" when none does: what an
    order in that currency expects its Stripe objects to come from."""
    try:
        return account_for_currency(currency_code).label
    except NoAccountForCurrency:
        return ""


def account_by_label(label: str) -> StripeAccount | None:
    """The account an order was paid with, looked up again by its stored label."""
    for account in configured_accounts():
        if account.label == label:
            return account
    return None


def currencies_without_account(currency_codes: list[str]) -> list[str]:
    """Of `currency_codes`, those no configured account can serve."""
    labels = {account.label for account in configured_accounts()}
    if DEFAULT_LABEL in labels:
        return []
    return [code for code in currency_codes if code.upper() not in labels]


def accounts_from_environment(environ: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """The `STRIPE_ACCOUNTS` table that variables named by currency describe:
    `{"default": {...}, "EUR": {...}}` from STRIPE_SECRET_KEY[_CUR], STRIPE_PUBLISHABLE_KEY
    [_CUR] and STRIPE_WEBHOOK_SECRET[_CUR].

    Meant for a settings module: `STRIPE_ACCOUNTS = accounts_from_environment(os.environ)`.
    An account is listed only when its secret key is set; empty values count as unset,
    so a file of documented defaults can list the names with nothing in them.
    """
    accounts: dict[str, dict[str, str]] = {}
    for name in sorted(environ):
        match = _VARIABLE.match(name)
        value = environ[name].strip()
        if not match or not value:
            continue
        kind, currency = match.groups()
        # SECRET_KEY -> secret_key: the variable names the account's field.
        accounts.setdefault(currency or DEFAULT_LABEL, {})[kind.lower()] = value
    return {label: fields for label, fields in accounts.items() if fields.get("secret_key")}
