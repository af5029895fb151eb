"""Checkout Sessions: creation with validated line items, totals, expiry and completion."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from stripe_emulator import totals
from stripe_emulator.checks import (
    DESCRIPTION_MAX_LENGTH,
    check_email,
    check_length,
    unknown_customer,
)
from stripe_emulator.context import RequestContext
from stripe_emulator.currencies import (
    MINIMUM_CHARGE,
    THREE_DECIMAL,
    check_currency,
    check_maximum,
    format_amount,
)
from stripe_emulator.errors import StripeError, invalid_param, missing_param, no_such
from stripe_emulator.rendering import VIRTUAL_FIELDS, list_response, render
from stripe_emulator.store import Store, new_id, public, random_token

MIN_LIFETIME_SECONDS = 30 * 60
MAX_LIFETIME_SECONDS = 24 * 60 * 60
OPEN, COMPLETE, EXPIRED = "open", "complete", "expired"


def create(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """``POST /v1/checkout/sessions`` (``mode=payment`` with ``price_data`` line items)."""
    _check_supported(params)
    now = ctx.now()
    line_specs = params.get("line_items") or []
    if not line_specs:
        raise invalid_param("`line_items` is required in `payment` mode.", "line_items")
    currency = _session_currency(line_specs)
    coupon = _coupon(ctx, params.get("discounts") or [], currency)
    priced = [_price_line(ctx, spec, index, now) for index, spec in enumerate(line_specs)]
    discount = None
    if coupon is not None:
        percent = coupon["percent_off"]
        discount = totals.Discount(
            percent_off=Decimal(str(percent)) if percent is not None else None,
            amount_off=coupon["amount_off"],
        )
    computed = totals.compute([line for line, _, _ in priced], discount)
    _check_minimum(computed.total, currency)
    expires_at = _expires_at(params, now)
    session_id = f"cs_test_{random_token(58)}"
    items = [
        _line_item(ctx, session_id, currency, spec, rates, line_totals, coupon, now)
        for (_, spec, rates), line_totals in zip(priced, computed.lines, strict=True)
    ]
    intent_data = params.get("payment_intent_data") or {}
    session = {
        "id": session_id,
        "object": "checkout.session",
        "adaptive_pricing": {"enabled": False},
        "after_expiration": None,
        "allow_promotion_codes": None,
        "allowed_payment_method_types": None,
        "amount_subtotal": computed.subtotal,
        "amount_total": computed.total,
        "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
        "billing_address_collection": params.get("billing_address_collection"),
        "cancel_url": params.get("cancel_url"),
        "client_reference_id": params.get("client_reference_id"),
        "client_secret": None,
        "collected_information": None,
        "consent": None,
        "consent_collection": None,
        "created": now,
        "currency": currency,
        "currency_conversion": None,
        "custom_fields": [],
        "custom_text": {
            "after_submit": None,
            "shipping_address": None,
            "submit": None,
            "terms_of_service_acceptance": None,
        },
        "customer": None,
        "customer_account": None,
        "customer_creation": "if_required",
        "customer_details": None,
        "customer_email": params.get("customer_email"),
        "discounts": [{"coupon": coupon["id"], "promotion_code": None}] if coupon else [],
        "expires_at": expires_at,
        "integration_identifier": None,
        "invoice": None,
        "invoice_creation": {
            "enabled": False,
            "invoice_data": {
                "account_tax_ids": None,
                "custom_fields": None,
                "description": None,
                "footer": None,
                "issuer": None,
                "metadata": {},
                "rendering_options": None,
            },
        },
        "livemode": False,
        "locale": params.get("locale"),
        "managed_payments": None,
        "metadata": params.get("metadata", {}),
        "mode": "payment",
        "origin_context": None,
        "payment_intent": None,
        "payment_link": None,
        "payment_method_collection": "if_required",
        "payment_method_configuration_details": None,
        "payment_method_options": {"card": {"request_three_d_secure": "automatic"}},
        "payment_method_types": ["card"],
        "payment_status": "unpaid",
        "permissions": None,
        "phone_number_collection": {"enabled": False},
        "recovered_from": None,
        "saved_payment_method_options": None,
        "setup_intent": None,
        "shipping_address_collection": None,
        "shipping_cost": None,
        "shipping_options": [],
        "status": OPEN,
        "submit_type": params.get("submit_type"),
        "subscription": None,
        "success_url": params.get("success_url"),
        "total_details": {
            "amount_discount": computed.discount,
            "amount_shipping": 0,
            "amount_tax": computed.tax,
        },
        "ui_mode": "hosted_page",
        "url": f"{ctx.base_url}/c/pay/{session_id}",
        "wallet_options": None,
        "_items": [item["id"] for item in items],
        "_coupon": coupon,
        "_breakdown": _breakdown(coupon, computed, items),
        "_payment_intent": None,
        "_intent_metadata": intent_data.get("metadata", {}),
        "_intent_description": intent_data.get("description"),
    }
    ctx.store.add(ctx.account, session)
    return render(ctx, session, params.get("expand", []))


def _check_supported(params: dict[str, Any]) -> None:
    mode = params.get("mode")
    if mode is None:
        raise missing_param("mode")
    if mode != "payment":
        raise invalid_param("The emulator supports only `mode=payment` sessions.", "mode")
    if params.get("ui_mode", "hosted_page") != "hosted_page":
        raise invalid_param("The emulator supports only `ui_mode=hosted_page` sessions.", "ui_mode")
    if (params.get("automatic_tax") or {}).get("enabled"):
        raise invalid_param(
            "Automatic tax is not available: pass `tax_rates` on the line items instead.",
            "automatic_tax[enabled]",
        )
    for name in ("success_url", "cancel_url"):
        url = params.get(name)
        if url is not None and not url.startswith(("http://", "https://")):
            raise invalid_param("Not a valid URL", name, "url_invalid")
    if len(params.get("client_reference_id") or "") > 200:
        raise invalid_param(
            "client_reference_id must be at most 200 characters.", "client_reference_id"
        )
    if "customer" in params:
        raise unknown_customer(params["customer"])
    if params.get("customer_email"):
        check_email(params["customer_email"], "customer_email")
    description = (params.get("payment_intent_data") or {}).get("description")
    if description:
        check_length(description, DESCRIPTION_MAX_LENGTH, "payment_intent_data[description]")


def _session_currency(line_specs: list[dict[str, Any]]) -> str:
    currency = None
    for index, spec in enumerate(line_specs):
        if "price" in spec:
            raise no_such("price", spec["price"], f"line_items[{index}][price]")
        if "price_data" not in spec:
            raise missing_param(f"line_items[{index}][price_data]")
        param = f"line_items[{index}][price_data][currency]"
        line_currency = check_currency(spec["price_data"]["currency"], param)
        if currency is not None and line_currency != currency:
            raise invalid_param(
                "All line items must use the same currency: Checkout Sessions are paid in "
                f"one currency (got {currency} and {line_currency}).",
                param,
            )
        currency = line_currency
    if currency is None:
        raise missing_param("line_items")
    return currency


def _coupon(
    ctx: RequestContext, discounts: list[dict[str, Any]], currency: str
) -> dict[str, Any] | None:
    if not discounts:
        return None
    if len(discounts) > 1:
        raise invalid_param("You may only specify one discount.", "discounts")
    spec = discounts[0]
    if "coupon" not in spec:
        raise invalid_param("Only coupons are supported in `discounts`.", "discounts[0]")
    coupon = ctx.store.get(ctx.account, spec["coupon"], "coupon", "discounts[0][coupon]")
    if coupon["amount_off"] is not None and coupon["currency"] != currency:
        raise invalid_param(
            f"The coupon's currency ({coupon['currency']}) must match the currency of the "
            f"Checkout Session ({currency}).",
            "discounts[0][coupon]",
        )
    return public(coupon)


def _price_line(
    ctx: RequestContext, spec: dict[str, Any], index: int, now: int
) -> tuple[totals.Line, dict[str, Any], list[dict[str, Any]]]:
    prefix = f"line_items[{index}]"
    price = spec["price_data"]
    if "quantity" not in spec:
        raise invalid_param(
            f"Quantity is required. Add `quantity` to `{prefix}`.", f"{prefix}[quantity]"
        )
    if spec["quantity"] < 1:
        raise invalid_param("Invalid positive integer", f"{prefix}[quantity]")
    if "recurring" in price:
        raise invalid_param(
            "Recurring prices need `mode=subscription`, which the emulator does not support.",
            f"{prefix}[price_data][recurring]",
        )
    if "product" in price:
        raise no_such("product", price["product"], f"{prefix}[price_data][product]")
    if "product_data" not in price:
        raise missing_param(f"{prefix}[price_data][product_data]")
    unit_amount = price.get("unit_amount")
    if unit_amount is None and "unit_amount_decimal" in price:
        decimal_amount = price["unit_amount_decimal"]
        if decimal_amount != decimal_amount.to_integral_value():
            raise invalid_param(
                "Fractional unit amounts are not supported by the emulator.",
                f"{prefix}[price_data][unit_amount_decimal]",
            )
        unit_amount = int(decimal_amount)
    if unit_amount is None:
        raise missing_param(f"{prefix}[price_data][unit_amount]")
    if unit_amount < 0:
        raise invalid_param("Invalid non-negative integer", f"{prefix}[price_data][unit_amount]")
    rates = []
    for position, rate_id in enumerate(spec.get("tax_rates") or []):
        rate = ctx.store.get(ctx.account, rate_id, "tax_rate", f"{prefix}[tax_rates][{position}]")
        if not rate["active"]:
            raise invalid_param(
                f"Tax rate {rate_id} is inactive.", f"{prefix}[tax_rates][{position}]"
            )
        rates.append(rate)
    if len({rate["inclusive"] for rate in rates}) > 1:
        raise invalid_param(
            "A line item cannot mix inclusive and exclusive tax rates.", f"{prefix}[tax_rates]"
        )
    line = totals.Line(
        unit_amount=unit_amount,
        quantity=spec["quantity"],
        rates=tuple(
            totals.Rate(rate["id"], rate["_percentage"], rate["inclusive"]) for rate in rates
        ),
    )
    return line, spec, rates


def _check_minimum(total: int, currency: str) -> None:
    if currency in THREE_DECIMAL and total % 10 != 0:
        raise StripeError(
            f"The Checkout Session's total amount due ({format_amount(total, currency)}) must "
            f"be a multiple of 10 in {currency}: the last digit of three-decimal currency "
            "amounts is always 0 for card payments.",
            code="invalid_charge_amount",
            param="line_items",
            cacheable=False,
        )
    check_maximum(total, currency, "line_items")
    minimum = MINIMUM_CHARGE.get(currency, 1)
    if 0 < total < minimum:
        raise StripeError(
            f"The Checkout Session's total amount due must add up to at least "
            f"{format_amount(minimum, currency)} {currency}",
            code="amount_too_small",
            param="line_items",
            cacheable=False,
        )


def _expires_at(params: dict[str, Any], now: int) -> int:
    expires_at = params.get("expires_at", now + MAX_LIFETIME_SECONDS)
    if expires_at < now + MIN_LIFETIME_SECONDS:
        raise invalid_param(
            "The `expires_at` timestamp must be at least 30 minutes from Checkout Session "
            "creation.",
            "expires_at",
        )
    if expires_at > now + MAX_LIFETIME_SECONDS:
        raise invalid_param(
            "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
            "expires_at",
        )
    return expires_at


def _line_item(
    ctx: RequestContext,
    session_id: str,
    currency: str,
    spec: dict[str, Any],
    rates: list[dict[str, Any]],
    amounts: totals.LineTotals,
    coupon: dict[str, Any] | None,
    now: int,
) -> dict[str, Any]:
    price_data = spec["price_data"]
    product_data = price_data["product_data"]
    product = ctx.store.add(
        ctx.account,
        {
            "id": new_id("prod"),
            "object": "product",
            "active": True,
            "created": now,
            "description": product_data.get("description"),
            "images": product_data.get("images", []),
            "livemode": False,
            "marketing_features": [],
            "metadata": product_data.get("metadata", {}),
            "name": product_data["name"],
            "package_dimensions": None,
            "shippable": None,
            "tax_code": product_data.get("tax_code"),
            "tax_details": None,
            "type": "service",
            "updated": now,
            "url": None,
        },
    )
    unit_amount = amounts.subtotal // spec["quantity"]
    item = {
        "id": new_id("li"),
        "object": "item",
        "amount_discount": amounts.discount,
        "amount_subtotal": amounts.subtotal,
        "amount_tax": sum(tax.amount for tax in amounts.taxes),
        "amount_total": amounts.total,
        "adjustable_quantity": None,
        "currency": currency,
        "description": product["name"],
        "metadata": spec.get("metadata", {}),
        "price": {
            "id": new_id("price"),
            "object": "price",
            "active": False,
            "billing_scheme": "per_unit",
            "created": now,
            "currency": currency,
            "custom_unit_amount": None,
            "livemode": False,
            "lookup_key": None,
            "metadata": {},
            "nickname": None,
            "product": product["id"],
            "recurring": None,
            "tax_behavior": price_data.get("tax_behavior", "unspecified"),
            "tiers_mode": None,
            "transform_quantity": None,
            "type": "one_time",
            "unit_amount": unit_amount,
            "unit_amount_decimal": str(unit_amount),
        },
        "quantity": spec["quantity"],
        "_session": session_id,
        "_product": public(product),
        "_taxes": [
            {
                "amount": tax.amount,
                "rate": public(rate),
                "taxability_reason": None,
                "taxable_amount": tax.taxable_amount,
            }
            for tax, rate in zip(amounts.taxes, rates, strict=True)
        ],
        "_discounts": (
            [{"amount": amounts.discount, "discount": _discount_object(coupon, session_id)}]
            if coupon
            else []
        ),
    }
    return ctx.store.add(ctx.account, item)


def _discount_object(coupon: dict[str, Any], session_id: str) -> dict[str, Any]:
    return {
        "id": f"di_{session_id[-20:]}",
        "object": "discount",
        "checkout_session": session_id,
        "customer": None,
        "customer_account": None,
        "end": None,
        "invoice": None,
        "invoice_item": None,
        "promotion_code": None,
        "source": {"coupon": coupon, "type": "coupon"},
        "start": coupon["created"],
        "subscription": None,
        "subscription_item": None,
    }


def _breakdown(coupon, computed: totals.Totals, items: list[dict[str, Any]]) -> dict[str, Any]:
    taxes: dict[str, dict[str, Any]] = {}
    for item in items:
        for tax in item["_taxes"]:
            entry = taxes.setdefault(
                tax["rate"]["id"],
                {"amount": 0, "rate": tax["rate"], "taxability_reason": None, "taxable_amount": 0},
            )
            entry["amount"] += tax["amount"]
            entry["taxable_amount"] += tax["taxable_amount"]
    discounts = []
    if coupon is not None:
        discounts.append(
            {
                "amount": computed.discount,
                "discount": _discount_object(coupon, items[0]["_session"]),
            }
        )
    return {"discounts": discounts, "taxes": list(taxes.values())}


def items_of(ctx: RequestContext, session: dict[str, Any]) -> list[dict[str, Any]]:
    """The stored line items of a session, in the order they were given."""
    objects = ctx.store.account(ctx.account).objects
    return [objects[item_id] for item_id in session["_items"]]


def _line_items_list(ctx: RequestContext, session: dict[str, Any]) -> dict[str, Any]:
    url = f"/v1/checkout/sessions/{session['id']}/line_items"
    return list_response(ctx, items_of(ctx, session), url, {"limit": 100})


def _stored_item_field(name: str) -> Callable[[RequestContext, dict[str, Any]], Any]:
    def lookup(ctx: RequestContext, item: dict[str, Any]) -> Any:
        return ctx.store.account(ctx.account).objects[item["id"]][name]

    return lookup


VIRTUAL_FIELDS[("checkout.session", "line_items")] = _line_items_list
VIRTUAL_FIELDS[("checkout.session", "total_details.breakdown")] = lambda ctx, s: s["_breakdown"]
VIRTUAL_FIELDS[("item", "taxes")] = _stored_item_field("_taxes")
VIRTUAL_FIELDS[("item", "discounts")] = _stored_item_field("_discounts")


def retrieve(ctx: RequestContext, params: dict[str, Any], session_id: str) -> dict[str, Any]:
    """``GET /v1/checkout/sessions/{id}``."""
    session = ctx.store.get(ctx.account, session_id, "checkout.session")
    return render(ctx, session, params.get("expand", []))


def list_line_items(ctx: RequestContext, params: dict[str, Any], session_id: str) -> dict[str, Any]:
    """``GET /v1/checkout/sessions/{id}/line_items``."""
    session = ctx.store.get(ctx.account, session_id, "checkout.session")
    url = f"/v1/checkout/sessions/{session_id}/line_items"
    return list_response(ctx, items_of(ctx, session), url, params)


def list_all(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """``GET /v1/checkout/sessions``."""
    sessions = ctx.store.of_kind(ctx.account, "checkout.session")
    for name in ("payment_intent", "status"):
        if params.get(name):
            sessions = [s for s in sessions if s[name] == params[name]]
    return list_response(ctx, sessions, "/v1/checkout/sessions", params)


def expire(ctx: RequestContext, params: dict[str, Any], session_id: str) -> dict[str, Any]:
    """``POST /v1/checkout/sessions/{id}/expire``: only open sessions can be expired."""
    session = ctx.store.get(ctx.account, session_id, "checkout.session")
    if session["status"] != OPEN:
        raise StripeError(
            f'Only Checkout Sessions with a status in ["open"] can be expired. This session '
            f'has a status of "{session["status"]}".'
        )
    mark_expired(ctx, session)
    return render(ctx, session, params.get("expand", []))


def mark_expired(ctx: RequestContext, session: dict[str, Any]) -> None:
    """Close an open session for good and announce it."""
    session.update(status=EXPIRED, url=None)
    intent_id = session["_payment_intent"]
    if intent_id:
        intent = ctx.store.get(ctx.account, intent_id, "payment_intent")
        if intent["status"] not in ("succeeded", "canceled"):
            intent.update(status="canceled", canceled_at=ctx.now(), cancellation_reason="abandoned")
            ctx.emit("payment_intent.canceled", intent)
    ctx.emit("checkout.session.expired", session)


def expire_due(context_for: Callable[[str], RequestContext], store: Store) -> int:
    """Expire every open session whose ``expires_at`` has passed; return how many.

    ``context_for`` builds the context (and so the event attribution) for an account.
    """
    expired = 0
    with store.lock:
        now = store.now()
        for account_name, account in list(store.accounts.items()):
            for obj in list(account.objects.values()):
                if obj["object"] == "checkout.session" and obj["status"] == OPEN:
                    if obj["expires_at"] <= now:
                        mark_expired(context_for(account_name), obj)
                        expired += 1
    return expired


def complete(
    ctx: RequestContext,
    session: dict[str, Any],
    intent: dict[str, Any] | None,
    customer_details: dict[str, Any],
) -> None:
    """Mark the session paid (or free) and announce ``checkout.session.completed``."""
    session.update(
        status=COMPLETE,
        payment_status="paid" if intent else "no_payment_required",
        payment_intent=intent["id"] if intent else None,
        customer_details=customer_details,
        url=None,
    )
    coupon_id = (session["_coupon"] or {}).get("id")
    coupon = ctx.store.account(ctx.account).objects.get(coupon_id) if coupon_id else None
    if coupon is not None:
        coupon["times_redeemed"] += 1
    ctx.emit("checkout.session.completed", session)


def success_redirect(session: dict[str, Any]) -> str | None:
    """Where the shopper goes after paying, with ``{CHECKOUT_SESSION_ID}`` filled in."""
    url = session["success_url"]
    return url.replace("{CHECKOUT_SESSION_ID}", session["id"]) if url else None
