"""JSON answers for the commerce API: every error is JSON with a clear message."""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from collections.abc import Callable
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt, csrf_protect

logger = logging.getLogger(__name__)

UNAVAILABLE_MESSAGE = "The store could not handle this request right now. Please try again."
TOO_LARGE_MESSAGE = "The request body is too large."
BAD_REQUEST_MESSAGE = "The request could not be read."
# How long concurrent first requests of one browser may join the session the first made.
FIRST_SESSION_CLAIM_SECONDS = 60
FIRST_SESSION_WAIT_SECONDS = 5


def json_error(status: int, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def method_not_allowed(request: HttpRequest, allowed: list[str]) -> JsonResponse:
    response = json_error(405, f"Method {request.method} is not allowed here.", allowed=allowed)
    response["Allow"] = ", ".join(allowed)
    return response


def shopper_key(request: HttpRequest) -> str:
    """A stable id for this browser: its session key, creating the session if needed.

    Pages give no session (they may come from the shared page cache), so a first-time
    shopper's double click on a plain Buy form arrives as two requests without one. They
    do carry the same CSRF cookie: the first of them to claim that cookie creates the
    session and the others join it, so the clicks are one shopper with one order.
    """
    if request.session.session_key:
        return request.session.session_key
    browser = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")
    if not browser:
        return _create_session(request.session)
    claim = "commerce:first-session:" + hashlib.sha256(browser.encode()).hexdigest()
    if cache.add(claim, "", timeout=FIRST_SESSION_CLAIM_SECONDS):
        key = _create_session(request.session)
        cache.set(claim, key, timeout=FIRST_SESSION_CLAIM_SECONDS)
        return key
    deadline = time.monotonic() + FIRST_SESSION_WAIT_SECONDS
    while time.monotonic() < deadline:
        existing = cache.get(claim)
        if existing:
            request.session = import_module(settings.SESSION_ENGINE).SessionStore(existing)
            if request.session.exists(existing):
                request.session.modified = True  # so this answer sets the cookie too
                return existing
            break
        time.sleep(0.02)
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    return _create_session(request.session)


def _create_session(session: SessionBase) -> str:
    """Write the new session's row now (one INSERT where the engine keeps rows) and its
    key; the answer still sets the cookie, but the session middleware's save at the end
    writes the row again only if something changed the session since."""
    from .cart.rows import insert_row

    if not insert_row(session):
        session.save()
    written = (session.session_key, dict(session.items()))
    engine_save = session.save

    def save(must_create: bool = False) -> None:
        nonlocal written
        now = (session.session_key, dict(session.items()))
        if must_create or now != written:
            engine_save(must_create)
            written = (session.session_key, dict(session.items()))

    session.save = save  # type: ignore[method-assign]
    return session.session_key or ""


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
