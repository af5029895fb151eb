"""The emulator as one object: state, webhooks, faults and the background expiry sweep."""

from __future__ import annotations

import threading
from typing import Any

from stripe_emulator import checkout
from stripe_emulator.context import RequestContext
from stripe_emulator.events import record_event
from stripe_emulator.faults import FaultInjector
from stripe_emulator.store import Store
from stripe_emulator.webhooks import WebhookDispatcher


class Emulator:
    """Everything except HTTP; the server and in-process tests both drive this."""

    def __init__(
        self,
        *,
        webhook_retry_base_seconds: float = 1.0,
        webhook_max_retry_seconds: float = 300.0,
        webhook_timeout_seconds: float = 5.0,
        sweep_interval_seconds: float = 0.5,
        base_url: str = "",
    ) -> None:
        self.store = Store()
        self.faults = FaultInjector()
        self.webhooks = WebhookDispatcher(
            retry_base_seconds=webhook_retry_base_seconds,
            max_retry_seconds=webhook_max_retry_seconds,
            request_timeout_seconds=webhook_timeout_seconds,
        )
        self.base_url = base_url
        self.sweep_interval_seconds = sweep_interval_seconds
        self._stopping = threading.Event()
        self._sweeper: threading.Thread | None = None

    def context(self, account: str, base_url: str | None = None) -> RequestContext:
        """A context for work not triggered by an API request (pages, sweeps)."""
        return RequestContext(self, account, base_url or self.base_url)

    def emit(
        self,
        account: str,
        event_type: str,
        obj: dict[str, Any],
        *,
        request_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Record an event and hand it to the webhook dispatcher (which never blocks)."""
        pending = 1 if self.webhooks.endpoint_for(account) else 0
        event = record_event(
            self.store,
            account,
            event_type,
            obj,
            request_id=request_id,
            idempotency_key=idempotency_key,
            pending_webhooks=pending,
        )
        self.webhooks.enqueue(account, event)
        return event

    def sweep(self) -> int:
        """Expire overdue Checkout Sessions now; return how many expired."""
        return checkout.expire_due(self.context, self.store)

    def advance_clock(self, seconds: float) -> int:
        """Move emulated time forward (to reach ``expires_at`` quickly) and sweep."""
        with self.store.lock:
            self.store.clock_offset += seconds
        self.sweep()
        return self.store.now()

    def reset(self, *, clear_webhooks: bool = False) -> None:
        """Forget all objects, events, idempotent responses, faults and webhook attempts."""
        with self.store.lock:
            self.store.reset()
            self.faults.clear()
            self.webhooks.reset(clear_endpoints=clear_webhooks)

    def start(self) -> None:
        """Start the webhook delivery thread and the expiry sweeper."""
        self.webhooks.freeze_initial_configuration()
        self.webhooks.start()
        self._stopping.clear()
        self._sweeper = threading.Thread(target=self._sweep_loop, name="expiry-sweep", daemon=True)
        self._sweeper.start()

    def stop(self) -> None:
        """Stop the background threads."""
        self._stopping.set()
        self.webhooks.stop()
        if self._sweeper is not None:
            self._sweeper.join(timeout=5)

    def _sweep_loop(self) -> None:
        while not self._stopping.wait(self.sweep_interval_seconds):
            self.sweep()
