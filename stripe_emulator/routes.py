"""The API surface: which handler and which stripe-python params class serve each URL."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import stripe.params as p
from stripe.params import checkout as checkout_params

from stripe_emulator import (
    charges,
    checkout,
    coupons,
    events,
    payment_intents,
    payment_methods,
    refunds,
    tax_rates,
)

Handler = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Route:
    """One API operation.

    ``publishable`` marks what Stripe.js may do with a publishable key; ``also_allowed`` names
    parameters the server-side params class lacks but Stripe accepts there.
    """

    method: str
    pattern: re.Pattern[str]
    handler: Handler
    schema: type
    publishable: bool = False
    also_allowed: frozenset[str] = frozenset()


def _route(method: str, path: str, handler: Handler, schema: type, **options: Any) -> Route:
    regex = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "$"
    return Route(method, re.compile(regex), handler, schema, **options)


ROUTES = (
    _route("POST", "/v1/checkout/sessions", checkout.create, checkout_params.SessionCreateParams),
    _route("GET", "/v1/checkout/sessions", checkout.list_all, checkout_params.SessionListParams),
    _route(
        "GET",
        "/v1/checkout/sessions/{session_id}",
        checkout.retrieve,
        checkout_params.SessionRetrieveParams,
    ),
    _route(
        "GET",
        "/v1/checkout/sessions/{session_id}/line_items",
        checkout.list_line_items,
        checkout_params.SessionListLineItemsParams,
    ),
    _route(
        "POST",
        "/v1/checkout/sessions/{session_id}/expire",
        checkout.expire,
        checkout_params.SessionExpireParams,
    ),
    _route("POST", "/v1/coupons", coupons.create, p.CouponCreateParams),
    _route("GET", "/v1/coupons", coupons.list_all, p.CouponListParams),
    _route("GET", "/v1/coupons/{coupon_id}", coupons.retrieve, p.CouponRetrieveParams),
    _route("DELETE", "/v1/coupons/{coupon_id}", coupons.delete, p.CouponDeleteParams),
    _route("POST", "/v1/tax_rates", tax_rates.create, p.TaxRateCreateParams),
    _route("GET", "/v1/tax_rates", tax_rates.list_all, p.TaxRateListParams),
    _route("GET", "/v1/tax_rates/{rate_id}", tax_rates.retrieve, p.TaxRateRetrieveParams),
    _route("POST", "/v1/payment_intents", payment_intents.create, p.PaymentIntentCreateParams),
    _route("GET", "/v1/payment_intents", payment_intents.list_all, p.PaymentIntentListParams),
    _route(
        "GET",
        "/v1/payment_intents/{intent_id}",
        payment_intents.retrieve,
        p.PaymentIntentRetrieveParams,
        publishable=True,
    ),
    _route(
        "POST",
        "/v1/payment_intents/{intent_id}",
        payment_intents.update,
        p.PaymentIntentUpdateParams,
    ),
    _route(
        "POST",
        "/v1/payment_intents/{intent_id}/confirm",
        payment_intents.confirm,
        p.PaymentIntentConfirmParams,
        publishable=True,
        also_allowed=frozenset({"client_secret"}),
    ),
    _route(
        "POST",
        "/v1/payment_intents/{intent_id}/cancel",
        payment_intents.cancel,
        p.PaymentIntentCancelParams,
    ),
    _route(
        "POST",
        "/v1/payment_methods",
        payment_methods.create,
        p.PaymentMethodCreateParams,
        publishable=True,
    ),
    _route(
        "GET",
        "/v1/payment_methods/{method_id}",
        payment_methods.retrieve,
        p.PaymentMethodRetrieveParams,
    ),
    _route("GET", "/v1/charges/{charge_id}", charges.retrieve, p.ChargeRetrieveParams),
    _route("POST", "/v1/refunds", refunds.create, p.RefundCreateParams),
    _route("GET", "/v1/refunds", refunds.list_all, p.RefundListParams),
    _route("GET", "/v1/refunds/{refund_id}", refunds.retrieve, p.RefundRetrieveParams),
    _route("GET", "/v1/events", events.list_all, p.EventListParams),
    _route("GET", "/v1/events/{event_id}", events.retrieve, p.EventRetrieveParams),
)


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route for a request and the ids captured from its path."""
    for route in ROUTES:
        if route.method == method:
            found = route.pattern.match(path)
            if found:
                return route, found.groupdict()
    return None
