"""Guards for endpoints that create orders or sessions: no prefetches, a rate per client.

`GET /v1/buy/{id}/` creates an order and a Stripe Checkout Session, so a browser that
prefetches the link, or a client that calls it in a loop, would create both for nothing.
The guards are decorators so every such endpoint (buy now today, the cart tomorrow)
applies the same rules the same way.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core import checks
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string
from django_ratelimit.core import get_usage

from .conf import app_settings
from .http import json_error

logger = logging.getLogger(__name__)

PREFETCH_MESSAGE = "Prefetching is not allowed here: this address starts a purchase."
RATE_LIMITED_MESSAGE = "Too many requests. Please wait a moment and try again."

# Cache backends whose counters every worker process shares and increments atomically.
SHARED_CACHE_BACKENDS = (
    "django.core.cache.backends.redis.RedisCache",
    "django.core.cache.backends.memcached.PyMemcacheCache",
    "django.core.cache.backends.memcached.PyLibMCCache",
    "django_redis.cache.RedisCache",
)


def is_prefetch(request: HttpRequest) -> bool:
    """Whether the browser is loading this speculatively rather than because someone asked.

    Chromium sends `Sec-Purpose: prefetch` (also for prerendering), older browsers
    `Purpose: prefetch`, Firefox `X-Moz: prefetch`.
    """
    headers = request.headers
    return any(
        "prefetch" in headers.get(name, "").lower() for name in ("Sec-Purpose", "Purpose", "X-Moz")
    )


def refuse_prefetch(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer a prefetch with 403 JSON before the view runs: no session, no order.

    403 (refused, do not repeat) rather than 503 (try again later, which invites a retry)
    or 400 (the request is well formed): browsers drop any prefetched answer that is not
    2xx, and the shopper's real click then comes without the header and buys as usual.
    `Cache-Control: no-store` keeps the refusal itself from being reused for that click.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if is_prefetch(request):
            response = json_error(403, PREFETCH_MESSAGE)
            response["Cache-Control"] = "no-store"
            return response
        return view(request, *args, **kwargs)

    return wrapper


def rate_limit(group: str, rate_setting: str) -> Callable[..., Callable[..., HttpResponse]]:
    """Limit each client (by IP address) to the rate named by the setting `rate_setting`,
    e.g. `"30/m"`, read on every request; an empty rate means no limit.

    Counted by django-ratelimit in the default cache, so the limit holds across worker
    processes when the cache is shared (Redis; see the check below). Over the limit: 429
    JSON with `Retry-After`, the view does not run. If the cache itself fails, requests go
    through (logged): a broken counter must not stop every sale.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            rate = app_settings.rate(rate_setting)
            try:
                usage = get_usage(request, group=group, key="ip", rate=rate, increment=True)
            except Exception:
                logger.warning("Rate limit %s not counted: the cache failed", group, exc_info=True)
                usage = None
            if usage is not None and usage["should_limit"]:
                response = json_error(429, RATE_LIMITED_MESSAGE)
                response["Retry-After"] = str(max(1, math.ceil(usage["time_left"])))
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _extends_a_shared_backend(backend: str) -> bool:
    """Whether the backend at the dotted path `backend` is a subclass of a shared one (a
    project's own Redis backend built on Django's keeps Redis's counters)."""
    try:
        backend_class = import_string(backend)
    except ImportError:
        return False
    for shared in SHARED_CACHE_BACKENDS:
        try:
            shared_class = import_string(shared)
        except ImportError:  # a library that is not installed
            continue
        if isinstance(backend_class, type) and issubclass(backend_class, shared_class):
            return True
    return False


@checks.register(checks.Tags.caches)
def rate_limits_use_a_shared_cache(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Warn outside DEBUG when rate limits would be counted per worker process."""
    if settings.DEBUG:
        return []
    cache_name = getattr(settings, "RATELIMIT_USE_CACHE", "default")
    backend = settings.CACHES.get(cache_name, {}).get("BACKEND", "")
    if backend in SHARED_CACHE_BACKENDS or _extends_a_shared_backend(backend):
        return []
    return [
        checks.Warning(
            f"Rate limits are counted in the cache {cache_name!r} ({backend}), which worker "
            "processes do not share or cannot count in atomically: each worker allows the "
            "full rate.",
            hint="Set REDIS_URL to a Redis server, e.g. redis://127.0.0.1:6379/0.",
            id="commerce.W101",
        )
    ]
