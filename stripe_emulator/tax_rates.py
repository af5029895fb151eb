"""Tax rates that Checkout line items refer to, inclusive or exclusive."""

from __future__ import annotations

import re
from typing import Any

from stripe_emulator.context import RequestContext
from stripe_emulator.errors import invalid_param
from stripe_emulator.rendering import list_response, render
from stripe_emulator.store import new_id

#: ISO 3166-1 alpha-2, which is all Stripe takes for a country.
_COUNTRY = re.compile(r"[A-Za-z]{2}")


def create(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """``POST /v1/tax_rates``."""
    percentage = params["percentage"]
    if not 0 <= percentage <= 100:
        raise invalid_param("Invalid percentage: must be between 0 and 100", "percentage")
    country = params.get("country")
    if country is not None and not _COUNTRY.fullmatch(country):
        raise invalid_param(
            f"Country '{country}' is unknown. Try using a 2-character alphanumeric country code "
            "instead, such as 'US', 'EG', or 'GB'. A full list of country codes is available at "
            "https://www.iso.org/obp/ui/#search/code/",
            "country",
            "country_code_invalid",
        )
    rate = {
        "id": new_id("txr"),
        "object": "tax_rate",
        "active": params.get("active", True),
        "country": params.get("country"),
        "created": ctx.now(),
        "description": params.get("description"),
        "display_name": params["display_name"],
        "effective_percentage": float(percentage),
        "flat_amount": None,
        "inclusive": params["inclusive"],
        "jurisdiction": params.get("jurisdiction"),
        "jurisdiction_level": None,
        "livemode": False,
        "metadata": params.get("metadata", {}),
        "percentage": float(percentage),
        "rate_type": "percentage",
        "state": params.get("state"),
        "tax_type": params.get("tax_type"),
        "_percentage": percentage,
    }
    return render(ctx, ctx.store.add(ctx.account, rate), params.get("expand", []))


def retrieve(ctx: RequestContext, params: dict[str, Any], rate_id: str) -> dict[str, Any]:
    """``GET /v1/tax_rates/{id}``."""
    return render(ctx, ctx.store.get(ctx.account, rate_id, "tax_rate"), params.get("expand", []))


def list_all(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """``GET /v1/tax_rates``."""
    rates = ctx.store.of_kind(ctx.account, "tax_rate")
    if "active" in params:
        rates = [rate for rate in rates if rate["active"] == params["active"]]
    if "inclusive" in params:
        rates = [rate for rate in rates if rate["inclusive"] == params["inclusive"]]
    return list_response(ctx, rates, "/v1/tax_rates", params)
