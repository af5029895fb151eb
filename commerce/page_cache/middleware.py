"""Serve shopper pages from the shared cache, and store the ones fit for everyone."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from wagtail.models import PageViewRestriction

from .store import SHARED_REQUEST_ATTRIBUTE, StoredPage, page_cache_seconds, page_key, pages

# The views whose pages are the same for every visitor they are not personal to: Wagtail's
# pages (home, catalogs, items), the item list and search.
SHARED_VIEWS = frozenset({"wagtail_serve", "commerce:item_list", "commerce:search"})
HEADER = "X-Page-Cache"
# Each request's token is in the page when Django's {% csrf_token %} was rendered.
CSRF_FIELD = b'name="csrfmiddlewaretoken"'
UNSHAREABLE_CACHE_CONTROL = ("private", "no-store", "no-cache")


def is_personal(request: HttpRequest) -> bool:
    """Whether this visitor may see something others do not: signed in, or past a page's
    password. Only a visitor with a session cookie can be; theirs is read to find out."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    session = request.session
    return session.get(SESSION_KEY) is not None or bool(
        session.get(PageViewRestriction.passed_view_restrictions_session_key)
    )


def may_share(request: HttpRequest) -> bool:
    """A GET of a shared view by a visitor it is not personal to."""
    if request.method != "GET":
        return False
    try:
        view_name = resolve(request.path_info).view_name
    except Resolver404:
        return False
    return view_name in SHARED_VIEWS and not is_personal(request)


def is_fit_to_share(request: HttpRequest, response: HttpResponse) -> bool:
    """A complete 200 page whose rendering set no cookie, used no CSRF token and changed
    no session: nothing in it belongs to the visitor it was made for."""
    cache_control = response.get("Cache-Control", "")
    session = getattr(request, "session", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not any(word in cache_control for word in UNSHAREABLE_CACHE_CONTROL)
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not (session is not None and session.modified)
        and CSRF_FIELD not in response.content
    )


class PageCacheMiddleware:
    """Answers a shared page from the cache (`X-Page-Cache: hit`) or renders it and stores
    it when fit (`miss`). Placed after the session, CSRF and authentication middleware,
    whose requests it reads; the headers of the middleware after it (Content-Security-
    Policy, X-Frame-Options) are stored with the page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        seconds = page_cache_seconds()
        if not seconds or not may_share(request):
            return self.get_response(request)
        store = pages(seconds)
        key = page_key(request)
        stamp, stored = store.read(key)
        if stored is not None:
            response = stored.response()
            response[HEADER] = "hit"
            return response
        setattr(request, SHARED_REQUEST_ATTRIBUTE, True)
        response = self.get_response(request)
        if is_fit_to_share(request, response):
            store.write(key, stamp, StoredPage.of(response))
            response[HEADER] = "miss"
        return response
