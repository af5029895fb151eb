"""The tables of supported parameters: real Stripe parameters, enforced, and documented."""

import collections.abc
import pathlib
import typing

import pytest
import requests
from stripe.params import PaymentIntentCreateParams

import stripe_emulator
from stripe_emulator.errors import StripeError
from stripe_emulator.params import decode_form, parameter_table, table_paths, validate
from stripe_emulator.routes import ROUTES, SUPPORTED

README = pathlib.Path(stripe_emulator.__file__).parent / "README.md"


def _hints(schema: type) -> dict[str, typing.Any]:
    return typing.get_type_hints(
        schema, localns={"StripeContext": object, "Mapping": collections.abc.Mapping}
    )


def _typed_dicts(annotation: typing.Any) -> list[type]:
    """The TypedDict classes an annotation may hold (through unions and lists)."""
    if isinstance(annotation, type) and hasattr(annotation, "__required_keys__"):
        return [annotation]
    found = []
    for arg in typing.get_args(annotation):
        found.extend(_typed_dicts(arg))
    return found


def _stripe_knows(schema: type, path: str) -> bool:
    classes = [schema]
    for part in path.split("."):
        annotations = [_hints(cls)[part] for cls in classes if part in _hints(cls)]
        if not annotations:
            return False
        classes = [cls for annotation in annotations for cls in _typed_dicts(annotation)]
    return True


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: f"{route.method} {route.path}")
def test_every_supported_parameter_is_a_stripe_parameter(route):
    unknown = [
        path for path in table_paths(route.supported) if not _stripe_knows(route.schema, path)
    ]
    assert unknown == []


def test_every_table_serves_a_route():
    assert {id(route.supported) for route in ROUTES} == {id(table) for table in SUPPORTED.values()}


def _readme_row(route) -> str:
    names = ", ".join(f"`{path}`" for path in table_paths(route.supported)) or "none"
    return f"| `{route.method} {route.path}` | {names} |"


def test_the_readme_lists_each_endpoints_supported_parameters():
    text = README.read_text()
    missing = [_readme_row(route) for route in ROUTES if _readme_row(route) not in text]
    assert missing == [], "\n".join(missing)


def test_tables_narrow_what_stripe_python_would_accept():
    table = parameter_table("amount", "currency", "metadata")
    raw = decode_form("amount=5&currency=usd&metadata[a]=b&metadata[c]=d")
    assert validate(raw, PaymentIntentCreateParams, supported=table)["metadata"] == {
        "a": "b",
        "c": "d",
    }
    with pytest.raises(StripeError) as refused:
        validate(
            decode_form("amount=5&currency=usd&statement_descriptor=X"),
            PaymentIntentCreateParams,
            supported=table,
        )
    assert (refused.value.code, refused.value.param) == (
        "parameter_unknown",
        "statement_descriptor",
    )


def test_nested_tables_apply_to_every_list_item():
    table = parameter_table("amount", "currency", "automatic_payment_methods.enabled")
    with pytest.raises(StripeError) as refused:
        validate(
            decode_form(
                "amount=5&currency=usd&automatic_payment_methods[enabled]=true"
                "&automatic_payment_methods[allow_redirects]=never"
            ),
            PaymentIntentCreateParams,
            supported=table,
        )
    assert refused.value.param == "automatic_payment_methods[allow_redirects]"


def test_table_paths_round_trip():
    paths = ["a", "b.c", "b.d.e"]
    assert table_paths(parameter_table(*paths)) == paths


def test_the_supported_api_version_is_accepted_and_answered(emulator):
    answer = requests.get(
        f"{emulator.base_url}/v1/payment_intents",
        headers={"Authorization": "Bearer sk_test_usd", "Stripe-Version": "2026-10-28.endive"},
        timeout=5,
    )
    assert answer.status_code == 200
    assert answer.headers["Stripe-Version"] == "2026-10-28.endive"
    refused = requests.get(
        f"{emulator.base_url}/v1/payment_intents",
        headers={"Authorization": "Bearer sk_test_usd", "Stripe-Version": "2024-06-20"},
        timeout=5,
    )
    assert refused.status_code == 400
    assert refused.headers["Stripe-Version"] == "2026-10-28.endive"


def test_an_idempotency_key_of_255_characters_is_fine(emulator):
    answer = requests.post(
        f"{emulator.base_url}/v1/payment_intents",
        data={"amount": 2000, "currency": "usd"},
        headers={"Authorization": "Bearer sk_test_usd", "Idempotency-Key": "k" * 255},
        timeout=5,
    )
    assert answer.status_code == 200
