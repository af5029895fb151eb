"""Where shared pages are kept: one stamped entry per absolute URL in the default cache."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse

from ..conf import app_settings
from ..stamped_cache import StampedCache

STAMP_NAME = "shared-pages"
# Set on a request whose page may be stored for everyone: its views and templates leave
# out what is personal (see `context_processors.py`, `ItemPage.serve`).
SHARED_REQUEST_ATTRIBUTE = "commerce_shared_page"


def page_cache_seconds() -> int:
    """`COMMERCE_PAGE_CACHE_SECONDS`: how long a shared page is kept at most; 0 is off."""
    return max(int(app_settings.COMMERCE_PAGE_CACHE_SECONDS or 0), 0)


def pages(seconds: int | None = None) -> StampedCache:
    """The stamped store of shared pages (built per use: its timeout is a setting)."""
    return StampedCache(STAMP_NAME, page_cache_seconds() if seconds is None else seconds)


def invalidate_pages() -> None:
    """Every stored page out of date, now and when the current transaction commits."""
    pages(0).invalidate()


def is_shared_page_request(request: HttpRequest | None) -> bool:
    """Whether the page being rendered for `request` may be stored for every visitor, so
    it must carry nothing personal (no CSRF token, no new session)."""
    return bool(getattr(request, SHARED_REQUEST_ATTRIBUTE, False))


def page_key(request: HttpRequest) -> str:
    """The page's absolute URL (scheme, host, path and query), hashed to a short key."""
    return hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()


@dataclass(frozen=True)
class StoredPage:
    """What is kept of a response: plain values, so any cache backend can hold it."""

    status: int
    headers: tuple[tuple[str, str], ...]
    content: bytes

    @classmethod
    def of(cls, response: HttpResponse) -> StoredPage:
        return cls(response.status_code, tuple(response.headers.items()), response.content)

    def response(self) -> HttpResponse:
        return HttpResponse(self.content, status=self.status, headers=dict(self.headers))
