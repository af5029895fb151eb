"""Money as integer minor units plus an ISO 4217 currency code.

Why integers: floats cannot hold 0.10 exactly, and Stripe itself speaks minor units
(cents, yen, fils). Every amount in the store is an `int` of minor units next to a
three-letter currency code; `Decimal` appears only at the edges, when an editor types a
price or a shopper reads one.

The one rounding rule: ROUND_HALF_UP (halves go away from zero) to the currency's
minor unit, the rule shoppers expect from a till and the one Stripe applies to tax
amounts. Nothing here truncates.

Stripe's own rules on top of ISO 4217 (https://docs.stripe.com/currencies):
zero-decimal currencies (JPY, KRW, ...) are sent as whole units; three-decimal
currencies (KWD, BHD, JOD, OMR, TND) are sent in thousandths whose last digit must be 0;
and no charge may be below the currency's minimum (`MINIMUM_CHARGE`, Stripe's table of
minimum charge amounts: https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


class MoneyError(ValueError):
    """Base class for amounts or currencies the store cannot accept."""


class UnknownCurrency(MoneyError):
    """The code is not an ISO 4217 currency the store supports."""


class InvalidAmount(MoneyError):
    """The amount is not a number, is negative, or has more decimals than its currency."""


@dataclass(frozen=True)
class Currency:
    """An ISO 4217 currency: its code, English name, minor-unit exponent and symbol."""

    code: str
    name: str
    exponent: int
    symbol: str = ""

    @property
    def stripe_step(self) -> int:
        """The smallest multiple of minor units Stripe accepts (10 for three-decimal ones)."""
        return 10 if self.exponent == 3 else 1


# The currencies editors may choose. Exponents are ISO 4217's.
_CURRENCY_LIST = [
    Currency("USD", "US dollar", 2, "$"),
    Currency("EUR", "Euro", 2, "€"),
    Currency("GBP", "Pound sterling", 2, "£"),
    Currency("CHF", "Swiss franc", 2),
    Currency("CAD", "Canadian dollar", 2, "CA$"),
    Currency("AUD", "Australian dollar", 2, "A$"),
    Currency("SEK", "Swedish krona", 2),
    Currency("NOK", "Norwegian krone", 2),
    Currency("DKK", "Danish krone", 2),
    Currency("PLN", "Polish złoty", 2),
    Currency("JPY", "Japanese yen", 0, "¥"),
    Currency("KRW", "South Korean won", 0, "₩"),
    Currency("KWD", "Kuwaiti dinar", 3),
    Currency("BHD", "Bahraini dinar", 3),
    Currency("JOD", "Jordanian dinar", 3),
    Currency("OMR", "Omani rial", 3),
    Currency("TND", "Tunisian dinar", 3),
]
CURRENCIES: dict[str, Currency] = {currency.code: currency for currency in _CURRENCY_LIST}
CURRENCY_CHOICES: list[tuple[str, str]] = [
    (currency.code, f"{currency.code} — {currency.name}") for currency in _CURRENCY_LIST
]


# Amounts up to a trillion major units: far above any price, far below a BigIntegerField.
MAX_MAJOR_DIGITS = 12


def get_currency(code: str) -> Currency:
    """Look a currency up by its code, in any letter case."""
    try:
        return CURRENCIES[str(code).upper()]
    except KeyError:
        raise UnknownCurrency(f"Unsupported currency {code!r}.") from None


def minor_unit(currency_code: str) -> Decimal:
    """The value of one minor unit in major units: 0.01 for USD, 1 for JPY, 0.001 for KWD."""
    return Decimal(1).scaleb(-get_currency(currency_code).exponent)


def parse_amount(value: str | int | Decimal, currency_code: str) -> int:
    """Turn a price an editor typed ("12.50") into minor units (1250), refusing to guess.

    Too many decimals for the currency is an error rather than a silent rounding: an
    editor typing 1.999 USD or 100.5 JPY has made a mistake we should show them.
    """
    if isinstance(value, float):
        raise InvalidAmount("Pass amounts as text or Decimal, never float.")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidAmount(f"{value!r} is not a number.") from None
    if not number.is_finite():
        raise InvalidAmount(f"{value!r} is not a number.")
    if number < 0:
        raise InvalidAmount("Amounts cannot be negative.")
    if number.adjusted() >= MAX_MAJOR_DIGITS:
        raise InvalidAmount(f"{value} is too large an amount.")
    currency = get_currency(currency_code)
    scaled = number.scaleb(currency.exponent)
    if scaled != scaled.to_integral_value():
        raise InvalidAmount(
            f"{currency.code} has {currency.exponent} decimal place"
            f"{'' if currency.exponent == 1 else 's'}; {value} has more."
        )
    return int(scaled)


def round_to_minor(value: Decimal, currency_code: str) -> int:
    """Round an amount in major units to minor units with the store's one rule (half up)."""
    currency = get_currency(currency_code)
    return int(Decimal(value).scaleb(currency.exponent).quantize(Decimal(1), ROUND_HALF_UP))


