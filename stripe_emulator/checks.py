"""Value rules Stripe applies to individual parameters beyond their types.

The params classes only say "a string"; Stripe also refuses malformed emails, over-long text
and ids of objects that do not exist. These checks keep the emulator from accepting requests
that would fail against the real API.
"""

from __future__ import annotations

import re

from stripe_emulator.errors import StripeError, invalid_param, no_such

#: Stripe's limit on a PaymentIntent's ``description``.
DESCRIPTION_MAX_LENGTH = 1000

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def check_email(value: str, param: str) -> str:
    """Refuse what is not an email address, as Stripe does (``email_invalid``)."""
    if not _EMAIL.fullmatch(value):
        raise invalid_param(f"Invalid email address: {value}", param, "email_invalid")
    return value


def check_length(value: str, limit: int, param: str) -> str:
    """Refuse text longer than Stripe stores for the parameter."""
    if len(value) > limit:
        raise invalid_param(
            f"Invalid string: {value[:30]}...; must be at most {limit} characters", param
        )
    return value


def unknown_customer(customer_id: str, param: str = "customer") -> StripeError:
    """The emulator keeps no customers, so every customer id is one Stripe would not know."""
    return no_such("customer", customer_id, param)
