"""The schema validator catches what the conformance test relies on it to catch."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from stripe_emulator.schema.validate import load_schema, validate_resource


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return load_schema()


def coupon() -> dict[str, Any]:
    """A coupon as Stripe documents it for 2026-10-28.endive."""
    return {
        "id": "SUMMER",
        "object": "coupon",
        "amount_off": None,
        "created": 1_700_000_000,
        "currency": None,
        "duration": "once",
        "duration_in_months": None,
        "livemode": False,
        "max_redemptions": None,
        "metadata": {"campaign": "summer"},
        "name": "Summer",
        "percent_off": 10.0,
        "redeem_by": None,
        "times_redeemed": 0,
        "valid": True,
    }


def test_a_conforming_object_passes(schema):
    assert validate_resource(schema, coupon()) == []


def test_a_missing_required_field_is_reported(schema):
    obj = coupon()
    del obj["times_redeemed"]
    assert validate_resource(schema, obj) == ["$.times_redeemed: missing"]


def test_a_field_stripe_sometimes_leaves_out_may_be_absent(schema):
    session_fields = schema["types"][schema["resources"]["checkout.session"]]["fields"]
    assert session_fields["line_items"]["required"] is False
    assert session_fields["payment_method_types"]["required"] is True


def test_a_wrong_type_is_reported(schema):
    obj = coupon()
    obj["times_redeemed"] = "0"
    assert validate_resource(schema, obj) == ["$.times_redeemed: expected an integer, got str"]
    obj = coupon()
    obj["valid"] = 1
    assert validate_resource(schema, obj) == ["$.valid: expected a boolean, got int"]


def test_null_where_the_field_is_not_nullable_is_reported(schema):
    obj = coupon()
    obj["livemode"] = None
    assert validate_resource(schema, obj) == ["$.livemode: null is not allowed"]


def test_a_value_outside_the_enum_is_reported(schema):
    obj = coupon()
    obj["duration"] = "twice"
    [problem] = validate_resource(schema, obj)
    assert problem.startswith("$.duration: 'twice' is not one of ")


def test_private_and_unknown_fields_are_reported(schema):
    obj = coupon()
    obj["_sequence"] = 4
    obj["coupon_code"] = "X"
    assert sorted(validate_resource(schema, obj)) == [
        "$._sequence: private field",
        "$.coupon_code: not a field of stripe._coupon.Coupon",
    ]


def test_nested_objects_are_checked(schema):
    discount = {
        "id": "di_1",
        "object": "discount",
        "checkout_session": "cs_test_1",
        "customer": None,
        "customer_account": None,
        "end": None,
        "invoice": None,
        "invoice_item": None,
        "promotion_code": None,
        "source": {"coupon": coupon(), "type": "coupon"},
        "start": 1_700_000_000,
        "subscription": None,
        "subscription_item": None,
    }
    assert validate_resource(schema, discount) == []
    broken = copy.deepcopy(discount)
    broken["source"]["type"] = "voucher"
    del broken["source"]["coupon"]["valid"]
    assert sorted(validate_resource(schema, broken)) == [
        "$.source.coupon.valid: missing",
        "$.source.type: 'voucher' is not one of ['coupon']",
    ]


def test_expandable_fields_take_an_id_or_the_object(schema):
    discount_with_id = {"coupon": "SUMMER", "type": "coupon"}
    source_ref = schema["types"][schema["resources"]["discount"]]["fields"]["source"]["ref"]
    from stripe_emulator.schema.validate import check_value

    spec = {"type": "object", "ref": source_ref, "nullable": False}
    assert check_value(schema, spec, discount_with_id, "$") == []
    assert check_value(schema, spec, {"coupon": 5, "type": "coupon"}, "$") != []


def test_the_object_kind_must_be_known(schema):
    assert validate_resource(schema, {"object": "widget"}) == [
        "$.object: 'widget' is not a resource in the schema"
    ]
    assert validate_resource(schema, coupon(), expected="charge") == [
        "$.object: expected 'charge', got 'coupon'"
    ]


def test_partial_objects_may_lack_fields_but_not_break_the_rest(schema):
    obj = coupon()
    del obj["times_redeemed"]
    assert validate_resource(schema, obj, partial=True) == []
    obj["valid"] = "yes"
    assert validate_resource(schema, obj, partial=True) == ["$.valid: expected a boolean, got str"]
