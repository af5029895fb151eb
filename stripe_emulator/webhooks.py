"""Asynchronous, signed, retried delivery of events to each account's webhook endpoint.

API requests only enqueue deliveries; one background thread posts them, so a slow or broken
receiver never delays an API answer (as with Stripe). Failed deliveries are retried with
exponential backoff until a bounded retry window has passed.
"""

from __future__ import annotations

import heapq
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from stripe_emulator.signing import signature_header
from stripe_emulator.store import public

WILDCARD_ACCOUNT = "*"
DEFAULT_SECRET = "whsec_emulator"  # noqa: S105 - documented test-only default
MAX_ATTEMPT_RECORDS = 10_000
# Receivers are local test servers: never route deliveries through an environment proxy.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class Endpoint:
    """Where one account's events go and the secret they are signed with."""

    url: str
    secret: str


@dataclass(order=True)
class _Delivery:
    due: float
    sequence: int
    account: str = field(compare=False)
    event: dict[str, Any] = field(compare=False)
    endpoint: Endpoint = field(compare=False)
    attempt: int = field(compare=False, default=1)
    first_attempt_at: float = field(compare=False, default=0.0)


class WebhookDispatcher:
    """Holds endpoint configuration, the delivery queue and the log of attempts."""

    def __init__(
        self,
        *,
        retry_base_seconds: float = 1.0,
        max_retry_seconds: float = 300.0,
        request_timeout_seconds: float = 5.0,
    ) -> None:
        self.retry_base_seconds = retry_base_seconds
        self.max_retry_seconds = max_retry_seconds
        self.request_timeout_seconds = request_timeout_seconds
        self._initial_endpoints: dict[str, Endpoint] = {}
        self._endpoints: dict[str, Endpoint] = {}
        self._attempts: list[dict[str, Any]] = []
        self._queue: list[_Delivery] = []
        self._sequence = itertools.count()
        self._condition = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def configure(self, account: str, url: str | None, secret: str | None = None) -> None:
        """Set (or with ``url=None`` remove) the endpoint of ``account`` (``*`` = any other)."""
        if url is not None and not url.startswith(("http://", "https://")):
            raise ValueError(f"webhook URL must be http(s): {url!r}")
        with self._condition:
            if url is None:
                self._endpoints.pop(account, None)
            else:
                self._endpoints[account] = Endpoint(url, secret or DEFAULT_SECRET)

    def freeze_initial_configuration(self) -> None:
        """Remember the current endpoints as the ones a full reset returns to."""
        with self._condition:
            self._initial_endpoints = dict(self._endpoints)

    def endpoints(self) -> dict[str, dict[str, str]]:
        """The configured endpoints by account, for the control endpoint."""
        with self._condition:
            return {name: {"url": e.url, "secret": e.secret} for name, e in self._endpoints.items()}

    def endpoint_for(self, account: str) -> Endpoint | None:
        """The endpoint that receives ``account``'s events, falling back to the wildcard."""
        with self._condition:
            return self._endpoints.get(account) or self._endpoints.get(WILDCARD_ACCOUNT)

    def enqueue(self, account: str, event: dict[str, Any]) -> None:
        """Schedule delivery of ``event`` to the account's endpoint, if it has one."""
        endpoint = self.endpoint_for(account)
        if endpoint is None:
            return
        now = time.monotonic()
        with self._condition:
            heapq.heappush(
                self._queue,
                _Delivery(now, next(self._sequence), account, event, endpoint, 1, now),
            )
            self._condition.notify()

    def attempts(self) -> list[dict[str, Any]]:
        """Every delivery attempt so far, oldest first."""
        with self._condition:
            return list(self._attempts)

    def reset(self, *, clear_endpoints: bool = False) -> None:
        """Forget queued deliveries and attempts; optionally restore the start-up endpoints."""
        with self._condition:
            self._queue.clear()
            self._attempts.clear()
            if clear_endpoints:
                self._endpoints = dict(self._initial_endpoints)

    def start(self) -> None:
        """Start the delivery thread."""
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="webhook-delivery", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the delivery thread; pending deliveries are abandoned."""
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def _next_due(self) -> _Delivery | None:
        with self._condition:
            while not self._stopping:
                if self._queue and self._queue[0].due <= time.monotonic():
                    return heapq.heappop(self._queue)
                wait = self._queue[0].due - time.monotonic() if self._queue else 1.0
                self._condition.wait(timeout=max(0.0, min(wait, 1.0)))
        return None

    def _run(self) -> None:
        while True:
            delivery = self._next_due()
            if delivery is None:
                return
            status, error = self._post(delivery)
            succeeded = status is not None and 200 <= status < 300
            if succeeded:  # before the attempt is logged, which tests wait for
                self._delivered(delivery.event)
            self._record(delivery, status, error)
            if succeeded:
                continue
            delay = self.retry_base_seconds * (2 ** (delivery.attempt - 1))
            retry_at = time.monotonic() + delay
            if retry_at - delivery.first_attempt_at > self.max_retry_seconds:
                continue
            with self._condition:
                delivery.attempt += 1
                delivery.due = retry_at
                delivery.sequence = next(self._sequence)
                heapq.heappush(self._queue, delivery)

    def _delivered(self, event: dict[str, Any]) -> None:
        """The endpoint has the event: later retrievals show no delivery pending, as Stripe's."""
        with self._condition:
            event["pending_webhooks"] = max(0, event["pending_webhooks"] - 1)

    def _post(self, delivery: _Delivery) -> tuple[int | None, str | None]:
        payload = json.dumps(public(delivery.event), indent=2).encode()
        request = urllib.request.Request(  # noqa: S310 - configure() admits only http(s)
            delivery.endpoint.url,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
                "Stripe-Signature": signature_header(payload, delivery.endpoint.secret),
            },
        )
        try:
            with _OPENER.open(request, timeout=self.request_timeout_seconds) as answer:
                answer.read()
                return answer.status, None
        except urllib.error.HTTPError as failure:
            return failure.code, None
        except (OSError, ValueError) as failure:
            return None, f"{type(failure).__name__}: {failure}"

    def _record(self, delivery: _Delivery, status: int | None, error: str | None) -> None:
        with self._condition:
            self._attempts.append(
                {
                    "event_id": delivery.event["id"],
                    "type": delivery.event["type"],
                    "account": delivery.account,
                    "url": delivery.endpoint.url,
                    "status_code": status,
                    "error": error,
                    "attempt": delivery.attempt,
                    "time": time.time(),
                }
            )
            del self._attempts[:-MAX_ATTEMPT_RECORDS]
