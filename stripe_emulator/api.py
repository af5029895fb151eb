"""Handling of ``/v1/`` API requests: faults, auth, params, idempotency, errors, CORS."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from stripe_emulator import API_VERSION, routes
from stripe_emulator.auth import authenticate, refuse_publishable
from stripe_emulator.context import RequestContext
from stripe_emulator.errors import StripeError
from stripe_emulator.params import decode_form, validate
from stripe_emulator.responses import Response, json_response
from stripe_emulator.store import StoredResponse, new_id

if TYPE_CHECKING:
    from stripe_emulator.emulator import Emulator

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Request-Id, Stripe-Version, Idempotent-Replayed",
}
DEFAULT_ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key, Stripe-Version"
#: Stripe takes idempotency keys of 1 to 255 characters.
MAX_IDEMPOTENCY_KEY_LENGTH = 255


def preflight(requested_headers: str | None) -> Response:
    """Answer a CORS preflight so browsers on the store's origin may call the API."""
    headers = {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
        "Access-Control-Allow-Headers": requested_headers or DEFAULT_ALLOWED_HEADERS,
        "Access-Control-Max-Age": "300",
    }
    return Response(204, b"", headers)


def fault_response(kind: str) -> Response:
    """What an injected ``500`` or ``429`` looks like, as Stripe sends them."""
    if kind == "429":
        return json_response(
            StripeError(
                "Too many requests hit the API too quickly. We recommend an exponential "
                "backoff of your requests.",
                status=429,
                code="rate_limit",
            ).body(),
            429,
            {"Stripe-Should-Retry": "true"},
        )
    return json_response(
        StripeError(
            "An unknown error occurred while processing your request.", type="api_error"
        ).body(),
        500,
    )


def _idempotency_error(key: str) -> StripeError:
    return StripeError(
        "Keys for idempotent requests can only be used with the same parameters they were "
        f"first used with. Try using a key other than '{key}' if you meant to execute a "
        "different request.",
        type="idempotency_error",
        cacheable=False,
    )


def _check_headers(headers: dict[str, str], method: str) -> None:
    """Refuse what Stripe refuses in the request options: versions and idempotency keys."""
    version = headers.get("stripe-version")
    if version is not None and version != API_VERSION:
        raise StripeError(
            f"Invalid Stripe API version: {version}. The emulator implements {API_VERSION} only.",
            cacheable=False,
        )
    key = headers.get("idempotency-key")
    if method == "POST" and key is not None and not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH:
        raise StripeError(
            f"Idempotent key length is {len(key)}, which is outside accepted lengths. "
            f"Idempotent Keys must be 1-{MAX_IDEMPOTENCY_KEY_LENGTH} characters long.",
            cacheable=False,
        )


def handle(
    emulator: Emulator,
    method: str,
    path: str,
    query: str,
    body: bytes,
    headers: dict[str, str],
    base_url: str,
    wait: Callable[[float], None],
) -> Response:
    """Serve one API request. ``headers`` has lower-case names; ``wait`` sleeps interruptibly."""
    request_id = new_id("req", 14)
    common = dict(CORS_HEADERS)
    common["Request-Id"] = request_id
    common["Stripe-Version"] = API_VERSION
    fault = emulator.faults.take(method, path)
    if fault is not None:
        if fault.kind in ("500", "429"):
            response = fault_response(fault.kind)
            response.headers.update(common)
            return response
        if fault.kind == "timeout":
            wait(fault.delay_seconds)
        elif not fault.after_processing:
            return Response(drop=True)
    response = _process(emulator, method, path, query, body, headers, base_url, request_id)
    response.headers.update({k: v for k, v in common.items() if k not in response.headers})
    if fault is not None and fault.kind == "drop":
        return Response(drop=True)
    return response


def _process(
    emulator: Emulator,
    method: str,
    path: str,
    query: str,
    body: bytes,
    headers: dict[str, str],
    base_url: str,
    request_id: str,
) -> Response:
    idempotency_key = headers.get("idempotency-key") if method == "POST" else None
    raw = body.decode("utf-8", "replace") if method == "POST" else query
    try:
        caller = authenticate(headers.get("authorization"))
        _check_headers(headers, method)
        found = routes.match(method, path)
        if found is None:
            raise StripeError(
                f"Unrecognized request URL ({method}: {path}). Please see "
                "https://stripe.com/docs or we can help at https://support.stripe.com/.",
                status=404,
                cacheable=False,
            )
        route, path_id = found
        if caller.publishable and not route.publishable:
            raise refuse_publishable()
    except StripeError as error:
        return json_response(error.body(), error.status, error.headers)
    fingerprint = tuple(sorted(parse_qsl(raw, keep_blank_values=True)))
    store = emulator.store
    with store.lock:
        if idempotency_key:
            stored = store.account(caller.account).idempotency.get(idempotency_key)
            if stored is not None:
                if (stored.method, stored.path, stored.fingerprint) != (method, path, fingerprint):
                    error = _idempotency_error(idempotency_key)
                    return json_response(error.body(), error.status)
                return Response(
                    stored.status,
                    stored.body,
                    {
                        "Content-Type": "application/json",
                        "Idempotent-Replayed": "true",
                        "Original-Request": stored.request_id,
                        "Idempotency-Key": idempotency_key,
                    },
                )
        ctx = RequestContext(
            emulator,
            caller.account,
            base_url,
            publishable=caller.publishable,
            request_id=request_id,
            idempotency_key=idempotency_key,
        )
        cacheable = True
        try:
            params = validate(
                decode_form(raw),
                route.schema,
                supported=route.supported,
                also_allowed=route.also_allowed,
            )
            path_args = () if path_id is None else (path_id,)
            response = json_response(route.handler(ctx, params, *path_args))
        except StripeError as error:
            if error.code == "resource_missing" and error.param == "id" and route.path_param:
                # The object named by the URL: Stripe names the path parameter.
                error.param = route.path_param
            cacheable = error.cacheable
            response = json_response(error.body(), error.status, error.headers)
        if idempotency_key:
            response.headers["Idempotency-Key"] = idempotency_key
            if cacheable:
                store.remember_response(
                    caller.account,
                    idempotency_key,
                    StoredResponse(
                        method, path, fingerprint, response.status, response.body, request_id
                    ),
                )
        return response


def wait_until(deadline_seconds: float, stopping: Callable[[], bool]) -> None:
    """Sleep up to ``deadline_seconds`` in short steps, returning early when stopping."""
    end = time.monotonic() + deadline_seconds
    while time.monotonic() < end and not stopping():
        time.sleep(min(0.05, max(0.0, end - time.monotonic())))
