"""Fuzzing every public GET and JSON endpoint: whatever arrives, no 5xx, and JSON
endpoints answer JSON.

Hypothesis draws paths under the known prefixes (ids: huge, negative, unicode, NUL,
`%2F`, ...), query strings, methods, bodies (JSON, junk, over the upload limit, signed
Stripe events) and headers. Examples are derandomized and bounded, so every run tries
the same requests and takes a few seconds. The buy endpoint runs against the emulator,
so its real paths (orders, Checkout Sessions) are exercised too.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlencode

import pytest
from django.test import Client
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from commerce import views
from commerce.http import UNAVAILABLE_MESSAGE
from tests.factories import ItemPageFactory
from tests.stripe_signing import event_payload, signature_header

pytestmark = pytest.mark.django_db

UPLOAD_LIMIT = 4_000
EXAMPLES = hypothesis_settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

JSON_PREFIXES = ("/v1/buy", "/stripe/webhook")
PAGE_PATHS = (
    "/search/",
    "/v2/item/list/",
    "/checkout/success/",
    "/v1/item/{}/",
    "/v1/item/{}/",
    "/",
)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "PROPFIND")
CONTENT_TYPES = (
    "application/json",
    "application/json; charset=utf-16",
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=no-such-charset",
    "multipart/form-data",
    "multipart/form-data; boundary=x",
    "text/plain",
    "",
    "\u00e9/\u00e9",
)
EVENT_TYPES = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "customer.created",
)

any_text = st.text(max_size=30)
odd_ids = st.one_of(
    st.sampled_from(
        [
            "0",
            "-1",
            "9223372036854775807",
            "9223372036854775808",
            "1" * 40,
            "1e3",
            "0x10",
            "１２",
            "\x00",
            "a/b",
            "..",
            "%",
            "%zz",
            " 1",
            "cs_test_1",
        ]
    ),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    any_text.filter(bool),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | any_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def stripe_events(draw) -> dict:
    """Events shaped like Stripe's, some valid, some subtly not."""
    stripe_id = st.from_regex(r"evt_[A-Za-z0-9]{1,24}", fullmatch=True)
    event_id = draw(st.one_of(stripe_id, stripe_id, stripe_id, any_text, st.integers()))
    known_type = st.sampled_from(EVENT_TYPES)
    event_type = draw(st.one_of(known_type, known_type, known_type, any_text, st.none()))
    data_object = draw(
        st.one_of(
            st.fixed_dictionaries(
                {},
                optional={
                    "id": st.one_of(
                        st.from_regex(r"cs_test_[a-z0-9]{3}", fullmatch=True), any_text
                    ),
                    "status": st.sampled_from(["complete", "expired", "open", "\x00"]),
                    "payment_status": st.sampled_from(["paid", "unpaid", "no_payment_required"]),
                    "amount_total": st.one_of(st.integers(), any_text),
                    "currency": st.sampled_from(["usd", "eur", "xxx", ""]),
                    "client_reference_id": st.one_of(any_text, st.integers()),
                    "metadata": st.dictionaries(any_text, any_text, max_size=3),
                    "payment_intent": st.one_of(any_text, st.none(), json_values),
                    "customer_details": st.one_of(
                        st.none(), st.fixed_dictionaries({"email": any_text, "name": any_text})
                    ),
                },
            ),
            json_values,
        )
    )
    return {"id": event_id, "object": "event", "type": event_type, "data": {"object": data_object}}


@dataclass
class FuzzRequest:
    method: str
    path: str
    body: bytes = b""
    content_type: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    csrf_checks: bool = False


def encoded(segment: str) -> str:
    return quote(segment, safe="")


TARGETS = ("buy", "buy", "webhook", "webhook", "json-deep", "page", "page")


@st.composite
def paths(draw, target: str, item_ids: list[int]) -> str:
    ids = st.one_of(st.sampled_from(item_ids).map(str), odd_ids)
    slash = draw(st.sampled_from(["/", ""]))
    if target == "buy":
        return f"/v1/buy/{encoded(draw(ids))}{slash}"
    if target == "webhook":
        return f"/stripe/webhook{slash}"
    if target == "json-deep":
        prefix = draw(st.sampled_from(JSON_PREFIXES))
        tail = draw(st.lists(ids.map(encoded), min_size=1, max_size=3))
        return prefix + "/" + "/".join(tail) + slash
    template = draw(st.sampled_from(PAGE_PATHS))
    return template.format(encoded(draw(ids))) if "{}" in template else template


@st.composite
def query_strings(draw) -> str:
    params = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["query", "session_id", "page", "checkout", "x"]) | any_text,
                st.one_of(any_text, odd_ids, st.just('"'), st.just('3" ruler')),
            ),
            max_size=3,
        )
    )
    return "?" + urlencode(params) if params else ""


@st.composite
def bodies(draw, target: str, webhook_secret: str) -> tuple[bytes, str, dict[str, str]]:
    kinds = ["none", "json", "junk", "huge", "form", "event", "signed"]
    if target == "webhook":
        kinds += ["signed"] * 4  # mostly events the store verifies and then processes
    kind = draw(st.sampled_from(kinds))
    headers: dict[str, str] = {}
    content_type = draw(st.sampled_from(CONTENT_TYPES))
    if kind == "none":
        body = b""
    elif kind == "json":
        body = json.dumps(draw(json_values)).encode()
    elif kind == "junk":
        body = draw(st.binary(max_size=300))
    elif kind == "huge":
        body = b"{" + b"x" * (UPLOAD_LIMIT * 2) + b"}"
    elif kind == "form":
        body = urlencode(draw(st.dictionaries(any_text, any_text, max_size=3))).encode()
    else:
        body = json.dumps(draw(stripe_events())).encode()
    if kind in ("signed", "huge") or draw(st.booleans()):
        secret = webhook_secret if kind != "event" else draw(any_text.filter(bool))
        headers["Stripe-Signature"] = signature_header(body, secret)
    return body, content_type, headers


