"""Currency rules Stripe applies to amounts: minor-unit exponents, minimums and display.

Amounts in the API are integers in the currency's smallest unit, whose size depends on the
currency (cents for USD, whole yen for JPY, fils for KWD); getting this wrong is a classic
integration bug, so the emulator enforces the same rules as Stripe.
"""

from __future__ import annotations

from stripe_emulator.errors import StripeError

ZERO_DECIMAL = frozenset("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split())
THREE_DECIMAL = frozenset("bhd jod kwd omr tnd".split())

#: Stripe's documented minimum charge amounts, in the currency's smallest unit.
MINIMUM_CHARGE = {
    "usd": 50, "aed": 200, "aud": 50, "bgn": 100, "brl": 50, "cad": 50, "chf": 50,
    "czk": 1500, "dkk": 250, "eur": 50, "gbp": 30, "hkd": 400, "huf": 17500, "inr": 50,
    "jpy": 50, "mxn": 1000, "myr": 200, "nok": 300, "nzd": 50, "pln": 200, "ron": 200,
    "sek": 300, "sgd": 50, "thb": 1000, "krw": 500, "kwd": 200, "bhd": 200, "jod": 400,
    "omr": 200, "tnd": 2000,
}  # fmt: skip

#: Stripe's presentment currencies: any other three-letter code is refused as Stripe refuses it.
SUPPORTED = frozenset(
    """
    usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bhd bif bmd bnd bob brl bsd
    bwp byn bzd cad cdf chf clp cny cop crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp
    gel gip gmd gnf gtq gyd hkd hnl htg huf idr ils inr isk jmd jod jpy kes kgs khr kmf krw
    kwd kyd kzt lak lbp lkr lrd lsl mad mdl mga mkd mmk mnt mop mur mvr mwk mxn myr mzn nad
    ngn nio nok npr nzd omr pab pen pgk php pkr pln pyg qar ron rsd rub rwf sar sbd scr sek
    sgd shp sle sos srd std szl thb tjs tnd top try ttd twd tzs uah ugx uyu uzs vnd vuv wst
    xaf xcd xof xpf yer zar zmw
    """.split()
)
#: Stripe takes amounts of at most eight digits in the smallest unit ($999,999.99).
MAXIMUM_AMOUNT = 99_999_999

_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "inr": "₹", "krw": "₩"}


def exponent(currency: str) -> int:
    """Number of decimal digits in the currency's smallest unit."""
    if currency in ZERO_DECIMAL:
        return 0
    if currency in THREE_DECIMAL:
        return 3
    return 2


def format_amount(amount: int, currency: str) -> str:
    """Render an amount the way a checkout page shows it: ``$12.34``, ``¥1,234``, ``KWD 1.250``."""
    digits = exponent(currency)
    sign = "-" if amount < 0 else ""
    value = abs(amount) / (10**digits)
    number = f"{value:,.{digits}f}"
    symbol = _SYMBOLS.get(currency)
    if symbol:
        return f"{sign}{symbol}{number}"
    return f"{sign}{currency.upper()} {number}"


def check_currency(currency: str, param: str = "currency") -> str:
    """Normalise a currency code, refusing what Stripe does not take payments in."""
    code = currency.lower()
    if code not in SUPPORTED:
        raise StripeError(
            f"Invalid currency: {code}. Stripe currently supports these currencies: "
            f"{', '.join(sorted(SUPPORTED))}",
            param=param,
            cacheable=False,
        )
    return code


def check_maximum(amount: int, currency: str, param: str = "amount") -> None:
    """Refuse amounts over Stripe's eight-digit limit."""
    if amount > MAXIMUM_AMOUNT:
        raise StripeError(
            f"Amount must be no more than {format_amount(MAXIMUM_AMOUNT, currency)}",
            param=param,
            code="amount_too_large",
            cacheable=False,
        )


def check_charge_amount(amount: int, currency: str, param: str = "amount") -> None:
    """Refuse charges Stripe refuses: below the minimum or not representable in the currency."""
    if amount < 1:
        raise StripeError(
            "This value must be greater than or equal to 1.", param=param, cacheable=False
        )
    if currency in THREE_DECIMAL and amount % 10 != 0:
        raise StripeError(
            f"Invalid amount: {currency.upper()} amounts must be a multiple of 10 "
            "because the last digit is always 0 for three-decimal currencies.",
            param=param,
            code="invalid_charge_amount",
            cacheable=False,
        )
    check_maximum(amount, currency, param)
    minimum = MINIMUM_CHARGE.get(currency, 1)
    if amount < minimum:
        raise StripeError(
            f"Amount must be at least {format_amount(minimum, currency)} {currency}",
            param=param,
            code="amount_too_small",
            cacheable=False,
        )
