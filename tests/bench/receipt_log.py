"""A record of every receipt handed to the mail backend, for the check of `make bench`.

The bench's mail backend sends nothing; it appends the order number of each message's
subject ("... order #123") as one line to the file named by BENCH_RECEIPT_LOG, whichever
process sends it (a web worker, or the task worker). The harness then counts the lines
per order: each paid order exactly one receipt.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend

ORDER_NUMBER = re.compile(r"#(\d+)")


def order_number(subject: str) -> str:
    """The order's number in a receipt's subject, or "?" when it names none."""
    found = ORDER_NUMBER.search(subject)
    return found.group(1) if found else "?"


class ReceiptLogBackend(BaseEmailBackend):
    """Takes every message (so a receipt counts as sent) and logs its order number."""

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        path = os.environ.get("BENCH_RECEIPT_LOG")
        if path and email_messages:
            lines = "".join(f"{order_number(str(m.subject))}\n" for m in email_messages)
            with open(path, "a", encoding="ascii") as log:
                log.write(lines)
        return len(email_messages)


def read(path: str | os.PathLike[str]) -> tuple[int, ...]:
    """The order numbers logged so far, one per receipt ("?" lines count as order 0)."""
    try:
        text = Path(path).read_text(encoding="ascii")
    except FileNotFoundError:
        return ()
    return tuple(int(line) if line.isdigit() else 0 for line in text.split())
