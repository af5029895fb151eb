"""Measuring a target against its baseline in alternating short rounds, so that whatever
else the machine is doing slows both alike."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .wrk import WrkResult


@dataclass
class Tally:
    """The rounds of one measured thing, added up."""

    requests: int = 0
    seconds: float = 0.0
    failed: int = 0
    socket_errors: int = 0
    p50_ms: list[float] = field(default_factory=list)

    def add(self, result: WrkResult) -> None:
        self.requests += result.requests
        self.seconds += result.seconds
        self.failed += result.failed
        self.socket_errors += result.socket_errors
        if 50 in result.latency_ms:
            self.p50_ms.append(result.latency_ms[50])

    @property
    def rate(self) -> float:
        """Requests per second over all its rounds."""
        return self.requests / self.seconds if self.seconds else 0.0


def interleaved(
    measures: Sequence[tuple[str, Callable[[], WrkResult]]], rounds: int
) -> dict[str, Tally]:
    """Run every measure once per round, in the order given, for `rounds` rounds
    (baseline, target, baseline, target, ...); their results added up by name."""
    tallies = {name: Tally() for name, _ in measures}
    for _ in range(rounds):
        for name, measure in measures:
            tallies[name].add(measure())
    return tallies


def ratio(target: Tally, baseline: Tally) -> float:
    """The target's rate as a share of the baseline's."""
    return target.rate / baseline.rate if baseline.rate else 0.0
