from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commerce import money


@pytest.mark.parametrize(
    ("text", "currency", "expected"),
    [
        ("12.50", "USD", 1250),
        ("0.01", "usd", 1),
        ("19.99", "EUR", 1999),
        ("1200", "JPY", 1200),
        ("1200.0", "JPY", 1200),
        ("1.234", "KWD", 1234),
        ("0", "KWD", 0),
        (Decimal("7.1"), "USD", 710),
        (3, "JPY", 3),
    ],
)
def test_parse_amount_converts_to_minor_units(text, currency, expected):
    assert money.parse_amount(text, currency) == expected


@pytest.mark.parametrize(
    ("text", "currency"),
    [("1.999", "USD"), ("100.5", "JPY"), ("1.2345", "KWD"), ("0.001", "EUR")],
)
def test_parse_amount_refuses_more_decimals_than_the_currency_has(text, currency):
    with pytest.raises(money.InvalidAmount, match="decimal place"):
        money.parse_amount(text, currency)


@pytest.mark.parametrize(
    "text", ["-1", "abc", "", "NaN", "Infinity", "1e999999999", "1000000000000"]
)
def test_parse_amount_refuses_junk_and_negatives(text):
    with pytest.raises(money.InvalidAmount):
        money.parse_amount(text, "USD")


def test_parse_amount_refuses_floats_which_cannot_hold_prices_exactly():
    with pytest.raises(money.InvalidAmount, match="float"):
        money.parse_amount(0.1, "USD")


def test_unknown_currency_is_an_error():
    with pytest.raises(money.UnknownCurrency):
        money.parse_amount("1", "ABC")


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        # Half up, never truncation: int(0.125 * 100) would give 12.
        (Decimal("0.125"), "USD", 13),
        (Decimal("0.124"), "USD", 12),
        (Decimal("2.675"), "USD", 268),
        (Decimal("99.5"), "JPY", 100),
        (Decimal("99.49"), "JPY", 99),
        (Decimal("1.2345"), "KWD", 1235),
        (Decimal("1.2344"), "KWD", 1234),
    ],
)
def test_round_to_minor_rounds_half_up(value, currency, expected):
    assert money.round_to_minor(value, currency) == expected


def test_round_minor_rounds_fractional_minor_units_half_up():
    assert money.round_minor(Decimal("12.5")) == 13
    assert money.round_minor(Decimal("12.4999")) == 12


def test_divide_half_up_rounds_exact_fractions_with_the_same_rule():
    assert money.divide_half_up(25, 2) == 13
    assert money.divide_half_up(-25, 2) == -13
    assert money.divide_half_up(124999, 10000) == 12
    assert money.divide_half_up(0, 7) == 0
    with pytest.raises(ValueError):
        money.divide_half_up(1, 0)


@given(st.integers(-(10**15), 10**15), st.integers(1, 10**9))
def test_divide_half_up_agrees_with_round_minor(numerator, denominator):
    expected = money.round_minor(Decimal(numerator) / Decimal(denominator))
    assert money.divide_half_up(numerator, denominator) == expected


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (123450, "USD", "$1,234.50"),
        (5, "USD", "$0.05"),
        (990, "EUR", "€9.90"),
        (1200, "JPY", "¥1,200"),
        (1250, "KWD", "KWD 1.250"),
        (990, "CHF", "CHF 9.90"),
        (-250, "USD", "-$2.50"),
    ],
)
def test_format_amount(amount, currency, expected):
    assert money.format_amount(amount, currency) == expected


def test_to_decimal_is_exact():
    assert money.to_decimal(1250, "USD") == Decimal("12.50")
    assert money.to_decimal(1200, "JPY") == Decimal("1200")
    assert money.to_decimal(1234, "KWD") == Decimal("1.234")


def test_stripe_amounts_follow_the_currency_exponent():
    assert money.to_stripe_amount(1250, "USD") == 1250
    assert money.to_stripe_amount(1200, "JPY") == 1200  # zero-decimal: whole yen
    assert money.to_stripe_amount(1230, "KWD") == 1230


def test_stripe_refuses_three_decimal_amounts_not_ending_in_zero():
    with pytest.raises(money.InvalidAmount, match=r"multiples of KWD 0\.010"):
        money.to_stripe_amount(1234, "KWD")


def test_stripe_amount_cannot_be_negative():
    with pytest.raises(money.InvalidAmount):
        money.to_stripe_amount(-1, "USD")


def test_money_adds_same_currency_and_refuses_mixing():
    total = money.Money(1250, "usd") + money.Money(250, "USD")
    assert total == money.Money(1500, "USD")
    assert str(total) == "$15.00"
    assert money.Money(300, "JPY") * 3 == money.Money(900, "JPY")
    with pytest.raises(money.MoneyError):
        money.Money(1, "USD") + money.Money(1, "EUR")


def test_minor_unit_per_currency():
    assert money.minor_unit("USD") == Decimal("0.01")
    assert money.minor_unit("JPY") == Decimal("1")
    assert money.minor_unit("KWD") == Decimal("0.001")
