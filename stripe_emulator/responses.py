"""A transport-neutral response, so route modules do not depend on the HTTP server."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Response:
    """Status, headers and body to send; ``drop`` closes the connection without answering."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


def json_response(
    payload: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A JSON response, pretty-printed as Stripe sends it."""
    body = json.dumps(payload, indent=2, default=str).encode()
    merged = {"Content-Type": "application/json"}
    merged.update(headers or {})
    return Response(status, body, merged)


def html_response(html: str, status: int = 200) -> Response:
    """An HTML page that must never be cached (it reflects live state)."""
    return Response(
        status,
        html.encode(),
        {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"},
    )


def redirect(location: str) -> Response:
    """A 303 See Other, the answer to a submitted form."""
    return Response(303, b"", {"Location": location, "Cache-Control": "no-store"})
