"""System checks: the payment configuration is refused or warned about at startup, not
discovered by a shopper."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.conf import settings
from django.core import checks

from . import money
from .payments import gateway
from .payments.accounts import configured_accounts, currencies_without_account


@checks.register()
def stripe_accounts_cover_currencies(app_configs: Any = None, **kwargs: Any) -> list:
    if not configured_accounts():
        return [
            checks.Warning(
                "No Stripe account is configured: buying answers 503.",
                hint="Set STRIPE_SECRET_KEY (and the publishable key and webhook secret), "
                "see envs/.env.dist.",
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
    worker_timeout = getattr(settings, "GUNICORN_TIMEOUT", None)
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
