"""Run the emulator inside a test process.

Example::

    from stripe_emulator.testing import RunningEmulator

    with RunningEmulator() as emulator:
        client = stripe.StripeClient("sk_test_usd", base_addresses={"api": emulator.base_url})
        emulator.set_webhook("usd", live_server_url + "/stripe/webhook/", "whsec_test")
        ...
        assert emulator.webhook_attempts()[0]["status_code"] == 200

The server binds a free port on 127.0.0.1, so parallel test workers never collide. Webhook
retries are fast by default (``webhook_retry_base_seconds=0.05``) to keep tests short.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from stripe_emulator.emulator import Emulator
from stripe_emulator.faults import parse_fault
from stripe_emulator.server import make_server


class RunningEmulator:
    """An emulator serving HTTP from a background thread until :meth:`stop`."""

    def __init__(
        self,
        *,
        webhook_retry_base_seconds: float = 0.05,
        webhook_max_retry_seconds: float = 5.0,
        webhook_timeout_seconds: float = 2.0,
    ) -> None:
        self.emulator = Emulator(
            webhook_retry_base_seconds=webhook_retry_base_seconds,
            webhook_max_retry_seconds=webhook_max_retry_seconds,
            webhook_timeout_seconds=webhook_timeout_seconds,
            sweep_interval_seconds=0.2,
        )
        self._server = make_server(self.emulator, "127.0.0.1", 0)
        self.base_url: str = self.emulator.base_url
        """Root URL, e.g. ``http://127.0.0.1:41234``; pass it as stripe-python's ``api`` base."""
        self.emulator.start()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="stripe-emulator",
            daemon=True,
        )
        self._thread.start()

    def reset(self, *, clear_webhooks: bool = False) -> None:
        """Forget all objects, events, idempotency keys, faults and webhook attempts.

        Webhook endpoints are kept unless ``clear_webhooks`` is true.
        """
        self.emulator.reset(clear_webhooks=clear_webhooks)

    def inject_fault(
        self,
        kind: str,
        count: int = 1,
        *,
        method: str | None = None,
        path_prefix: str | None = None,
        delay_seconds: float = 5.0,
        after_processing: bool = False,
    ) -> None:
        """Make the next ``count`` matching API requests fail.

        ``kind`` is ``"500"``, ``"429"``, ``"timeout"`` (answer after ``delay_seconds``) or
        ``"drop"`` (close the connection unanswered; after running the request when
        ``after_processing``).
        """
        self.emulator.faults.add(
            parse_fault(
                {
                    "kind": kind,
                    "count": count,
                    "method": method,
                    "path_prefix": path_prefix,
                    "delay_seconds": delay_seconds,
                    "after_processing": after_processing,
                }
            )
        )

    def set_webhook(self, account: str, url: str | None, secret: str | None = None) -> None:
        """Send ``account``'s events (``"*"``: any account without its own) to ``url``."""
        self.emulator.webhooks.configure(account, url, secret)

    def webhook_attempts(self) -> list[dict[str, Any]]:
        """Delivery attempts so far: event_id, type, account, url, status_code, error,
        attempt, time."""
        return self.emulator.webhooks.attempts()

    def wait_for_webhook_attempts(
        self, predicate: Callable[[list[dict[str, Any]]], bool], timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        """Poll :meth:`webhook_attempts` until ``predicate`` holds; raise on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            attempts = self.webhook_attempts()
            if predicate(attempts):
                return attempts
            if time.monotonic() > deadline:
                raise TimeoutError(f"webhook attempts never matched; got {attempts!r}")
            time.sleep(0.02)

    def advance_clock(self, seconds: float) -> int:
        """Move emulated time forward (expiring Checkout Sessions); return the new time."""
        return self.emulator.advance_clock(seconds)

    def stop(self) -> None:
        """Stop serving and end the background threads."""
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self.emulator.stop()

    def __enter__(self) -> RunningEmulator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
