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
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import transaction
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


def shopper_key(request: HttpRequest, placing: bool = False) -> str:
    """A stable id for this browser: its session key, creating the session if needed.

    Pages give no session (they may come from the shared page cache), so a first-time
    shopper's double click on a plain Buy form arrives as two requests without one. They
    do carry the same CSRF cookie: the first of them to claim that cookie creates the
    session and the others join it once its row is written, so the clicks are one
    shopper with one order. With `placing` (an order is placed under the key next, by
    `place_order` with this request), a new session's row is written in the order's
    transaction rather than committed on its own (`write_new_session`).
    """
    if request.session.session_key:
        return request.session.session_key
    browser = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")
    if not browser:
        return _NewSession(request, None, placing).key
    claim = "commerce:first-session:" + hashlib.sha256(browser.encode()).hexdigest()
    if cache.add(claim, "", timeout=FIRST_SESSION_CLAIM_SECONDS):
        return _NewSession(request, claim, placing).key
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
    return _NewSession(request, None, placing).key


def write_new_session(request: Any) -> bool:
    """Write the row of the session `shopper_key(request, placing=True)` made, in the
    current transaction, unless it has one: the order that names it commits with it.
    Whether it was written now (the shopper is new: nothing was placed under their
    session before)."""
    new = getattr(request, "_commerce_new_session", None)
    return new is not None and new.write_in_transaction()


class _NewSession:
    """A session this request made, written once: its row now, or in the transaction of
    the order placed under its key, or (no order was written) by the session
    middleware's save at the end of the request. That save still sets the cookie, but
    writes the row again only if something changed the session since. Browsers joining
    it through `claim` learn its key once its row is committed."""

    def __init__(self, request: HttpRequest, claim: str | None, placing: bool) -> None:
        from .cart import rows

        self.session = request.session
        self.claim = claim
        self.engine_save = self.session.save
        self.written: tuple[str | None, dict[str, Any]] | None = None
        self.in_transaction = False
        self.session.save = self.save  # type: ignore[method-assign]
        if placing and isinstance(self.session, rows.DatabaseStore):
            self.session.items()  # its data as it is: with a key, the engine would load it
            self.session._session_key = rows.new_session_key()
            self.session.modified = True  # so the answer sets the cookie
            request._commerce_new_session = self  # type: ignore[attr-defined]
            return
        if not rows.insert_row(self.session):
            self.engine_save()
        self._committed(self._state())

    @property
    def key(self) -> str:
        return self.session.session_key or ""

    def _state(self) -> tuple[str | None, dict[str, Any]]:
        return (self.session.session_key, dict(self.session.items()))

    def _committed(self, state: tuple[str | None, dict[str, Any]]) -> None:
        self.written = state
        if self.claim:
            cache.set(self.claim, state[0], timeout=FIRST_SESSION_CLAIM_SECONDS)
            self.claim = None

    def write_in_transaction(self) -> bool:
        from .cart import rows

        if self.written is not None or self.in_transaction:
            return False
        state = self._state()
        if not rows.insert_row_in_transaction(self.session):
            return False
        self.in_transaction = True
        transaction.on_commit(lambda: self._committed(state))
        return True

    def save(self, must_create: bool = False) -> None:
        if self.written is None:
            key = self.session.session_key
            if not (self.in_transaction and key and self.session.exists(key)):
                # No row yet (or its transaction was rolled back): the engine makes it.
                self.engine_save(must_create=True)
                self._committed(self._state())
                return
            # Written in a transaction still open around this request (a test's).
            self._committed(self._state())
        now = self._state()
        if must_create or now != self.written:
            self.engine_save(must_create)
            self.written = self._state()


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
