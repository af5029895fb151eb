"""Ids that arrive from outside (URL paths, query strings, webhook payloads), checked
before they reach a query.

Databases do not answer "not found" to every string: SQLite raises OverflowError for
an integer above 2**63 - 1 and PostgreSQL refuses a NUL character outright. So anything
that cannot be an id is turned away here, and callers answer it like an unknown id.
"""

from __future__ import annotations

import re

# Any number of 18 digits fits a signed 64-bit integer, the widest id column we have.
MAX_PAGE_ID_DIGITS = 18

# Stripe ids are a type prefix and base62 characters (`cs_test_a1B2...`, `evt_1Nx...`).
_STRIPE_ID_BODY = re.compile(r"[A-Za-z0-9_]+")


def parse_page_id(text: str) -> int | None:
    """The page id written in `text`, or None if it is not one (only ASCII digits count:
    `int()` would also take full-width digits, " 12" or "-1")."""
    if text.isascii() and text.isdigit() and len(text) <= MAX_PAGE_ID_DIGITS:
        return int(text)
    return None


def is_stripe_id(value: object, prefix: str, max_length: int = 255) -> bool:
    """Whether `value` looks like a Stripe id of the type that `prefix` (e.g. "cs_") names."""
    return (
        isinstance(value, str)
        and len(value) <= max_length
        and value.startswith(prefix)
        and _STRIPE_ID_BODY.fullmatch(value, len(prefix)) is not None
    )
