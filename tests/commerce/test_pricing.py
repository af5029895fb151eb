"""The pricing pipeline: properties that hold for every basket, and worked examples."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from commerce.pricing import DiscountTerms, LineInput, PricingError, TaxTerms, quote, spread

EXAMPLES = hypothesis_settings(max_examples=300, deadline=None, derandomize=True)
CURRENCIES = ["USD", "JPY", "KWD"]

lines_strategy = st.lists(
    st.builds(
        LineInput,
        item_id=st.integers(1, 10_000),
        title=st.just("Thing"),
        unit_amount=st.integers(0, 5_000_000),
        quantity=st.integers(1, 50),
    ),
    min_size=1,
    max_size=8,
)
rates = st.decimals(min_value=0, max_value=30, places=3)


@st.composite
def discounts(draw, currency: str) -> DiscountTerms | None:
    kind = draw(st.sampled_from(["none", "percent", "amount"]))
    if kind == "none":
        return None
    if kind == "percent":
        percent = draw(st.decimals(min_value=Decimal("0.01"), max_value=100, places=2))
        return DiscountTerms("P", "", percent, None, None)
    return DiscountTerms("A", "", None, draw(st.integers(1, 10_000_000)), currency)


@st.composite
def baskets(draw):
    currency = draw(st.sampled_from(CURRENCIES))
    inclusive = draw(st.booleans())
    taxes = [
        TaxTerms(f"T{n}", rate, inclusive)
        for n, rate in enumerate(draw(st.lists(rates, max_size=3)))
    ]
    return currency, draw(lines_strategy), draw(discounts(currency)), taxes


@EXAMPLES
@given(baskets())
def test_totals_add_up(basket):
    currency, lines, discount, taxes = basket
    result = quote(currency, lines, discount, taxes)
    assert result.subtotal == sum(line.unit_amount * line.quantity for line in lines)
    assert result.count == sum(line.quantity for line in lines)
    assert sum(line.discount for line in result.lines) == result.discount
    assert 0 <= result.discount <= result.subtotal
    assert result.tax == sum(total.amount for total in result.taxes)
    assert result.tax == sum(line.tax for line in result.lines)
    exclusive = sum(total.amount for total in result.taxes if not total.tax.inclusive)
    assert result.total == result.subtotal - result.discount + exclusive
    assert result.total == sum(line.total for line in result.lines)
    for line in result.lines:
        assert 0 <= line.discount <= line.amount


@EXAMPLES
@given(baskets())
def test_inclusive_tax_never_changes_the_total(basket):
    currency, lines, discount, taxes = basket
    inclusive = [TaxTerms(tax.name, tax.rate, True) for tax in taxes]
    with_tax = quote(currency, lines, discount, inclusive)
    without = quote(currency, lines, discount)
    assert with_tax.total == without.total == without.subtotal - without.discount
    # The tax inside a line is never more than the line's discounted amount.
    for line in with_tax.lines:
        assert line.tax <= line.amount - line.discount


@EXAMPLES
@given(st.integers(0, 10**9), st.lists(st.integers(0, 10**7), min_size=1, max_size=12))
def test_shares_sum_to_the_amount_and_follow_the_weights(amount, weights):
    parts = spread(amount, weights)
    if sum(weights) == 0:
        assert parts == [0] * len(weights)
        return
    assert sum(parts) == amount
    for part, weight in zip(parts, weights, strict=True):
        exact = Decimal(amount) * weight / sum(weights)
        assert exact - 1 < part < exact + 1


def test_a_worked_example_in_dollars():
    lines = [LineInput(1, "Mug", 1450, 2), LineInput(2, "Tote", 2400, 1)]
    welcome = DiscountTerms("Welcome", "WELCOME10", Decimal(10), None, None)
    sales_tax = TaxTerms("Sales tax", Decimal("8.875"), inclusive=False)
    result = quote("usd", lines, welcome, [sales_tax])
    assert result.currency == "USD"
    assert result.subtotal == 5300
    assert result.discount == 530
    assert [line.discount for line in result.lines] == [290, 240]
    # 8.875% of 2610 = 231.6375 -> 232; of 2160 = 191.7 -> 192.
    assert [line.tax for line in result.lines] == [232, 192]
    assert result.tax == 424 and result.total == 5300 - 530 + 424
    assert result.count == 3


def test_inclusive_vat_is_extracted_from_the_discounted_price():
    vat = TaxTerms("VAT", Decimal(20), inclusive=True)
    result = quote("EUR", [LineInput(1, "Soap", 790, 1)], None, [vat])
    assert result.tax == 132  # 790 * 20 / 120 = 131.67
    assert result.total == 790


def test_zero_decimal_and_three_decimal_currencies_round_to_their_minor_unit():
    tax = TaxTerms("Tax", Decimal("7.5"), inclusive=False)
    assert quote("JPY", [LineInput(1, "Tea", 333, 1)], None, [tax]).tax == 25  # 24.975
    assert quote("KWD", [LineInput(1, "Dates", 1250, 1)], None, [tax]).tax == 94  # 93.75


def test_an_amount_off_larger_than_the_basket_takes_it_all_and_no_more():
    coupon = DiscountTerms("Big", "", None, 10_000, "USD")
    result = quote("USD", [LineInput(1, "Pen", 300, 1), LineInput(2, "Ink", 100, 2)], coupon)
    assert result.discount == 500 and result.total == 0


def test_terms_stripe_would_refuse_are_refused():
    line = [LineInput(1, "Pen", 300, 1)]
    with pytest.raises(PricingError):
        quote(
            "USD", line, taxes=[TaxTerms("A", Decimal(5), True), TaxTerms("B", Decimal(5), False)]
        )
    with pytest.raises(PricingError):
        quote("USD", line, DiscountTerms("Euro off", "", None, 100, "EUR"))
    with pytest.raises(PricingError):
        quote("USD", [LineInput(1, "Pen", 300, 0)])
