"""The emulator answers only with error codes from Stripe's published list."""

import ast
import pathlib
import typing

import pytest
from stripe._payment_intent import PaymentIntent

import stripe_emulator
from stripe_emulator import cards
from stripe_emulator.errors import ERROR_CODES, StripeError, invalid_param

PACKAGE = pathlib.Path(stripe_emulator.__file__).parent


def _published_codes() -> frozenset[str]:
    """Stripe's list of error codes, as the ``code`` enum of a PaymentIntent's last error."""
    annotation = PaymentIntent.LastPaymentError.__annotations__["code"]
    literal = next(arg for arg in typing.get_args(annotation) if typing.get_args(arg))
    return frozenset(typing.get_args(literal))


def _codes_in_source() -> set[str]:
    """Codes written in the package: ``code=`` keywords and third arguments of invalid_param."""
    found = set()
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
                    found.add(keyword.value.value)
            name = getattr(node.func, "id", None)
            if name == "invalid_param" and len(node.args) == 3:
                if isinstance(node.args[2], ast.Constant):
                    found.add(node.args[2].value)
    found.discard(None)
    return found


def test_the_frozen_set_is_part_of_stripes_published_list():
    published = _published_codes()
    assert len(published) > 150
    assert ERROR_CODES <= published, ERROR_CODES - published


def test_every_code_in_the_source_is_in_the_frozen_set():
    used = _codes_in_source() | {card.code for card in cards.TEST_CARDS.values() if card.code}
    assert "parameter_unknown" in used and "amount_too_large" in used
    assert used <= ERROR_CODES, used - ERROR_CODES


def test_an_error_with_another_code_cannot_even_be_built():
    # So no request in the suite (or anywhere) can answer with an unpublished code.
    with pytest.raises(ValueError):
        StripeError("Amount invalid", code="invalid_amount")
    with pytest.raises(ValueError):
        invalid_param("No such version", None, "version_invalid")
    assert StripeError("fine", code="resource_missing").code == "resource_missing"
