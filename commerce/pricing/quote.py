"""Quotes: what a basket costs, line by line, with its discount and taxes.

Stripe Checkout's arithmetic, step by step (the order of the steps matters):

1. a line's amount is `unit_amount * quantity` (inclusive taxes are part of it);
2. the discount is taken from the subtotal: `percent_off` of it rounded half up, or
   `amount_off` (never more than the subtotal);
3. the discount is spread over the lines in proportion to their amounts; the minor units
   left over by rounding down go to the lines with the largest fractions (earlier lines
   first on ties), so the shares add up to the discount exactly;
4. each tax is computed per line on the discounted line amount, rounded half up:
   exclusive taxes are `rate`% of it and are added on top; inclusive taxes are the part
   of it that is tax, `amount * rate / (100 + sum of the line's inclusive rates)`, and
   are not added;
5. the total is subtotal - discount + exclusive taxes.

Amounts are integers of the currency's minor units throughout. Rates and shares are
worked out as exact fractions of integers, and each amount is rounded once, so no
intermediate rounding can move a result by a minor unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

from ..money import divide_half_up, round_minor

HUNDRED = Decimal(100)


class PricingError(ValueError):
    """Terms the pipeline cannot price (a programming or configuration mistake)."""


class DiscountRefused(Exception):
    """A discount code a shopper cannot use; the message says why, in their words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class LineInput:
    """One basket line as priced: the item, its unit price in minor units, how many.

    `item_id` is None for a line that is no catalog item of the basket: a fee or a gift a
    quote modifier added, or an order's item deleted since (the shopper cannot change
    such a line's quantity)."""

    item_id: int | None
    title: str
    unit_amount: int
    quantity: int
    sku: str = ""


@dataclass(frozen=True)
class DiscountTerms:
    """A discount as it applies to one quote: exactly one of `percent_off` (a percentage,
    e.g. Decimal("10")) or `amount_off` (minor units of `currency`)."""

    name: str
    code: str
    percent_off: Decimal | None
    amount_off: int | None
    currency: str | None
    discount_id: int | None = None


@dataclass(frozen=True)
class TaxTerms:
    """A tax rate: `rate` is a percentage (Decimal("8.875")); inclusive taxes are already
    part of the prices, exclusive ones are added on top."""

    name: str
    rate: Decimal
    inclusive: bool
    tax_id: int | None = None


@dataclass(frozen=True)
class LineTax:
    tax: TaxTerms
    amount: int


@dataclass(frozen=True)
class QuotedLine:
    line: LineInput
    amount: int
    discount: int
    taxes: tuple[LineTax, ...]

    @property
    def tax(self) -> int:
        return sum(line_tax.amount for line_tax in self.taxes)

    @property
    def total(self) -> int:
        """What this line adds to the amount due: discounted, plus exclusive taxes."""
        added = sum(line_tax.amount for line_tax in self.taxes if not line_tax.tax.inclusive)
        return self.amount - self.discount + added


@dataclass(frozen=True)
class TaxTotal:
    tax: TaxTerms
    amount: int


@dataclass(frozen=True)
class Quote:
    """An immutable price of a basket; every amount in minor units of `currency`."""

    currency: str
    lines: tuple[QuotedLine, ...]
    discount_terms: DiscountTerms | None
    subtotal: int
    discount: int
    taxes: tuple[TaxTotal, ...]
    tax: int
    total: int
    count: int


@dataclass(frozen=True)
class Basket:
    """What a quote is made from: lines, at most one discount (Stripe Checkout takes one
    coupon), and taxes applying to every line.

    Quote modifiers (`commerce.hooks.MODIFY_QUOTE`) receive one and return another (the
    `with_*` methods copy it), so whatever they add is priced by `quote`'s one arithmetic,
    which is Stripe's: a fee line becomes a Checkout line item, a discount the session's
    coupon, a tax a TaxRate on every line, and the quote's totals stay what Stripe charges.
    """

    currency: str
    lines: tuple[LineInput, ...]
    discount: DiscountTerms | None = None
    taxes: tuple[TaxTerms, ...] = ()

    @property
    def subtotal(self) -> int:
        """The lines' amounts before any discount or tax, in minor units."""
        return sum(line.unit_amount * line.quantity for line in self.lines)

    def with_line(self, line: LineInput) -> Basket:
        """This basket with `line` added last."""
        return replace(self, lines=(*self.lines, line))

    def with_discount(self, discount: DiscountTerms | None) -> Basket:
        """This basket with `discount` instead of its own (one discount per basket)."""
        return replace(self, discount=discount)

    def with_tax(self, tax: TaxTerms) -> Basket:
        """This basket with `tax` added to its taxes."""
        return replace(self, taxes=(*self.taxes, tax))


