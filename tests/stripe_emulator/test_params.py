"""Form decoding and validation against stripe-python's parameter classes."""

from urllib.parse import urlencode

import pytest
from stripe._encode import _api_encode
from stripe.params import PaymentIntentConfirmParams, PaymentIntentCreateParams
from stripe.params.checkout import SessionCreateParams

from stripe_emulator.errors import StripeError
from stripe_emulator.params import REQUEST_OPTION_NAMES, decode_form, validate


def test_decodes_what_stripe_python_encodes():
    params = {
        "line_items": [{"price_data": {"currency": "usd", "unit_amount": 5}, "quantity": 2}],
        "metadata": {"order_id": "5"},
        "expand": ["line_items"],
    }
    decoded = decode_form(urlencode(list(_api_encode(params))))
    checked = validate(decoded, SessionCreateParams)
    assert checked == {
        "line_items": [{"price_data": {"currency": "usd", "unit_amount": 5}, "quantity": 2}],
        "metadata": {"order_id": "5"},
        "expand": ["line_items"],
    }


def test_empty_brackets_append_like_stripe_js_sends_them():
    assert validate(decode_form("expand[]=a&expand[]=b"), SessionCreateParams) == {
        "expand": ["a", "b"]
    }


@pytest.mark.parametrize(
    ("raw", "param"),
    [
        ("payment_method_types[0]=card", "payment_method_types"),
        ("idempotency_key=abc", "idempotency_key"),
        ("api_key=sk_test_x", "api_key"),
        ("line_items[0][price_data][colour]=red", "line_items[0][price_data][colour]"),
    ],
)
def test_unknown_parameters_are_refused_with_their_path(raw, param):
    with pytest.raises(StripeError) as refused:
        validate(decode_form(raw), SessionCreateParams)
    assert refused.value.param == param
    assert refused.value.message == f"Received unknown parameter: {param}"
    assert refused.value.status == 400


def test_request_options_are_never_parameters():
    assert {"api_key", "idempotency_key", "stripe_version", "stripe_account", "headers"} <= set(
        REQUEST_OPTION_NAMES
    )


def test_types_are_converted_and_checked():
    checked = validate(
        decode_form("amount=1099&currency=usd&confirm=true"), PaymentIntentCreateParams
    )
    assert checked == {"amount": 1099, "currency": "usd", "confirm": True}
    with pytest.raises(StripeError) as refused:
        validate(decode_form("amount=12.5&currency=usd"), PaymentIntentCreateParams)
    assert (refused.value.param, refused.value.message) == ("amount", "Invalid integer: 12.5")


def test_required_parameters_are_enforced():
    with pytest.raises(StripeError) as refused:
        validate(decode_form("currency=usd"), PaymentIntentCreateParams)
    assert refused.value.param == "amount"
    assert refused.value.code == "parameter_missing"


def test_client_secret_only_where_allowed():
    raw = decode_form("client_secret=pi_1_secret_2&payment_method=pm_card_visa")
    with pytest.raises(StripeError):
        validate(raw, PaymentIntentConfirmParams)
    allowed = validate(raw, PaymentIntentConfirmParams, also_allowed=frozenset({"client_secret"}))
    assert allowed["client_secret"] == "pi_1_secret_2"
