"""System checks: the site's setup and payment configuration are refused or warned about at
startup, not discovered by a shopper or an editor."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.apps import apps
from django.core import checks

from . import conf, money
from .conf import app_settings
from .payments import gateway
from .payments.accounts import configured_accounts, currencies_without_account

# Apps the app builds on that a site made with `wagtail start` does not install: the shop's
# settings (ShopSettings) are a Wagtail site setting, and without wagtail.contrib.settings
# the admin fails to build its menu, on every admin page.
REQUIRED_APPS = ("wagtail.contrib.settings",)


@checks.register()
def required_apps_are_installed(app_configs: Any = None, **kwargs: Any) -> list:
    """Name a missing app the admin needs at startup, rather than as an admin error."""
    return [
        checks.Error(
            f"commerce needs {name!r} in INSTALLED_APPS.",
            hint="Add it: the Shop settings are a Wagtail site setting.",
            id="commerce.E021",
        )
        for name in REQUIRED_APPS
        if not apps.is_installed(name)
    ]


@checks.register()
def settings_hold_usable_values(app_configs: Any = None, **kwargs: Any) -> list:
    """Each commerce setting the site set must be a value the app can use (commerce/conf.py
    says what each accepts): a wrong type or a value out of range is refused at startup,
    not met by the first shopper whose request reads it."""
    return [
        checks.Error(
            f"{name} {problem}.",
            hint=f"commerce/conf.py documents {name}; remove it to use the default.",
            id="commerce.E020",
        )
        for name, problem in conf.problems()
    ]


def _usable(*names: str) -> bool:
    """Whether these settings hold values the app can use. A check that computes with them
    leaves an unusable one to commerce.E020 rather than failing on it."""
    return not {name for name, _ in conf.problems()} & set(names)


@checks.register()
def stripe_accounts_cover_currencies(app_configs: Any = None, **kwargs: Any) -> list:
    if not _usable("STRIPE_ACCOUNTS"):
        return []
    if not configured_accounts():
        return [
            checks.Warning(
                "No Stripe account is configured: buying answers 503.",
                hint="Set STRIPE_ACCOUNTS (see commerce/conf.py), by hand or from "
                "STRIPE_SECRET_KEY[_CUR] variables with accounts_from_environment.",
                id="commerce.W001",
            )
        ]
    missing = currencies_without_account(list(money.CURRENCIES))
    if missing:
        return [
            checks.Warning(
                f"No Stripe account serves {', '.join(missing)}: items priced in these "
                "currencies cannot be bought (buying answers 503).",
                hint="Set STRIPE_SECRET_KEY for a default account, or STRIPE_SECRET_KEY_<CUR> "
                "for each currency.",
                id="commerce.W002",
            )
        ]
    return []


# What a request needs besides its one Stripe operation: the database, rendering, the network.
REQUEST_HEADROOM_SECONDS = 5


@checks.register()
def stripe_deadline_fits_worker_timeout(app_configs: Any = None, **kwargs: Any) -> list:
    """A Stripe operation that outlives the server's worker timeout gets the worker
    killed mid-payment: the shopper sees the server's own error page and the order is
    left without its session. Refuse such a configuration before serving."""
    if not _usable("GUNICORN_TIMEOUT", "STRIPE_TIMEOUT_SECONDS", "STRIPE_MAX_NETWORK_RETRIES"):
        return []
    worker_timeout = app_settings.GUNICORN_TIMEOUT
    if not worker_timeout:
        return []
    deadline = gateway.operation_deadline_seconds()
    if deadline + REQUEST_HEADROOM_SECONDS <= float(worker_timeout):
        return []
    return [
        checks.Error(
            f"A Stripe operation may take {deadline:g} s (STRIPE_TIMEOUT_SECONDS × "
            f"(STRIPE_MAX_NETWORK_RETRIES + 1) + stripe-python's retry backoff); with "
            f"{REQUEST_HEADROOM_SECONDS} s for the rest of the request that exceeds the "
            f"worker timeout GUNICORN_TIMEOUT={worker_timeout:g} s.",
            hint="Lower STRIPE_TIMEOUT_SECONDS or STRIPE_MAX_NETWORK_RETRIES, or raise "
            "GUNICORN_TIMEOUT.",
            id="commerce.E001",
        )
    ]


@checks.register()
def webhook_secrets_name_one_account(app_configs: Any = None, **kwargs: Any) -> list:
    """A webhook is attributed to the first account whose secret verifies it, so two
    accounts sharing a secret make every event of the second look like the first's
    (and be refused as an account mismatch)."""
    if not _usable("STRIPE_ACCOUNTS"):
        return []
    by_secret: dict[str, list[str]] = defaultdict(list)
    for account in configured_accounts():
        if account.webhook_secret:
            by_secret[account.webhook_secret].append(account.label)
    shared = [labels for labels in by_secret.values() if len(labels) > 1]
    return [
        checks.Error(
            f"Stripe accounts {', '.join(labels)} share one webhook secret: their events "
            "cannot be told apart.",
            hint="Give each account the signing secret of its own webhook endpoint "
            "(STRIPE_WEBHOOK_SECRET[_CUR]).",
            id="commerce.E002",
        )
        for labels in shared
    ]
