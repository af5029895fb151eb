"""Checkout Session totals: discounts spread over lines, then inclusive or exclusive taxes.

The rules follow Stripe's documented behaviour:

* a line's subtotal is ``unit_amount * quantity`` (inclusive taxes are part of it);
* a percent coupon takes ``percent_off`` of the session subtotal, an amount coupon takes
  ``amount_off`` (at most the subtotal); the discount is spread over the lines in
  proportion to their subtotals, and rounding leftovers go to the lines with the largest
  fractional shares (earlier lines first on ties) so the parts add up exactly;
* exclusive tax is ``rate`` percent of the discounted line amount and is added on top;
* inclusive tax is the part of the discounted line amount that is tax,
  ``amount * rate / (100 + rate)``, and is not added;
* every rounding is half-up to the currency's smallest unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Rate:
    """The parts of a tax rate that matter for arithmetic."""

    id: str
    percentage: Decimal
    inclusive: bool


@dataclass(frozen=True)
class Line:
    """One line item as priced."""

    unit_amount: int
    quantity: int
    rates: tuple[Rate, ...] = ()


@dataclass(frozen=True)
class Discount:
    """A coupon's effect: exactly one of ``percent_off`` or ``amount_off`` is set."""

    percent_off: Decimal | None = None
    amount_off: int | None = None


@dataclass
class TaxAmount:
    """Tax charged by one rate on one line."""

    rate: Rate
    amount: int
    taxable_amount: int


@dataclass
class LineTotals:
    """Amounts of one line item."""

    subtotal: int
    discount: int
    taxes: list[TaxAmount] = field(default_factory=list)

    @property
    def total(self) -> int:
        """What the line adds to the amount due: discounted, plus exclusive taxes."""
        added = sum(tax.amount for tax in self.taxes if not tax.rate.inclusive)
        return self.subtotal - self.discount + added


@dataclass
class Totals:
    """Amounts of a whole session."""

    lines: list[LineTotals]

    @property
    def subtotal(self) -> int:
        """Sum of line subtotals, before discounts and exclusive taxes."""
        return sum(line.subtotal for line in self.lines)

    @property
    def discount(self) -> int:
        """Total discount."""
        return sum(line.discount for line in self.lines)

    @property
    def tax(self) -> int:
        """All tax, inclusive and exclusive."""
        return sum(tax.amount for line in self.lines for tax in line.taxes)

    @property
    def total(self) -> int:
        """The amount due."""
        return sum(line.total for line in self.lines)


def round_half_up(value: Decimal) -> int:
    """Round to the nearest integer, halves away from zero (amounts are never negative)."""
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def compute(lines: list[Line], discount: Discount | None) -> Totals:
    """Totals for ``lines`` with an optional session-wide ``discount``."""
    subtotals = [line.unit_amount * line.quantity for line in lines]
    discounts = spread(discount_amount(sum(subtotals), discount), subtotals)
    result = []
    for line, subtotal, line_discount in zip(lines, subtotals, discounts, strict=True):
        totals = LineTotals(subtotal=subtotal, discount=line_discount)
        net = Decimal(subtotal - line_discount)
        inclusive_percent = sum((r.percentage for r in line.rates if r.inclusive), Decimal(0))
        inclusive_taxes = [
            TaxAmount(rate, round_half_up(net * rate.percentage / (HUNDRED + inclusive_percent)), 0)
            for rate in line.rates
            if rate.inclusive
        ]
        taxable_inclusive = int(net) - sum(tax.amount for tax in inclusive_taxes)
        for tax in inclusive_taxes:
            tax.taxable_amount = taxable_inclusive
        exclusive_taxes = [
            TaxAmount(rate, round_half_up(net * rate.percentage / HUNDRED), int(net))
            for rate in line.rates
            if not rate.inclusive
        ]
        by_rate = {id(tax.rate): tax for tax in inclusive_taxes + exclusive_taxes}
        totals.taxes = [by_rate[id(rate)] for rate in line.rates]
        result.append(totals)
    return Totals(result)


def discount_amount(subtotal: int, discount: Discount | None) -> int:
    """The session-wide discount, never more than the subtotal."""
    if discount is None:
        return 0
    if discount.percent_off is not None:
        return min(subtotal, round_half_up(Decimal(subtotal) * discount.percent_off / HUNDRED))
    return min(subtotal, discount.amount_off or 0)


def spread(amount: int, weights: list[int]) -> list[int]:
    """Split ``amount`` over ``weights`` proportionally, with parts summing to ``amount``."""
    total = sum(weights)
    if total == 0 or amount == 0:
        return [0 for _ in weights]
    exact = [Decimal(amount) * weight / total for weight in weights]
    parts = [int(share.to_integral_value(rounding=ROUND_FLOOR)) for share in exact]
    leftover = amount - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for index in order[:leftover]:
        parts[index] += 1
    return parts
