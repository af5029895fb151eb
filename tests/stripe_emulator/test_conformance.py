"""Every object the emulator returns conforms to the schema derived from Stripe's SDKs.

One scenario drives each endpoint the store and these tests use, recording the raw JSON of
every answer (declines included: their error carries the PaymentIntent and PaymentMethod) and
every webhook payload; each object, and every object nested in it, is then checked against
``stripe_emulator/schema/endive.json``: required fields present, types, enums, nullability,
no private or unknown fields.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest

from stripe_emulator.events import EVENT_TYPES
from stripe_emulator.schema.validate import load_schema, validate_resource
from stripe_emulator.testing import RunningEmulator

from .conftest import WebhookReceiver

SECRET = "whsec_conformance"


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # shoppers' redirects lead to the store, which is not running here


_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}), _KeepRedirects())


def form_encode(params: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Stripe's bracketed form encoding (``a[b][0]=c``)."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else key
        if isinstance(value, dict):
            pairs.extend(form_encode(value, name))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    pairs.extend(form_encode(item, f"{name}[{index}]"))
                else:
                    pairs.append((f"{name}[{index}]", str(item)))
        elif isinstance(value, bool):
            pairs.append((name, "true" if value else "false"))
        else:
            pairs.append((name, str(value)))
    return pairs


class Recorder:
    """Calls the emulator over HTTP and keeps every JSON answer, as sent."""

    def __init__(self, emulator: RunningEmulator) -> None:
        self.base_url = emulator.base_url
        self.answers: list[tuple[str, bool, dict[str, Any]]] = []

    def call(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        key: str = "sk_test_usd",
        expect: int = 200,
    ) -> dict[str, Any]:
        query = urllib.parse.urlencode(form_encode(params or {}))
        url = f"{self.base_url}{path}"
        data = None
        if method == "GET" and query:
            url = f"{url}?{query}"
        elif method != "GET":
            data = query.encode()
        request = urllib.request.Request(
            url,
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {key}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        try:
            with _NO_PROXY.open(request, timeout=10) as answer:
                status, body = answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as failure:
            status, body = failure.code, json.loads(failure.read())
        assert status == expect, (method, path, status, body)
        self.answers.append((f"{method} {path}", key.startswith("pk_"), body))
        return body

    def pay_session(self, session_id: str, card_number: str = "4242424242424242") -> None:
        request = urllib.request.Request(
            f"{self.base_url}/_emulator/checkout/sessions/{session_id}/pay",
            data=json.dumps(
                {"card_number": card_number, "email": "a@b.test", "name": "A"}
            ).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with _NO_PROXY.open(request, timeout=10) as answer:
                assert answer.status == 200
        except urllib.error.HTTPError as redirect:
            assert redirect.code == 303, redirect.code

    def authenticate(self, intent_id: str, action: str) -> None:
        request = urllib.request.Request(
            f"{self.base_url}/3ds/{intent_id}",
            data=urllib.parse.urlencode({"action": action}).encode(),
            method="POST",
        )
        try:
            with _NO_PROXY.open(request, timeout=10):
                pass
        except urllib.error.HTTPError as redirect:
            assert redirect.code == 303, redirect.code


def _line(name: str, amount: int, quantity: int, rates: list[str]) -> dict[str, Any]:
    return {
        "price_data": {
            "currency": "usd",
            "unit_amount": amount,
            "product_data": {"name": name, "description": "A thing", "images": []},
        },
        "quantity": quantity,
        "tax_rates": rates,
    }


def run_scenario(api: Recorder) -> None:
    """Touch every endpoint and state the store and the emulator's tests rely on."""
    vat = api.call(
        "POST",
        "/v1/tax_rates",
        {"display_name": "VAT", "percentage": 20, "inclusive": True, "country": "DE"},
    )
    sales = api.call(
        "POST",
        "/v1/tax_rates",
        {"display_name": "Sales tax", "percentage": 8.25, "inclusive": False},
    )
    api.call("GET", f"/v1/tax_rates/{vat['id']}")
    api.call("GET", "/v1/tax_rates", {"limit": 5})
    percent = api.call(
        "POST", "/v1/coupons", {"percent_off": 10, "duration": "once", "name": "Ten"}
    )
    amount = api.call(
        "POST",
        "/v1/coupons",
        {"amount_off": 100, "currency": "usd", "duration": "repeating", "duration_in_months": 3},
    )
    api.call("GET", f"/v1/coupons/{percent['id']}")
    api.call("GET", "/v1/coupons")
    deleted = api.call("DELETE", f"/v1/coupons/{amount['id']}")
    assert deleted == {"id": amount["id"], "object": "coupon", "deleted": True}
    api.answers.pop()  # a deleted-object stub, checked just above

    urls = {
        "success_url": "http://store.test/ok?s={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://store.test/cart",
    }
    paid = api.call(
        "POST",
        "/v1/checkout/sessions",
        {
            "mode": "payment",
            **urls,
            "line_items": [_line("Mug", 1200, 2, [sales["id"]]), _line("Pen", 300, 1, [vat["id"]])],
            "discounts": [{"coupon": percent["id"]}],
            "client_reference_id": "order-1",
            "customer_email": "a@b.test",
            "metadata": {"order": "1"},
            "payment_intent_data": {"metadata": {"order": "1"}},
            "expand": ["line_items", "total_details.breakdown"],
        },
    )
    api.call(
        "GET",
        f"/v1/checkout/sessions/{paid['id']}",
        {
            "expand": [
                "line_items.data.price.product",
                "line_items.data.taxes",
                "line_items.data.discounts",
                "total_details.breakdown",
            ]
        },
    )
    api.call("GET", f"/v1/checkout/sessions/{paid['id']}/line_items")
    api.pay_session(paid["id"])
    done = api.call(
        "GET",
        f"/v1/checkout/sessions/{paid['id']}",
        {"expand": ["payment_intent", "payment_intent.latest_charge"]},
    )
    assert done["status"] == "complete"
    expired = api.call(
        "POST",
        "/v1/checkout/sessions",
        {"mode": "payment", **urls, "line_items": [_line("Cup", 900, 1, [])]},
    )
    api.call("POST", f"/v1/checkout/sessions/{expired['id']}/expire")
    api.call("GET", "/v1/checkout/sessions", {"limit": 3})

    confirm = {"payment_method": "pm_card_visa", "return_url": "http://store.test/back"}
    intent = api.call(
        "POST",
        "/v1/payment_intents",
        {
            "amount": 2000,
            "currency": "usd",
            "metadata": {"order": "2"},
            "description": "Order 2",
            "receipt_email": "a@b.test",
        },
    )
    api.call("POST", f"/v1/payment_intents/{intent['id']}", {"amount": 2100})
    api.call(
        "GET",
        f"/v1/payment_intents/{intent['id']}",
        {"client_secret": intent["client_secret"]},
        key="pk_test_usd",
    )
    method = api.call(
        "POST",
        "/v1/payment_methods",
        {
            "type": "card",
            "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"},
            "billing_details": {"name": "A", "email": "a@b.test"},
        },
        key="pk_test_usd",
    )
    api.call("GET", f"/v1/payment_methods/{method['id']}")
    api.call(
        "POST",
        f"/v1/payment_intents/{intent['id']}/confirm",
        {
            "payment_method": method["id"],
            "return_url": "http://store.test/back",
            "client_secret": intent["client_secret"],
        },
        key="pk_test_usd",
    )
    succeeded = api.call("GET", f"/v1/payment_intents/{intent['id']}")
    api.call("GET", f"/v1/charges/{succeeded['latest_charge']}")
    api.call(
        "POST",
        "/v1/refunds",
        {"payment_intent": intent["id"], "amount": 500, "reason": "requested_by_customer"},
    )
    refund = api.call("POST", "/v1/refunds", {"charge": succeeded["latest_charge"]})
    api.call("GET", f"/v1/refunds/{refund['id']}")
    api.call("GET", "/v1/refunds", {"payment_intent": intent["id"]})

    declined = api.call("POST", "/v1/payment_intents", {"amount": 1500, "currency": "usd"})
    api.call(
        "POST",
        f"/v1/payment_intents/{declined['id']}/confirm",
        {**confirm, "payment_method": "pm_card_chargeDeclined"},
        expect=402,
    )
    api.call(
        "POST", f"/v1/payment_intents/{declined['id']}/cancel", {"cancellation_reason": "abandoned"}
    )

    challenged = api.call(
        "POST",
        "/v1/payment_intents",
        {
            "amount": 1500,
            "currency": "usd",
            "confirm": True,
            **confirm,
            "payment_method": "pm_card_authenticationRequired",
        },
    )
    assert challenged["status"] == "requires_action"
    api.authenticate(challenged["id"], "fail")
    api.call("GET", f"/v1/payment_intents/{challenged['id']}")

    manual = api.call(
        "POST",
        "/v1/payment_intents",
        {"amount": 1500, "currency": "usd", "capture_method": "manual", "confirm": True, **confirm},
    )
    api.call("POST", f"/v1/payment_intents/{manual['id']}/capture")
    api.call("GET", "/v1/payment_intents", {"limit": 100})


