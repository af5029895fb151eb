"""What an operation needs to know about the request that triggered it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from stripe_emulator.store import Store, new_id

if TYPE_CHECKING:
    from stripe_emulator.emulator import Emulator


@dataclass
class RequestContext:
    """The caller's account and request identity, plus access to state and events.

    ``base_url`` is the address the client used to reach the emulator; links handed back to
    browsers (hosted Checkout, 3-D Secure pages) are built from it so they work on any port.
    """

    emulator: Emulator
    account: str
    base_url: str
    publishable: bool = False
    request_id: str = field(default_factory=lambda: new_id("req", 14))
    idempotency_key: str | None = None

    @property
    def store(self) -> Store:
        """The emulator's state."""
        return self.emulator.store

    def now(self) -> int:
        """Emulated Unix time."""
        return self.emulator.store.now()

    def emit(self, event_type: str, obj: dict[str, Any]) -> None:
        """Record an event for ``obj`` in this account and queue its webhook delivery."""
        self.emulator.emit(
            self.account,
            event_type,
            obj,
            request_id=self.request_id,
            idempotency_key=self.idempotency_key,
        )
