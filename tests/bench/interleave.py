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
    # CPU seconds the server used during its rounds, when the caller can tell (see
    # `interleaved`): steadier than the rate when other programs share the machine.
    cpu_seconds: float = 0.0

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

    @property
    def cpu_ms(self) -> float:
        """The server's CPU milliseconds a request, over all its rounds."""
        return self.cpu_seconds / self.requests * 1000 if self.requests else 0.0


def interleaved(
    measures: Sequence[tuple[str, Callable[[], WrkResult]]],
    rounds: int,
    cpu: Callable[[], float] | None = None,
) -> dict[str, Tally]:
    """Run every measure once per round, in the order given, for `rounds` rounds
    (baseline, target, baseline, target, ...); their results added up by name. `cpu`,
    when given, tells the CPU seconds the server has used so far: each round's share is
    added to its tally."""
    tallies = {name: Tally() for name, _ in measures}
    for _ in range(rounds):
        for name, measure in measures:
            before = cpu() if cpu is not None else 0.0
            tallies[name].add(measure())
            if cpu is not None:
                tallies[name].cpu_seconds += cpu() - before
    return tallies


def ratio(target: Tally, baseline: Tally) -> float:
    """The target's rate as a share of the baseline's."""
    return target.rate / baseline.rate if baseline.rate else 0.0
