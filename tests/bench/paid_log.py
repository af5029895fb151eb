"""A record of every `order_paid` signal, for the exactly-once check of `make bench`.

Each worker appends the paid order's id as one line to the file named by
BENCH_PAID_LOG (an append of one short line is atomic, so two workers never mix
their lines). The harness then counts the lines per order: each paid order once.
"""

from __future__ import annotations

import os
from typing import Any

from commerce.signals import order_paid


def record_paid(sender: Any, order: Any = None, **kwargs: Any) -> None:
    path = os.environ.get("BENCH_PAID_LOG")
    if path and order is not None:
        with open(path, "a", encoding="ascii") as log:
            log.write(f"{order.pk}\n")


def connect() -> None:
    order_paid.connect(record_paid, dispatch_uid="bench_paid_log")
