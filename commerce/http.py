"""JSON answers for the commerce API: every error is JSON with a clear message."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt, csrf_protect

logger = logging.getLogger(__name__)

UNAVAILABLE_MESSAGE = "The store could not handle this request right now. Please try again."
TOO_LARGE_MESSAGE = "The request body is too large."
BAD_REQUEST_MESSAGE = "The request could not be read."


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
    a 503 the client can retry, with the traceback in the log, never Django's HTML 500.
    A body over `DATA_UPLOAD_MAX_MEMORY_SIZE` is a 413 and other requests Django finds
    suspicious a 400, logged as warnings: retrying them cannot help."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except RequestDataTooBig:
            # The client's doing, not ours: no traceback, and a status that says so.
            logger.warning(
                "Request body over the upload limit: %s %s", request.method, request.path
            )
            return json_error(413, TOO_LARGE_MESSAGE)
        except SuspiciousOperation as error:
            logger.warning("Refused %s %s: %s", request.method, request.path, type(error).__name__)
            return json_error(400, BAD_REQUEST_MESSAGE)
        except Exception:
            logger.exception("Unexpected error in %s %s", request.method, request.path)
            return json_error(503, UNAVAILABLE_MESSAGE)

    return wrapper


def allow_methods(*methods: str, csrf_protected: bool = True) -> Callable[..., Any]:
    """Answer any other method with a JSON 405 and an `Allow` header, before CSRF.

    Django's CSRF middleware runs before the view, so a `PUT` without a token would get
    its HTML 403 page instead of the 405 a JSON client understands. The view is therefore
    marked exempt, and the CSRF check runs here, after the method check, for the allowed
    unsafe methods (the Buy button's form post) unless `csrf_protected` is False (Stripe's
    webhook, which proves itself with a signature instead).
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        checked = csrf_protect(view) if csrf_protected else view

        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                return method_not_allowed(request, list(methods))
            return checked(request, *args, **kwargs)

        return csrf_exempt(wrapper)

    return decorator
