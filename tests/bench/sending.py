"""What sending a path's fixed writes together (`commerce.fixed_sql.sent_together`, psycopg's
pipeline mode) saves, measured in one process by alternating each request between that and
one statement at a time, so both sides meet the same moments of a machine whose speed
moves: `tests.bench.webhooks --queue-receipts --alternate-sending` and `tests.bench.buy
--alternate-sending`."""

from __future__ import annotations

import contextlib
import statistics
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def one_statement_at_a_time(active: bool) -> Iterator[None]:
    """Inside, when `active`, `sent_together` sends each statement and waits for its answer,
    as it does on a database without pipelines."""
    from commerce import fixed_sql

    if not active:
        yield
        return
    supported = fixed_sql._pipelines_supported
    fixed_sql._pipelines_supported = lambda driver: False
    try:
        yield
    finally:
        fixed_sql._pipelines_supported = supported


def alternate(measure: Callable[[], tuple[float, float]], count: int, what: str) -> None:
    """Run `measure` (milliseconds of time and of CPU) `count` times each way, alternating,
    and print each way's medians."""
    results: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    for number in range(count * 2):
        apart = number % 2 == 1
        with one_statement_at_a_time(apart):
            results[apart].append(measure())
    for apart, label in ((False, "sent together"), (True, "one at a time")):
        times = [took for took, _ in results[apart]]
        cpu = [used for _, used in results[apart]]
        print(
            f"{label:14} {what} {statistics.median(times):.2f} ms median "
            f"(p25 {statistics.quantiles(times, n=4)[0]:.2f} ms), "
            f"CPU {statistics.median(cpu):.2f} ms median, over {count}"
        )