def _objects_in(answer: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The resources an answer carries: itself, a list's items, or a decline's objects."""
    if answer.get("object") == "list":
        return [(f"$.data[{i}]", item) for i, item in enumerate(answer["data"])]
    if "error" in answer:
        error = answer["error"]
        return [
            (f"$.error.{name}", error[name])
            for name in ("payment_intent", "payment_method")
            if name in error
        ]
    return [("$", answer)]


@pytest.fixture
def recorded(emulator: RunningEmulator):
    receiver = WebhookReceiver()
    try:
        emulator.set_webhook("usd", receiver.url, SECRET)
        api = Recorder(emulator)
        run_scenario(api)
        deadline = time.monotonic() + 10
        events = api.call("GET", "/v1/events", {"limit": 100})["data"]
        while len(receiver.deliveries) < len(events) and time.monotonic() < deadline:
            time.sleep(0.05)
        yield api, events, [json.loads(body) for body, _ in receiver.deliveries]
    finally:
        receiver.stop()


def test_api_answers_and_webhook_payloads_conform_to_the_schema(recorded):
    api, events, payloads = recorded
    schema = load_schema()
    problems: list[str] = []
    kinds = set()
    for where, publishable, answer in api.answers:
        for path, obj in _objects_in(answer):
            kinds.add(obj.get("object"))
            found = validate_resource(schema, obj, path, partial=publishable)
            problems.extend(f"{where}: {problem}" for problem in found)
    assert len(payloads) == len(events)
    for payload in payloads + events:
        where = f"event {payload['type']}"
        problems.extend(f"{where}: {p}" for p in validate_resource(schema, payload))
        problems.extend(
            f"{where}: {p}"
            for p in validate_resource(schema, payload["data"]["object"], "$.data.object")
        )
    assert problems == []
    assert kinds >= {
        "charge",
        "checkout.session",
        "coupon",
        "event",
        "item",
        "payment_intent",
        "payment_method",
        "refund",
        "tax_rate",
    }
    assert {payload["type"] for payload in payloads} == set(EVENT_TYPES)


def test_the_scenario_would_catch_a_missing_field(recorded):
    """The check is not vacuous: dropping one field Stripe always returns is noticed."""
    api, _, payloads = recorded
    schema = load_schema()
    session = next(
        answer for where, _, answer in api.answers if where == "POST /v1/checkout/sessions"
    )
    del session["payment_method_types"]
    assert validate_resource(schema, session) == ["$.payment_method_types: missing"]
    payload = dict(payloads[0], _sequence=1)
    assert validate_resource(schema, payload) == ["$._sequence: private field"]
