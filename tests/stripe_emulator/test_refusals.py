"""Requests Stripe refuses are refused here too, with Stripe's status, type, code and param.

Each case is a raw HTTP request (so no client library smooths anything over) and the error
Stripe documents for it. Cases needing an existing object create it first through ``setup``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

RETURN_URL = "http://store.test/return"
SECRET = {"Authorization": "Bearer sk_test_usd"}


def _post(emulator, path: str, data: Any, headers: dict[str, str] | None = None):
    return requests.post(
        f"{emulator.base_url}{path}", data=data, headers={**SECRET, **(headers or {})}, timeout=5
    )


def _get(emulator, path: str, params: Any = None, headers: dict[str, str] | None = None):
    return requests.get(
        f"{emulator.base_url}{path}",
        params=params,
        headers={**SECRET, **(headers or {})},
        timeout=5,
    )


def _intent(emulator, **extra: str) -> dict[str, Any]:
    answer = _post(emulator, "/v1/payment_intents", {"amount": 2000, "currency": "usd", **extra})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _session_form(**extra: str) -> dict[str, str]:
    return {
        "mode": "payment",
        "success_url": "http://store.test/ok",
        "line_items[0][price_data][currency]": "usd",
        "line_items[0][price_data][unit_amount]": "1500",
        "line_items[0][price_data][product_data][name]": "Mug",
        "line_items[0][quantity]": "1",
        **extra,
    }


@dataclass(frozen=True)
class Refusal:
    """A request and the error Stripe answers it with."""

    name: str
    method: str
    path: str
    data: dict[str, str]
    status: int
    code: str | None
    param: str | None
    headers: dict[str, str] = field(default_factory=dict)
    #: Builds what the path needs (``{intent}``) and returns the values to format it with.
    setup: Callable[[Any], dict[str, str]] | None = None
    type: str = "invalid_request_error"


def _pending_intent(emulator) -> dict[str, str]:
    return {"intent": _intent(emulator)["id"]}


def _paid_intent(emulator) -> dict[str, str]:
    paid = _intent(emulator, payment_method="pm_card_visa", confirm="true", return_url=RETURN_URL)
    return {"intent": paid["id"]}


def _authorized_intent(emulator) -> dict[str, str]:
    held = _intent(
        emulator,
        payment_method="pm_card_visa",
        confirm="true",
        return_url=RETURN_URL,
        capture_method="manual",
    )
    return {"intent": held["id"]}


def _metadata(count: int) -> dict[str, str]:
    return {f"metadata[key{index}]": "v" for index in range(count)}


PI = {"amount": "2000", "currency": "usd"}

REFUSALS = [
    # A confirm that may end in a redirect needs somewhere to come back to.
    Refusal(
        "confirm without return_url",
        "POST",
        "/v1/payment_intents/{intent}/confirm",
        {"payment_method": "pm_card_visa"},
        400,
        None,
        "return_url",
        setup=_pending_intent,
    ),
    Refusal(
        "create and confirm without return_url",
        "POST",
        "/v1/payment_intents",
        {**PI, "payment_method": "pm_card_visa", "confirm": "true"},
        400,
        None,
        "return_url",
    ),
    Refusal(
        "explicit allow_redirects=always without return_url",
        "POST",
        "/v1/payment_intents",
        {
            **PI,
            "automatic_payment_methods[enabled]": "true",
            "automatic_payment_methods[allow_redirects]": "always",
            "payment_method": "pm_card_visa",
            "confirm": "true",
        },
        400,
        None,
        "return_url",
    ),
    # Parameters: unknown to Stripe, or known but not implemented by the emulator.
    Refusal("unknown parameter", "POST", "/v1/payment_intents", {**PI, "colour": "red"}, 400,
            "parameter_unknown", "colour"),
    Refusal("parameter the emulator does not implement", "POST", "/v1/payment_intents",
            {**PI, "setup_future_usage": "off_session"}, 400, "parameter_unknown",
            "setup_future_usage"),
    Refusal("nested parameter the emulator does not implement", "POST",
            "/v1/checkout/sessions",
            _session_form(**{"line_items[0][adjustable_quantity][enabled]": "true"}), 400,
            "parameter_unknown", "line_items[0][adjustable_quantity]"),
    Refusal("coupon max_redemptions (not enforced, so refused)", "POST", "/v1/coupons",
            {"percent_off": "10", "max_redemptions": "3"}, 400, "parameter_unknown",
            "max_redemptions"),
    Refusal("list filter the emulator does not implement", "GET", "/v1/payment_intents",
            {"customer": "cus_1"}, 400, "parameter_unknown", "customer"),
    Refusal("bad integer", "POST", "/v1/payment_intents", {"amount": "12.5", "currency": "usd"},
            400, "parameter_invalid_integer", "amount"),
    Refusal("missing parameter", "POST", "/v1/payment_intents", {"currency": "usd"}, 400,
            "parameter_missing", "amount"),
    # Objects that do not exist.
    Refusal("unknown customer on a PaymentIntent", "POST", "/v1/payment_intents",
            {**PI, "customer": "cus_unknown"}, 404, "resource_missing", "customer"),
    Refusal("unknown customer on a Checkout Session", "POST", "/v1/checkout/sessions",
            _session_form(customer="cus_unknown"), 404, "resource_missing", "customer"),
    Refusal("unknown PaymentIntent", "GET", "/v1/payment_intents/pi_missing", {}, 404,
            "resource_missing", "intent"),
    Refusal("unknown PaymentIntent on confirm", "POST", "/v1/payment_intents/pi_missing/confirm",
            {"payment_method": "pm_card_visa", "return_url": RETURN_URL}, 404, "resource_missing",
            "intent"),
    Refusal("unknown Checkout Session", "GET", "/v1/checkout/sessions/cs_test_missing", {}, 404,
            "resource_missing", "session"),
    Refusal("unknown Checkout Session's line items", "GET",
            "/v1/checkout/sessions/cs_test_missing/line_items", {}, 404, "resource_missing",
            "session"),
    Refusal("unknown coupon", "GET", "/v1/coupons/missing", {}, 404, "resource_missing",
            "coupon"),
    Refusal("unknown tax rate", "GET", "/v1/tax_rates/txr_missing", {}, 404, "resource_missing",
            "tax_rate"),
    Refusal("unknown refund", "GET", "/v1/refunds/re_missing", {}, 404, "resource_missing",
            "refund"),
    Refusal("unknown charge", "GET", "/v1/charges/ch_missing", {}, 404, "resource_missing",
            "charge"),
    Refusal("unknown payment method", "GET", "/v1/payment_methods/pm_missing", {}, 404,
            "resource_missing", "payment_method"),
    Refusal("unknown event", "GET", "/v1/events/evt_missing", {}, 404, "resource_missing", "id"),
    # Currencies and amounts.
    Refusal("unknown currency", "POST", "/v1/payment_intents", {"amount": "2000",
            "currency": "xyz"}, 400, None, "currency"),
    Refusal("unknown currency on a Checkout line", "POST", "/v1/checkout/sessions",
            _session_form(**{"line_items[0][price_data][currency]": "xyz"}), 400, None,
            "line_items[0][price_data][currency]"),
    Refusal("amount over eight digits", "POST", "/v1/payment_intents",
            {"amount": "100000000", "currency": "usd"}, 400, "amount_too_large", "amount"),
    Refusal("Checkout total over eight digits", "POST", "/v1/checkout/sessions",
            _session_form(**{"line_items[0][price_data][unit_amount]": "50000000",
                             "line_items[0][quantity]": "2"}), 400, "amount_too_large",
            "line_items"),
    # Metadata limits.
    Refusal("51 metadata keys", "POST", "/v1/payment_intents", {**PI, **_metadata(51)}, 400,
            None, "metadata"),
    Refusal("metadata key over 40 characters", "POST", "/v1/payment_intents",
            {**PI, f"metadata[{'k' * 41}]": "v"}, 400, None, "metadata"),
    Refusal("metadata value over 500 characters", "POST", "/v1/payment_intents",
            {**PI, "metadata[note]": "v" * 501}, 400, None, "metadata"),
    Refusal("metadata not a hash", "POST", "/v1/payment_intents", {**PI, "metadata": "note"},
            400, None, "metadata"),
    Refusal("nested metadata over the limit", "POST", "/v1/checkout/sessions",
            _session_form(**{"payment_intent_data[metadata][note]": "v" * 501}), 400, None,
            "payment_intent_data[metadata]"),
    # Text.
    Refusal("invalid customer_email", "POST", "/v1/checkout/sessions",
            _session_form(customer_email="not-an-email"), 400, "email_invalid",
            "customer_email"),
    Refusal("invalid receipt_email", "POST", "/v1/payment_intents",
            {**PI, "receipt_email": "ann@"}, 400, "email_invalid", "receipt_email"),
    Refusal("description over 1000 characters", "POST", "/v1/payment_intents",
            {**PI, "description": "d" * 1001}, 400, None, "description"),
    Refusal("payment_intent_data description over 1000 characters", "POST",
            "/v1/checkout/sessions",
            _session_form(**{"payment_intent_data[description]": "d" * 1001}), 400, None,
            "payment_intent_data[description]"),
    # Request options.
    Refusal("idempotency key over 255 characters", "POST", "/v1/payment_intents", PI, 400, None,
            None, headers={"Idempotency-Key": "k" * 256}),
    Refusal("Stripe-Version the emulator does not implement", "GET", "/v1/payment_intents", {},
            400, None, None, headers={"Stripe-Version": "2020-08-27"}),
    Refusal("malformed Stripe-Version", "POST", "/v1/payment_intents", PI, 400, None, None,
            headers={"Stripe-Version": "endive"}),
    # Coupons and tax rates.
    Refusal("repeating coupon without duration_in_months", "POST", "/v1/coupons",
            {"percent_off": "10", "duration": "repeating"}, 400, "parameter_missing",
            "duration_in_months"),
    Refusal("duration_in_months on a coupon that does not repeat", "POST", "/v1/coupons",
            {"percent_off": "10", "duration": "once", "duration_in_months": "3"}, 400, None,
            "duration_in_months"),
    Refusal("tax rate with a three-letter country", "POST", "/v1/tax_rates",
            {"display_name": "VAT", "percentage": "20", "inclusive": "false", "country": "USA"},
            400, "country_code_invalid", "country"),
    # Capture.
    Refusal("capture of an intent that holds nothing", "POST",
            "/v1/payment_intents/{intent}/capture", {}, 400, "payment_intent_unexpected_state",
            None, setup=_paid_intent),
    Refusal("capture of more than is held", "POST", "/v1/payment_intents/{intent}/capture",
            {"amount_to_capture": "2001"}, 400, "amount_too_large", "amount_to_capture",
            setup=_authorized_intent),
    Refusal("invalid capture_method", "POST", "/v1/payment_intents",
            {**PI, "capture_method": "later"}, 400, None, "capture_method"),
]  # fmt: skip


@pytest.mark.parametrize("case", REFUSALS, ids=[case.name for case in REFUSALS])
def test_stripe_refusals(emulator, case: Refusal):
    path = case.path.format(**case.setup(emulator)) if case.setup else case.path
    if case.method == "GET":
        answer = _get(emulator, path, case.data, case.headers)
    else:
        answer = _post(emulator, path, case.data, case.headers)
    assert answer.status_code == case.status, answer.text
    assert answer.headers["Content-Type"].startswith("application/json")
    error = answer.json()["error"]
    assert (error["type"], error.get("code"), error.get("param")) == (
        case.type,
        case.code,
        case.param,
    ), error
    assert error["message"]


def test_refused_requests_leave_nothing_behind(emulator):
    refused = _post(emulator, "/v1/payment_intents", {**PI, "confirm": "true",
                    "payment_method": "pm_card_visa"})  # fmt: skip
    assert refused.status_code == 400
    assert _get(emulator, "/v1/payment_intents").json()["data"] == []
    assert _get(emulator, "/v1/events").json()["data"] == []


def test_a_refused_update_changes_nothing(emulator):
    intent = _intent(emulator, **{"metadata[a]": "1"})
    path = f"/v1/payment_intents/{intent['id']}"
    refused = _post(
        emulator, path, {"amount": "3000", "metadata[a]": "2", "payment_method": "pm_missing"}
    )
    assert (refused.status_code, refused.json()["error"]["param"]) == (404, "payment_method")
    after = _get(emulator, path).json()
    assert (after["amount"], after["metadata"], after["status"]) == (
        2000,
        {"a": "1"},
        "requires_payment_method",
    )


def test_empty_metadata_clears_every_key_as_at_stripe(emulator):
    intent = _intent(emulator, **{"metadata[a]": "1", "metadata[b]": "2"})
    path = f"/v1/payment_intents/{intent['id']}"
    assert _post(emulator, path, {"metadata[a]": ""}).json()["metadata"] == {"b": "2"}
    assert _post(emulator, path, {"metadata": ""}).json()["metadata"] == {}
    assert _intent(emulator, metadata="")["metadata"] == {}


def test_publishable_confirm_without_return_url_is_refused_as_stripe_js_would_see_it(emulator):
    intent = _intent(emulator)
    answer = requests.post(
        f"{emulator.base_url}/v1/payment_intents/{intent['id']}/confirm",
        data={"payment_method": "pm_card_visa", "client_secret": intent["client_secret"]},
        headers={"Authorization": "Bearer pk_test_usd"},
        timeout=5,
    )
    assert (answer.status_code, answer.json()["error"]["param"]) == (400, "return_url")
    assert "return_url" in answer.json()["error"]["message"]
