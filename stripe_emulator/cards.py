"""Stripe's documented test cards and the outcome each one produces.

The same cards work everywhere in the emulator: as ``pm_card_*`` payment method tokens over
the API, and as card numbers typed into the hosted Checkout page or the Payment Element.
"""

from __future__ import annotations

from dataclasses import dataclass

SUCCEED = "succeed"
DECLINE = "decline"
AUTHENTICATE = "authenticate"


@dataclass(frozen=True)
class TestCard:
    """A test card number and what happens when it is charged."""

    number: str
    brand: str
    outcome: str
    code: str | None = None
    decline_code: str | None = None
    message: str | None = None


_DECLINED = "Your card was declined."

TEST_CARDS = {
    card.number: card
    for card in (
        TestCard("4242424242424242", "visa", SUCCEED),
        TestCard("4000056655665556", "visa", SUCCEED),
        TestCard("5555555555554444", "mastercard", SUCCEED),
        TestCard("378282246310005", "amex", SUCCEED),
        TestCard(
            "4000000000000002", "visa", DECLINE, "card_declined", "generic_decline", _DECLINED
        ),
        TestCard(
            "4000000000009995",
            "visa",
            DECLINE,
            "card_declined",
            "insufficient_funds",
            "Your card has insufficient funds.",
        ),
        TestCard("4000000000009987", "visa", DECLINE, "card_declined", "lost_card", _DECLINED),
        TestCard("4000000000009979", "visa", DECLINE, "card_declined", "stolen_card", _DECLINED),
        TestCard(
            "4000000000000069",
            "visa",
            DECLINE,
            "expired_card",
            "expired_card",
            "Your card has expired.",
        ),
        TestCard(
            "4000000000000127",
            "visa",
            DECLINE,
            "incorrect_cvc",
            "incorrect_cvc",
            "Your card's security code is incorrect.",
        ),
        TestCard(
            "4000000000000119",
            "visa",
            DECLINE,
            "processing_error",
            "processing_error",
            "An error occurred while processing your card. Try again in a little bit.",
        ),
        TestCard("4000002500003155", "visa", AUTHENTICATE),
        TestCard("4000002760003184", "visa", AUTHENTICATE),
    )
}

#: Payment method tokens usable in any account, as in Stripe test mode.
TOKENS = {
    "pm_card_visa": "4242424242424242",
    "pm_card_mastercard": "5555555555554444",
    "pm_card_amex": "378282246310005",
    "pm_card_chargeDeclined": "4000000000000002",
    "pm_card_visa_chargeDeclined": "4000000000000002",
    "pm_card_visa_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_chargeDeclinedLostCard": "4000000000009987",
    "pm_card_chargeDeclinedStolenCard": "4000000000009979",
    "pm_card_chargeDeclinedExpiredCard": "4000000000000069",
    "pm_card_chargeDeclinedIncorrectCvc": "4000000000000127",
    "pm_card_chargeDeclinedProcessingError": "4000000000000119",
    "pm_card_authenticationRequired": "4000002500003155",
    "pm_card_threeDSecureRequired": "4000002760003184",
}

AUTHENTICATION_FAILED_MESSAGE = (
    "The provided PaymentMethod has failed authentication. You can provide payment_method_data "
    "or a new PaymentMethod to attempt to fulfill this PaymentIntent again."
)


def normalise_number(number: str) -> str:
    """Digits only, so ``4242 4242 4242 4242`` and ``4242-4242...`` are the same card."""
    return "".join(ch for ch in number if ch.isdigit())


def passes_luhn(number: str) -> bool:
    """The checksum every real card number satisfies."""
    if not 12 <= len(number) <= 19 or not number.isdigit():
        return False
    total = 0
    for position, digit in enumerate(reversed(number)):
        value = int(digit)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_for(number: str) -> TestCard:
    """The behaviour of a card number, treating unknown valid numbers as live cards."""
    digits = normalise_number(number)
    known = TEST_CARDS.get(digits)
    if known:
        return known
    if not passes_luhn(digits):
        return TestCard(
            digits, "unknown", DECLINE, "incorrect_number", None, "Your card number is incorrect."
        )
    return TestCard(
        digits,
        "visa" if digits.startswith("4") else "unknown",
        DECLINE,
        "card_declined",
        "test_mode_live_card",
        "Your card was declined. Your request was in test mode, but used a non test (live) "
        "card. For a list of valid test cards, visit: https://stripe.com/docs/testing.",
    )
