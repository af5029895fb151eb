"""How long a request spent waiting for Stripe, for the buy overhead line of `make bench`.

stripe-python's HTTP client is wrapped so that every call (retries included) adds its
time to the current request's total, and a middleware reports that total in the
`X-Bench-Stripe-Ms` response header. The harness subtracts it from the request's time to
get what the store itself spent. Installed by the bench app only.
"""

from __future__ import annotations

import contextvars
import functools
import time
from collections.abc import Callable
from typing import Any

import stripe
from django.http import HttpRequest, HttpResponse

HEADER = "X-Bench-Stripe-Ms"

_stripe_seconds: contextvars.ContextVar[float] = contextvars.ContextVar(
    "bench_stripe_seconds", default=0.0
)


def install(client_class: type = stripe.RequestsClient) -> None:
    """Time every request `client_class` (stripe-python's requests-based client, the one
    the gateway uses) makes; installing twice changes nothing."""
    original = client_class.request_with_retries
    if getattr(original, "bench_timed", False):
        return

    @functools.wraps(original)
    def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            _stripe_seconds.set(_stripe_seconds.get() + time.perf_counter() - started)

    timed.bench_timed = True  # type: ignore[attr-defined]
    client_class.request_with_retries = timed


class StripeTimeHeaderMiddleware:
    """Adds the request's time spent in Stripe calls, in milliseconds, as a header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        _stripe_seconds.set(0.0)
        response = self.get_response(request)
        response[HEADER] = f"{_stripe_seconds.get() * 1000:.3f}"
        return response
