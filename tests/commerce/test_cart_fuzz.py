"""Fuzzing the cart and order endpoints: whatever arrives, no 5xx, and a request that
speaks JSON gets JSON back.

Hypothesis draws paths under /v2/cart/ and /v2/order/, methods, bodies (JSON objects
with odd values, JSON that is no object, junk bytes, forms) and Accept headers.
Derandomized and bounded, so every run tries the same requests in a few seconds.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from django.test import Client
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from commerce.models import Discount
from tests.factories import ItemPageFactory

pytestmark = pytest.mark.django_db

EXAMPLES = hypothesis_settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
ENDPOINTS = ("add", "remove", "update", "discount", "order", "", "junk/\u00e9", "add/%00")
# Mostly the method the endpoints take, so requests get past the 405.
METHODS = ("POST",) * 8 + ("GET", "DELETE", "PUT", "HEAD", "OPTIONS")

odd_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.sampled_from(["1", "0", "-1", "9" * 30, "1e3", "\x00", "WELCOME10", " welcome10 "]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


@st.composite
def requests(draw, item_ids: list[int]) -> tuple[str, str, bytes, str, str]:
    if draw(st.booleans()):
        path = "/v2/cart/" + draw(st.sampled_from(ENDPOINTS))
    else:
        order = draw(st.sampled_from(["1", "2", "abc", "99999999999999999999", "%00", "-1"]))
        path = f"/v2/order/{order}/" + draw(st.sampled_from(["", "checkout/", "checkout"]))
    if draw(st.booleans()):
        path = path.rstrip("/")
    method = draw(st.sampled_from(METHODS))
    fields = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "itemId": st.one_of(st.sampled_from(item_ids), odd_values),
                "quantity": odd_values,
                "code": odd_values,
                "replace": odd_values,
            },
        )
    )
    kind = draw(st.sampled_from(["json", "json", "form", "junk", "not-an-object"]))
    if kind == "json":
        body, content_type = json.dumps(fields).encode(), "application/json"
    elif kind == "form":
        body = "&".join(f"{key}={value}" for key, value in fields.items()).encode()
        content_type = "application/x-www-form-urlencoded"
    elif kind == "junk":
        body, content_type = draw(st.binary(max_size=40)), "application/json"
    else:
        body, content_type = json.dumps(draw(odd_values)).encode(), "application/json"
    accept = draw(st.sampled_from(["application/json", "text/html", "*/*", ""]))
    return method, path, body, content_type, accept


@pytest.fixture
def shop(stripe_emulator, settings, catalog):
    settings.COMMERCE_CART_MAX_LINES = 3
    items = [
        ItemPageFactory(parent=catalog, title="Enamel Mug", price_amount=1450),
        ItemPageFactory(parent=catalog, title="Olive Soap", price_amount=790, currency="EUR"),
        ItemPageFactory(parent=catalog, title="Museum piece", available_for_sale=False),
    ]
    Discount.objects.create(name="Welcome", code="WELCOME10", percent_off=10)
    return [item.pk for item in items]


def test_no_cart_request_gets_a_5xx_and_json_requests_get_json(shop):
    clients = [Client(), Client()]
    answered: Counter[tuple[str, int]] = Counter()

    mug = json.dumps({"itemId": shop[0], "quantity": 2}).encode()
    code = json.dumps({"code": "welcome10"}).encode()
    form = f"itemId={shop[0]}".encode()

    # Well-formed requests first, so every run also goes all the way through each endpoint.
    @EXAMPLES
    @given(request=requests(shop), which=st.integers(0, 1))
    @example(request=("POST", "/v2/cart/add/", mug, JSON, JSON), which=0)
    @example(request=("POST", "/v2/cart/discount", code, JSON, JSON), which=0)
    @example(request=("POST", "/v2/cart/add", form, FORM, "text/html"), which=1)
    @example(request=("POST", "/v2/cart/order/", b"{}", JSON, JSON), which=0)
    @example(request=("GET", "/v2/cart/", b"", JSON, "text/html"), which=0)
    @example(request=("POST", "/v2/cart/update/", b'{"itemId": 1}', JSON, JSON), which=0)
    @example(request=("POST", "/v2/cart/discount/", b'{"code": "NOPE"}', JSON, JSON), which=0)
    def run(request, which) -> None:
        method, path, body, content_type, accept = request
        response = clients[which].generic(
            method, path, data=body, content_type=content_type, headers={"Accept": accept}
        )
        where = f"{method} {path} {body[:60]!r}"
        assert response.status_code < 500, f"{response.status_code} for {where}"
        # (The test client sends no Content-Type with an empty body.)
        sends_json = content_type == "application/json" and body and method not in ("GET", "HEAD")
        if sends_json or accept == "application/json":
            assert response["Content-Type"] == "application/json", where
            if method != "HEAD":
                json.loads(response.content)
        parts = path.split("/")
        endpoint = f"{parts[2]}/{parts[3] if len(parts) > 3 else ''}"
        answered[(endpoint, response.status_code)] += 1

    run()
    print(sorted(answered.items()))
    # The requests got through to real work, not only refusals.
    assert answered[("cart/add", 200)] and answered[("cart/add", 303)]
    assert answered[("cart/update", 400)] and answered[("cart/discount", 400)]
    assert answered[("cart/order", 201)]
