"""Which Stripe account serves which currency.

The store may hold one Stripe account per currency (each with its own keys and webhook
secret) plus a default account for every currency without its own. The table lives in
`settings.STRIPE_ACCOUNTS` and is read on every call, never cached at import, so tests
and deployments can change it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from .exceptions import NoAccountForCurrency

DEFAULT_LABEL = "default"


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
    table = getattr(settings, "STRIPE_ACCOUNTS", {}) or {}
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
