"""JSON answers for the commerce API: every error is JSON with a clear message."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

UNAVAILABLE_MESSAGE = "The store could not handle this request right now. Please try again."


def json_error(status: int, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def method_not_allowed(request: HttpRequest, allowed: list[str]) -> JsonResponse:
    response = json_error(405, f"Method {request.method} is not allowed here.", allowed=allowed)
    response["Allow"] = ", ".join(allowed)
    return response


def shopper_key(request: HttpRequest) -> str:
    """A stable id for this browser: its session key, creating the session if needed."""
    if not request.session.session_key:
        request.session.save()
    return request.session.session_key or ""


def json_endpoint(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer JSON even when something unexpected breaks (the database is down, a bug):
    a 503 the client can retry, with the traceback in the log, never Django's HTML 500."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Exception:
            logger.exception("Unexpected error in %s %s", request.method, request.path)
            return json_error(503, UNAVAILABLE_MESSAGE)

    return wrapper
