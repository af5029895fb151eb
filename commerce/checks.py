"""System checks: warn at startup when some currency cannot be paid in."""

from __future__ import annotations

from typing import Any

from django.core import checks

from . import money
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
