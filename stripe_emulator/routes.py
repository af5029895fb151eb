"""The API surface: which handler, params class and supported parameters serve each URL.

Each route names the parameters the emulator implements (:data:`SUPPORTED`); anything else,
even a parameter Stripe knows, is refused as unknown rather than accepted and ignored.
"""

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
from stripe_emulator.params import Table, parameter_table

Handler = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Route:
    """One API operation.

    ``path`` is the documented form (``/v1/payment_intents/{intent}``: the placeholder is the
    name Stripe gives the id in errors); ``supported`` the parameters the emulator implements;
    ``publishable`` marks what Stripe.js may do with a publishable key; ``also_allowed`` names
    parameters the server-side params class lacks but Stripe accepts there.
    """

    method: str
    path: str
    pattern: re.Pattern[str]
    handler: Handler
    schema: type
    supported: Table
    path_param: str | None = None
    publishable: bool = False
    also_allowed: frozenset[str] = frozenset()


_LIST = ("limit", "starting_after", "ending_before", "created", "expand")


def _route(
    method: str, path: str, handler: Handler, schema: type, supported: Table, **options: Any
) -> Route:
    """A route; the path's placeholder is passed to the handler as its only keyword."""
    names = re.findall(r"\{(\w+)\}", path)
    regex = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "$"
    path_param = names[0] if names else None
    return Route(method, path, re.compile(regex), handler, schema, supported, path_param, **options)


SUPPORTED = {
    "checkout.sessions.create": parameter_table(
        "mode", "ui_mode", "automatic_tax.enabled", "success_url", "cancel_url",
        "client_reference_id", "customer", "customer_email", "metadata", "expires_at",
        "locale", "submit_type", "billing_address_collection", "expand",
        "line_items.price", "line_items.quantity", "line_items.tax_rates",
        "line_items.metadata", "line_items.price_data.currency",
        "line_items.price_data.unit_amount", "line_items.price_data.unit_amount_decimal",
        "line_items.price_data.tax_behavior", "line_items.price_data.recurring",
        "line_items.price_data.product", "line_items.price_data.product_data.name",
        "line_items.price_data.product_data.description",
        "line_items.price_data.product_data.images",
        "line_items.price_data.product_data.metadata",
        "line_items.price_data.product_data.tax_code",
        "discounts.coupon", "payment_intent_data.metadata", "payment_intent_data.description",
    ),
    "checkout.sessions.list": parameter_table(*_LIST, "payment_intent", "status"),
    "checkout.sessions.retrieve": parameter_table("expand"),
    # Stripe takes no ``created`` filter for a session's line items.
    "checkout.sessions.line_items": parameter_table(
        "limit", "starting_after", "ending_before", "expand"
    ),
    "checkout.sessions.expire": parameter_table("expand"),
    "coupons.create": parameter_table(
        "id", "percent_off", "amount_off", "currency", "duration", "duration_in_months",
        "name", "metadata", "expand",
    ),
    "coupons.list": parameter_table(*_LIST),
    "coupons.retrieve": parameter_table("expand"),
    "coupons.delete": parameter_table(),
    "tax_rates.create": parameter_table(
        "display_name", "percentage", "inclusive", "jurisdiction", "country", "state",
        "description", "active", "tax_type", "metadata", "expand",
    ),
    "tax_rates.list": parameter_table(*_LIST, "active", "inclusive"),
    "tax_rates.retrieve": parameter_table("expand"),
    "payment_intents.create": parameter_table(
        "amount", "currency", "automatic_payment_methods.enabled",
        "automatic_payment_methods.allow_redirects", "capture_method", "confirm", "customer",
        "description", "metadata", "payment_method", "receipt_email", "return_url", "expand",
    ),
    "payment_intents.list": parameter_table(*_LIST),
    "payment_intents.retrieve": parameter_table("expand"),
    "payment_intents.update": parameter_table(
        "amount", "currency", "description", "metadata", "payment_method", "receipt_email",
        "expand",
    ),
    "payment_intents.confirm": parameter_table(
        "payment_method", "receipt_email", "return_url", "expand"
    ),
    "payment_intents.capture": parameter_table("amount_to_capture", "expand"),
    "payment_intents.cancel": parameter_table("cancellation_reason", "expand"),
    "payment_methods.create": parameter_table(
        "type", "card.number", "card.exp_month", "card.exp_year", "card.cvc",
        "billing_details.address", "billing_details.email", "billing_details.name",
        "billing_details.phone", "expand",
    ),
    "payment_methods.retrieve": parameter_table("expand"),
    "charges.retrieve": parameter_table("expand"),
    "refunds.create": parameter_table(
        "payment_intent", "charge", "amount", "reason", "metadata", "expand"
    ),
    "refunds.list": parameter_table(*_LIST, "payment_intent", "charge"),
    "refunds.retrieve": parameter_table("expand"),
    "events.list": parameter_table(*_LIST, "type", "types"),
    "events.retrieve": parameter_table("expand"),
}  # fmt: skip


