"""Hostile input to the payment endpoints and to `apply_payment_intent`: whatever arrives,
no 5xx, JSON endpoints answer JSON, and no order moves."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from commerce.identifiers import is_stripe_id
from commerce.models import Order, OrderStatus
from commerce.payments.methods.payment_intent import apply_payment_intent
from tests.factories import ItemPageFactory

from .cart_helpers import add, post_json

pytestmark = pytest.mark.django_db

EXAMPLES = hypothesis_settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
METHODS = ("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH")
odd_text = st.one_of(
    st.sampled_from(["", "pi_", "pi_1_secret_", "_secret_x", "pi_x_secret_y", "\x00", "%zz"]),
    st.text(max_size=40),
    st.from_regex(r"pi_[A-Za-z0-9]{0,12}_secret_[A-Za-z0-9]{0,12}", fullmatch=True),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=10,
)


@pytest.fixture
def pending_order(client, catalog, stripe_emulator) -> Order:
    add(client, ItemPageFactory(parent=catalog, price_amount=1450))
    order = Order.objects.get(pk=post_json(client, "/v2/cart/order/").json()["orderId"])
    assert post_json(client, f"/v2/order/{order.pk}/payment-intent/").status_code == 200
    return order


@EXAMPLES
@given(secret=odd_text, method=st.sampled_from(METHODS))
def test_the_status_check_answers_json_whatever_the_secret(pending_order, secret, method):
    shopper = Client()
    response = shopper.generic(
        method, "/v2/order/status/check/?" + f"pi_secret={secret}".replace("#", "%23")
    )
    assert response.status_code in (200, 404, 405, 429)
    if method != "HEAD":
        assert response["Content-Type"] == "application/json"
    assert Order.objects.get(pk=pending_order.pk).status == OrderStatus.PENDING


@EXAMPLES
@given(order_id=odd_text, method=st.sampled_from(METHODS))
def test_the_intent_endpoint_answers_json_whatever_the_id(pending_order, order_id, method):
    path = "/v2/order/" + (order_id.replace("/", "%2F").replace("?", "%3F") or "x")
    response = Client().generic(method, path + "/payment-intent/")
    assert response.status_code < 500
    assert Order.objects.get(pk=pending_order.pk).status == OrderStatus.PENDING


OWN = "<the order's own>"
intent_shapes = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.just(OWN), st.sampled_from(["pi_lost1", "pi_\x00"]), json_values),
        "status": st.one_of(
            st.sampled_from(["succeeded", "canceled", "processing", "requires_payment_method"]),
            json_values,
        ),
        "metadata": st.one_of(
            st.just({"order_reference": OWN, "paid_through": "payment_intent"}), json_values
        ),
        "amount": st.one_of(st.just(1450), json_values),
        "currency": st.one_of(st.just("usd"), json_values),
        "last_payment_error": json_values,
    },
)


@EXAMPLES
@given(intent=intent_shapes)
def test_applying_any_shape_of_intent_never_breaks(pending_order, intent):
    payment = pending_order.payments.get()
    if intent.get("id") == OWN:
        intent["id"] = payment.stripe_id
    if (
        isinstance(intent.get("metadata"), dict)
        and intent["metadata"].get("order_reference") == OWN
    ):
        intent["metadata"]["order_reference"] = str(pending_order.reference)

    _, outcome = apply_payment_intent("default", intent, source="webhook")

    assert isinstance(outcome, str)
    status = Order.objects.get(pk=pending_order.pk).status
    own_id = intent.get("id") == payment.stripe_id
    metadata = intent.get("metadata")
    named = isinstance(metadata, dict) and metadata.get("order_reference") == str(
        pending_order.reference
    )
    names_the_order = own_id or (is_stripe_id(intent.get("id"), "pi_") and named)
    paid = (
        names_the_order
        and intent.get("status") == "succeeded"
        and (intent.get("amount"), intent.get("currency")) == (1450, "usd")
    )
    canceled = intent.get("id") == payment.stripe_id and intent.get("status") == "canceled"
    expected = OrderStatus.PAID if paid else OrderStatus.FAILED if canceled else OrderStatus.PENDING
    assert status == expected
    pending_order.payments.exclude(pk=payment.pk).delete()
    Order.objects.filter(pk=pending_order.pk).update(status=OrderStatus.PENDING)
    pending_order.payments.update(status="open")
