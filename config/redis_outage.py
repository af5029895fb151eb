"""When Redis is down, say so: 503 with Retry-After, never Django's 500 page.

Redis (REDIS_URL) holds what every replica shares: the cache Wagtail reads its site's
root paths from, the cart's locks, the rate limits' counters and sessions' fast copy.
The database keeps sessions (the cached_db engine), so an outage loses nothing, but
most requests cannot be answered meanwhile. The client's socket timeouts (settings
`REDIS_TIMEOUT_SECONDS`) turn a Redis that does not answer into an error within about
a second; this middleware turns that error, raised by any view, into a 503 the client
can retry: JSON for clients that ask for JSON, a short page that needs neither Redis
nor the database for everyone else. JSON endpoints of the commerce app answer their own
503 JSON already (`commerce.http.json_endpoint`). A middleware that reads the cache
before any view runs (the shared page cache) raises outside every view: Django then
calls the project's 500 handler, `server_error`, which answers such an error the same way.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE_MESSAGE = "The store could not handle this request right now. Please try again."
TEMPLATE = "503.html"
RETRY_AFTER_SECONDS = 10


def is_redis_outage(error: BaseException) -> bool:
    """Whether `error` says Redis could not be reached or did not answer in time
    (refused, reset, timed out, still loading its data), not a bug in a command."""
    return isinstance(error, (RedisConnectionError, RedisTimeoutError))


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "") or (
        request.content_type == "application/json"
    )


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """503, JSON or HTML as the client prefers, kept by no cache, retried after a while."""
    if wants_json(request):
        response: HttpResponse = JsonResponse({"error": UNAVAILABLE_MESSAGE}, status=503)
    else:
        response = HttpResponse(render_to_string(TEMPLATE), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class RedisOutageMiddleware:
    """A view that raised because Redis is unreachable answers 503 (see the module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_redis_outage(exception):
            return None
        logger.error(
            "Redis unavailable, answered 503: %s %s: %s", request.method, request.path, exception
        )
        return unavailable_response(request)


def server_error(
    request: HttpRequest, template_name: str = defaults.ERROR_500_TEMPLATE_NAME
) -> HttpResponse:
    """The project's 500 handler: an unhandled Redis outage is a 503 like a view's (see
    the module); anything else is Django's own 500 page."""
    error = sys.exc_info()[1]
    if error is not None and is_redis_outage(error):
        return unavailable_response(request)
    return defaults.server_error(request, template_name)