ROUTES = (
    _route(
        "POST",
        "/v1/checkout/sessions",
        checkout.create,
        checkout_params.SessionCreateParams,
        SUPPORTED["checkout.sessions.create"],
    ),
    _route(
        "GET",
        "/v1/checkout/sessions",
        checkout.list_all,
        checkout_params.SessionListParams,
        SUPPORTED["checkout.sessions.list"],
    ),
    _route(
        "GET",
        "/v1/checkout/sessions/{session}",
        checkout.retrieve,
        checkout_params.SessionRetrieveParams,
        SUPPORTED["checkout.sessions.retrieve"],
    ),
    _route(
        "GET",
        "/v1/checkout/sessions/{session}/line_items",
        checkout.list_line_items,
        checkout_params.SessionListLineItemsParams,
        SUPPORTED["checkout.sessions.line_items"],
    ),
    _route(
        "POST",
        "/v1/checkout/sessions/{session}/expire",
        checkout.expire,
        checkout_params.SessionExpireParams,
        SUPPORTED["checkout.sessions.expire"],
    ),
    _route(
        "POST", "/v1/coupons", coupons.create, p.CouponCreateParams, SUPPORTED["coupons.create"]
    ),
    _route("GET", "/v1/coupons", coupons.list_all, p.CouponListParams, SUPPORTED["coupons.list"]),
    _route(
        "GET",
        "/v1/coupons/{coupon}",
        coupons.retrieve,
        p.CouponRetrieveParams,
        SUPPORTED["coupons.retrieve"],
    ),
    _route(
        "DELETE",
        "/v1/coupons/{coupon}",
        coupons.delete,
        p.CouponDeleteParams,
        SUPPORTED["coupons.delete"],
    ),
    _route(
        "POST",
        "/v1/tax_rates",
        tax_rates.create,
        p.TaxRateCreateParams,
        SUPPORTED["tax_rates.create"],
    ),
    _route(
        "GET",
        "/v1/tax_rates",
        tax_rates.list_all,
        p.TaxRateListParams,
        SUPPORTED["tax_rates.list"],
    ),
    _route(
        "GET",
        "/v1/tax_rates/{tax_rate}",
        tax_rates.retrieve,
        p.TaxRateRetrieveParams,
        SUPPORTED["tax_rates.retrieve"],
    ),
    _route(
        "POST",
        "/v1/payment_intents",
        payment_intents.create,
        p.PaymentIntentCreateParams,
        SUPPORTED["payment_intents.create"],
    ),
    _route(
        "GET",
        "/v1/payment_intents",
        payment_intents.list_all,
        p.PaymentIntentListParams,
        SUPPORTED["payment_intents.list"],
    ),
    _route(
        "GET",
        "/v1/payment_intents/{intent}",
        payment_intents.retrieve,
        p.PaymentIntentRetrieveParams,
        SUPPORTED["payment_intents.retrieve"],
        publishable=True,
        also_allowed=frozenset({"client_secret"}),
    ),
    _route(
        "POST",
        "/v1/payment_intents/{intent}",
        payment_intents.update,
        p.PaymentIntentUpdateParams,
        SUPPORTED["payment_intents.update"],
    ),
    _route(
        "POST",
        "/v1/payment_intents/{intent}/confirm",
        payment_intents.confirm,
        p.PaymentIntentConfirmParams,
        SUPPORTED["payment_intents.confirm"],
        publishable=True,
        also_allowed=frozenset({"client_secret"}),
    ),
    _route(
        "POST",
        "/v1/payment_intents/{intent}/capture",
        payment_intents.capture,
        p.PaymentIntentCaptureParams,
        SUPPORTED["payment_intents.capture"],
    ),
    _route(
        "POST",
        "/v1/payment_intents/{intent}/cancel",
        payment_intents.cancel,
        p.PaymentIntentCancelParams,
        SUPPORTED["payment_intents.cancel"],
    ),
    _route(
        "POST",
        "/v1/payment_methods",
        payment_methods.create,
        p.PaymentMethodCreateParams,
        SUPPORTED["payment_methods.create"],
        publishable=True,
    ),
    _route(
        "GET",
        "/v1/payment_methods/{payment_method}",
        payment_methods.retrieve,
        p.PaymentMethodRetrieveParams,
        SUPPORTED["payment_methods.retrieve"],
    ),
    _route(
        "GET",
        "/v1/charges/{charge}",
        charges.retrieve,
        p.ChargeRetrieveParams,
        SUPPORTED["charges.retrieve"],
    ),
    _route(
        "POST", "/v1/refunds", refunds.create, p.RefundCreateParams, SUPPORTED["refunds.create"]
    ),
    _route("GET", "/v1/refunds", refunds.list_all, p.RefundListParams, SUPPORTED["refunds.list"]),
    _route(
        "GET",
        "/v1/refunds/{refund}",
        refunds.retrieve,
        p.RefundRetrieveParams,
        SUPPORTED["refunds.retrieve"],
    ),
    _route("GET", "/v1/events", events.list_all, p.EventListParams, SUPPORTED["events.list"]),
    _route(
        "GET",
        "/v1/events/{id}",
        events.retrieve,
        p.EventRetrieveParams,
        SUPPORTED["events.retrieve"],
    ),
)


def match(method: str, path: str) -> tuple[Route, str | None] | None:
    """The route for a request and the id captured from its path, if it has one."""
    for route in ROUTES:
        if route.method == method:
            found = route.pattern.match(path)
            if found:
                return route, found.group(route.path_param) if route.path_param else None
    return None