def round_minor(value: Decimal) -> int:
    """Round a fractional number of minor units (e.g. 12.5 cents of tax) half up."""
    return int(Decimal(value).quantize(Decimal(1), ROUND_HALF_UP))


def divide_half_up(numerator: int, denominator: int) -> int:
    """`numerator / denominator` minor units, rounded with `round_minor`'s rule (halves
    away from zero), exactly. Pricing divides once per line and tax on every cart change;
    integers do it without building a `Decimal` each time."""
    if denominator <= 0:
        raise ValueError("The denominator must be positive.")
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


def to_decimal(amount: int, currency_code: str) -> Decimal:
    """Minor units back to major units, exactly: 1250 USD -> Decimal("12.50")."""
    currency = get_currency(currency_code)
    return Decimal(int(amount)).scaleb(-currency.exponent)


def format_amount(amount: int, currency_code: str) -> str:
    """Show an amount to a shopper: "$1,234.50", "¥1,200", "KWD 1.250", "CHF 9.90"."""
    currency = get_currency(currency_code)
    major = to_decimal(abs(int(amount)), currency.code)
    digits = f"{major:,.{currency.exponent}f}"
    sign = "-" if amount < 0 else ""
    if currency.symbol:
        return f"{sign}{currency.symbol}{digits}"
    return f"{sign}{currency.code} {digits}"


def to_stripe_amount(amount: int, currency_code: str) -> int:
    """The `unit_amount`/`amount` Stripe expects, or an error where Stripe would refuse it.

    Our minor units are ISO 4217's, which match Stripe's for the currencies we offer;
    three-decimal currencies must end in 0 for Stripe, and we refuse rather than round
    so that a shopper is never charged a different amount than the one shown.
    """
    currency = get_currency(currency_code)
    amount = int(amount)
    if amount < 0:
        raise InvalidAmount("Stripe amounts cannot be negative.")
    if amount % currency.stripe_step:
        raise InvalidAmount(
            f"Stripe charges {currency.code} in multiples of "
            f"{format_amount(currency.stripe_step, currency.code)}; "
            f"{to_decimal(amount, currency.code)} is not one."
        )
    return amount


class BelowMinimumCharge(InvalidAmount):
    """Stripe refuses to charge less than its minimum for the currency."""


# Stripe's minimum charge amounts, in minor units, from its documented table "Minimum and
# maximum charge amounts": https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts
# Stripe lists no minimum for KRW, KWD, BHD, JOD, OMR and TND: it requires the charge to
# be worth at least its minimum in the account's settlement currency (about USD 0.50),
# so those entries are that amount rounded up with a margin for exchange rates (and to
# Stripe's step of 10 for three-decimal currencies). The offline emulator uses the same
# table (stripe_emulator/currencies.py).
MINIMUM_CHARGE: dict[str, int] = {
    "USD": 50,
    "EUR": 50,
    "GBP": 30,
    "CHF": 50,
    "CAD": 50,
    "AUD": 50,
    "SEK": 300,
    "NOK": 300,
    "DKK": 250,
    "PLN": 200,
    "JPY": 50,
    "KRW": 500,
    "KWD": 200,
    "BHD": 200,
    "JOD": 400,
    "OMR": 200,
    "TND": 2000,
}


def minimum_charge(currency_code: str) -> int:
    """The smallest amount, in minor units, Stripe charges in this currency.

    From Stripe's documented table of minimum charge amounts (see `MINIMUM_CHARGE`). A
    price below it could be published but never sold: every Buy would fail at Stripe.
    """
    currency = get_currency(currency_code)
    return MINIMUM_CHARGE[currency.code]


def check_minimum_charge(amount: int, currency_code: str) -> int:
    """Refuse an amount below Stripe's minimum charge, saying the minimum as shoppers write it."""
    minimum = minimum_charge(currency_code)
    if int(amount) < minimum:
        raise BelowMinimumCharge(
            f"The price must be at least {format_amount(minimum, currency_code)}: "
            f"Stripe charges no less in {get_currency(currency_code).code}."
        )
    return int(amount)


@dataclass(frozen=True, order=True)
class Money:
    """An amount in minor units with its currency; adding two currencies is an error."""

    amount: int
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "currency", get_currency(self.currency).code)
        object.__setattr__(self, "amount", int(self.amount))

    def __add__(self, other: Money) -> Money:
        self._check_same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check_same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, quantity: int) -> Money:
        if not isinstance(quantity, int):
            raise TypeError("Money multiplies by whole quantities only.")
        return Money(self.amount * quantity, self.currency)

    def _check_same_currency(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"Cannot combine Money with {type(other).__name__}.")
        if other.currency != self.currency:
            raise MoneyError(f"Cannot combine {self.currency} with {other.currency}.")

    def __str__(self) -> str:
        return format_amount(self.amount, self.currency)

    @property
    def decimal(self) -> Decimal:
        return to_decimal(self.amount, self.currency)