# WSGI servers hand headers over as Latin-1 decoded text, so nothing above U+00FF arrives.
header_values = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    max_size=40,
)
extra_headers = st.dictionaries(
    st.sampled_from(
        ["Accept", "Sec-Purpose", "Purpose", "X-Moz", "Accept-Language", "Cookie", "Referer"]
    ),
    st.one_of(
        st.sampled_from(["prefetch", "prefetch;prerender", "application/json", "text/html", "*/*"]),
        header_values,
    ),
    max_size=3,
)


@st.composite
def requests(draw, item_ids: list[int], webhook_secret: str) -> FuzzRequest:
    target = draw(st.sampled_from(TARGETS))
    path = draw(paths(target, item_ids)) + draw(query_strings())
    # Half the time the method the endpoint expects, so requests get past the 405.
    expected = "POST" if target == "webhook" else "GET"
    method = draw(st.one_of(st.sampled_from([expected, "POST"]), st.sampled_from(METHODS)))
    body, content_type, headers = draw(bodies(target, webhook_secret))
    headers.update(draw(extra_headers))
    return FuzzRequest(method, path, body, content_type, headers, draw(st.booleans()))


def send(request: FuzzRequest, clients: dict[bool, Client]):
    client = clients[request.csrf_checks]
    extra = {"headers": request.headers}
    if request.content_type:
        extra["content_type"] = request.content_type
    return client.generic(request.method, request.path, data=request.body, **extra)


def is_buy_form_post(request: FuzzRequest) -> bool:
    """The Buy button's form (POST, no JavaScript) is answered with pages, not JSON."""
    if request.method != "POST":
        return False
    try:
        match = resolve(unquote(request.path.split("?")[0]))
    except Resolver404:
        return False
    return match.func is views.buy


def check(request: FuzzRequest, response) -> None:
    where = f"{request.method} {request.path!r} body {request.body[:60]!r}"
    content_type = response.get("Content-Type", "")
    is_json_path = unquote(request.path).startswith(JSON_PREFIXES)
    if response.status_code in (502, 503) and is_json_path:
        # The documented answers when Stripe fails; never the store's own breakage.
        assert json.loads(response.content)["error"] != UNAVAILABLE_MESSAGE, where
    else:
        assert response.status_code < 500, f"{response.status_code} for {where}"
    if is_json_path and not is_buy_form_post(request):
        assert content_type == "application/json", f"{content_type!r} for {where}"
        if request.method != "HEAD":
            json.loads(response.content)


@pytest.fixture
def fuzz_setup(stripe_emulator, settings, catalog):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_LIMIT
    settings.COMMERCE_BUY_RATE = ""  # the fuzzer is one client; limits are tested elsewhere
    items = [
        ItemPageFactory(parent=catalog, title="Enamel Mug", price_amount=1450),
        ItemPageFactory(parent=catalog, title="Olive Soap", price_amount=790, currency="EUR"),
        ItemPageFactory(parent=catalog, title="Museum piece", available_for_sale=False),
    ]
    clients = {False: Client(), True: Client(enforce_csrf_checks=True)}
    secret = settings.STRIPE_ACCOUNTS["default"]["webhook_secret"]
    return [item.pk for item in items], clients, secret


def test_no_request_gets_a_5xx_and_json_endpoints_answer_json(fuzz_setup):
    item_ids, clients, secret = fuzz_setup
    answered: Counter[tuple[str, int]] = Counter()

    event = event_payload("evt_fuzz", "checkout.session.completed", {"id": "cs_test_x"})
    signed = {"Stripe-Signature": signature_header(event, secret)}

    # Well-formed requests first, so every run also goes all the way through each endpoint.
    @EXAMPLES
    @given(request=requests(item_ids, secret))
    @example(request=FuzzRequest("GET", f"/v1/buy/{item_ids[0]}/"))
    @example(request=FuzzRequest("POST", f"/v1/buy/{item_ids[1]}"))
    @example(request=FuzzRequest("POST", "/stripe/webhook", event, "application/json", signed))
    @example(request=FuzzRequest("GET", f"/v1/item/{item_ids[0]}/"))
    @example(request=FuzzRequest("GET", "/search/?query=mugs"))
    def run(request: FuzzRequest) -> None:
        response = send(request, clients)
        check(request, response)
        view = resolve(unquote(request.path.split("?")[0])).func
        answered[(getattr(view, "__name__", "page"), response.status_code)] += 1

    run()
    print(sorted(answered.items()))
    # The requests went deep, not only into refusals: Checkout Sessions were created in the
    # emulator, signed events were stored, searches and item pages were answered.
    assert answered[("buy", 200)] and answered[("buy", 303)]
    assert answered[("stripe_webhook", 200)] and answered[("stripe_webhook", 400)]
    assert answered[("search", 200)] and answered[("item_detail", 302)]