def spread(amount: int, weights: Sequence[int]) -> list[int]:
    """Split `amount` over `weights` proportionally; the parts add up to `amount`.

    Largest remainder: every part is rounded down, then the minor units left over go to
    the parts with the largest fractions, earlier parts first on ties (Stripe's rule).
    """
    total = sum(weights)
    if total == 0 or amount == 0:
        return [0 for _ in weights]
    # Each exact share is `amount * weight / total`: a whole part and a remainder over
    # `total` (made positive), in integers, so no share is ever rounded on the way.
    sign = 1 if total > 0 else -1
    divided = [divmod(amount * weight * sign, total * sign) for weight in weights]
    parts = [part for part, _ in divided]
    leftover = amount - sum(parts)
    order = sorted(range(len(divided)), key=lambda index: (-divided[index][1], index))
    for index in order[:leftover]:
        parts[index] += 1
    return parts


def discount_amount(subtotal: int, discount: DiscountTerms | None, currency: str) -> int:
    """The whole discount, never more than the subtotal."""
    if discount is None:
        return 0
    if discount.percent_off is not None:
        return min(subtotal, round_minor(Decimal(subtotal) * discount.percent_off / HUNDRED))
    if (discount.currency or "").upper() != currency.upper():
        raise PricingError(
            f"An amount-off discount in {discount.currency} cannot price {currency}."
        )
    return min(subtotal, int(discount.amount_off or 0))


def _check_terms(lines: Sequence[LineInput], taxes: Sequence[TaxTerms]) -> None:
    for line in lines:
        if line.quantity < 1 or line.unit_amount < 0:
            raise PricingError(f"Line {line.title!r} needs a quantity >= 1 and a price >= 0.")
    if len({tax.inclusive for tax in taxes}) > 1:
        # Stripe refuses a line item whose tax rates mix the two kinds.
        raise PricingError("Inclusive and exclusive taxes cannot apply to the same line.")
    for tax in taxes:
        if not Decimal(0) <= tax.rate <= HUNDRED:
            raise PricingError(f"Tax {tax.name!r} has a rate outside 0-100%.")


def _tax_fractions(taxes: Sequence[TaxTerms]) -> list[tuple[TaxTerms, int, int]]:
    """Each tax as the exact fraction of a discounted line amount it takes (numerator,
    denominator): `rate / 100` when exclusive, `rate / (100 + the inclusive rates)` when
    inclusive. Worked out once per quote, so each line's tax is one integer division."""
    inclusive_rates = sum((Fraction(tax.rate) for tax in taxes if tax.inclusive), Fraction(0))
    fractions = []
    for tax in taxes:
        share = Fraction(tax.rate) / (100 + inclusive_rates if tax.inclusive else 100)
        fractions.append((tax, share.numerator, share.denominator))
    return fractions


def _line_taxes(net: int, fractions: Sequence[tuple[TaxTerms, int, int]]) -> tuple[LineTax, ...]:
    return tuple(
        LineTax(tax, divide_half_up(net * numerator, denominator))
        for tax, numerator, denominator in fractions
    )


def quote(
    currency: str,
    lines: Sequence[LineInput],
    discount: DiscountTerms | None = None,
    taxes: Sequence[TaxTerms] = (),
) -> Quote:
    """Price `lines` in `currency` with an optional discount and taxes applying to every
    line. Raises `PricingError` for terms Stripe would refuse (mixed inclusive and
    exclusive taxes, an amount-off discount in another currency, bad quantities)."""
    _check_terms(lines, taxes)
    amounts = [line.unit_amount * line.quantity for line in lines]
    subtotal = sum(amounts)
    shares = spread(discount_amount(subtotal, discount, currency), amounts)
    fractions = _tax_fractions(taxes)
    # One pass over the lines, adding up each tax as it goes (a cart is priced per change).
    tax_sums = [0] * len(fractions)
    quoted = []
    for line, amount, share in zip(lines, amounts, shares, strict=True):
        line_taxes = _line_taxes(amount - share, fractions)
        for position, line_tax in enumerate(line_taxes):
            tax_sums[position] += line_tax.amount
        quoted.append(QuotedLine(line, amount, share, line_taxes))
    tax_totals = tuple(TaxTotal(tax, amount) for tax, amount in zip(taxes, tax_sums, strict=True))
    discount_total = sum(shares)
    exclusive_tax = sum(total.amount for total in tax_totals if not total.tax.inclusive)
    return Quote(
        currency=currency.upper(),
        lines=tuple(quoted),
        discount_terms=discount,
        subtotal=subtotal,
        discount=discount_total,
        taxes=tax_totals,
        tax=sum(tax_sums),
        # The sum of the lines' totals: discounted amounts plus exclusive taxes.
        total=subtotal - discount_total + exclusive_tax,
        count=sum(line.quantity for line in lines),
    )


def quote_basket(basket: Basket) -> Quote:
    """`quote` of a basket's lines, discount and taxes."""
    return quote(basket.currency, basket.lines, basket.discount, basket.taxes)
