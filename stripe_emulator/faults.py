"""Scripted failures of API requests, so clients can test their retry and timeout handling."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

KINDS = ("500", "429", "timeout", "drop")
MAX_DELAY_SECONDS = 120.0


class FaultSpecError(ValueError):
    """A fault description that cannot be honoured."""


@dataclass
class Fault:
    """The next ``remaining`` API requests matching ``method``/``path_prefix`` fail as ``kind``.

    ``timeout`` waits ``delay_seconds`` and then answers normally; ``drop`` closes the
    connection without an answer, before the request runs unless ``after_processing`` is set
    (which models a response lost on the way back).
    """

    kind: str
    remaining: int = 1
    method: str | None = None
    path_prefix: str | None = None
    delay_seconds: float = 5.0
    after_processing: bool = False

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to a request."""
        if self.method and self.method.upper() != method:
            return False
        return not self.path_prefix or path.startswith(self.path_prefix)


def parse_fault(spec: dict[str, Any]) -> Fault:
    """Build a :class:`Fault` from the JSON body of ``POST /_emulator/faults``."""
    kind = str(spec.get("kind", ""))
    if kind not in KINDS:
        raise FaultSpecError(f"kind must be one of {', '.join(KINDS)}")
    try:
        count = int(spec.get("count", 1))
        delay = float(spec.get("delay_seconds", 5.0))
    except (TypeError, ValueError):
        raise FaultSpecError("count and delay_seconds must be numbers") from None
    if count < 1:
        raise FaultSpecError("count must be at least 1")
    if not 0 <= delay <= MAX_DELAY_SECONDS:
        raise FaultSpecError(f"delay_seconds must be between 0 and {MAX_DELAY_SECONDS:g}")
    return Fault(
        kind=kind,
        remaining=count,
        method=spec.get("method"),
        path_prefix=spec.get("path_prefix"),
        delay_seconds=delay,
        after_processing=bool(spec.get("after_processing", False)),
    )


class FaultInjector:
    """The queue of pending faults; the first matching one is consumed per request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        """Queue a fault after the ones already pending."""
        with self._lock:
            self._faults.append(fault)

    def take(self, method: str, path: str) -> Fault | None:
        """Consume one use of the first fault matching this request, if any."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def pending(self) -> list[dict[str, Any]]:
        """The faults still waiting, for the control endpoint."""
        with self._lock:
            return [asdict(fault) for fault in self._faults]

    def clear(self) -> None:
        """Drop every pending fault."""
        with self._lock:
            self._faults.clear()
