"""Parts of shopper pages that are the same for every shopper, their HTML kept in the shared
cache until a page, a picture, a document or a site changes.

Rendering a list's item cards (each page's URL, its picture's rendition, the formatted
price) and an item page's breadcrumbs, picture and description is most of what those
pages cost, and none of it depends on who asks. So each part is rendered once per site
and kept behind a stamp (`StampedCache`) that any change to a page (saved, published,
unpublished, moved, deleted), an image, a deleted rendition, a document or a site
replaces; a page reads all its parts with one cache read, and only missing parts touch
the database. What differs per shopper is filled in on every request: a card's
add-to-cart form, and an item page's Buy and add-to-cart forms, are cached with markers
in place of the CSRF token and of the page's path (rendering two dozen such forms cost
more than the rest of a list page; an item page's two cost a twentieth of the page).
Which items a shopper may see is decided by the page's own query before any card is
read. Parts are kept in each process's memory as well, so a warm page reads only their
stamp from the shared cache. Previews always render afresh: they show a draft, not what
is cached.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from hashlib import sha256
from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from .models import ItemPage
from .page_cache import is_shared_page_request
from .page_changes import connect_page_changes
from .stamped_cache import StampedCache

# How long a part may be kept at most, should a change ever bypass the signals.
FRAGMENT_SECONDS = 300
# Parts kept in each process's memory too, at most (a card is about 1 KB, an item page's
# parts a few KB): a warm page then reads only the parts' stamp.
FRAGMENTS_KEPT_IN_PROCESS = 4096
FRAGMENTS = StampedCache(
    "page-fragments", FRAGMENT_SECONDS, kept_in_process=FRAGMENTS_KEPT_IN_PROCESS
)
CARD_TEMPLATE = "commerce/includes/item_card.html"
# The parts of a page `page_fragments` renders, by name.
PAGE_FRAGMENT_TEMPLATES = {
    "breadcrumbs": "commerce/includes/breadcrumbs.html",
    "item_media": "commerce/includes/item_media.html",
    "item_description": "commerce/includes/item_description.html",
    # Its Buy and add-to-cart forms, with markers for the shopper's token and path.
    "item_purchase": "commerce/includes/item_purchase.html",
    # A catalog's intro: a warm catalog page never reads its catalog row.
    "catalog_intro": "commerce/includes/catalog_intro.html",
}


# Markers for what a cached card's add-to-cart form holds per request.
CSRF_TOKEN_MARKER = "csrf0token0marker0replaced0on0every0request"  # noqa: S105 (no secret)
# The whole field as `{% csrf_token %}` renders it: a page kept for everyone in the shared
# page cache carries no token (commerce/page_cache), so there the field goes.
MARKED_CSRF_FIELD = f'<input type="hidden" name="csrfmiddlewaretoken" value="{CSRF_TOKEN_MARKER}">'
PATH_MARKER = "/path-marker-replaced-on-every-request/"


class _MarkedRequest:
    """The request as a cached part sees it: itself for URLs (its site), a marker for the
    path that a form in the part sends the shopper back to (`filled_in`)."""

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)

    def get_full_path(self) -> str:
        return PATH_MARKER


def _site_key(request: HttpRequest | None) -> int:
    """URLs are relative within the request's site, absolute to others: parts are per site."""
    site = Site.find_for_request(request) if request is not None else None
    return site.pk if site is not None else 0


def item_cards_html(
    request: HttpRequest, items: Iterable[ItemPage | int], heading_level: int = 2
) -> SafeString:
    """The cards of `items` (pages or page ids, already filtered to what `request` may
    see), in their order, as one piece of HTML, what a grid shows: each card's form gets
    this request's CSRF token and path, filled in once for all of them. Pages given are
    rendered from; ids whose card is not cached are loaded with
    `ItemPage.objects.for_listing()` (a fixed number of queries)."""
    items = list(items)
    given = {item.pk: item for item in items if isinstance(item, ItemPage)}
    ids = [item.pk if isinstance(item, ItemPage) else item for item in items]
    prefix = f"card:{_site_key(request)}:{heading_level}:"

    def render_missing(keys: set[str]) -> dict[str, str]:
        wanted = {int(key.removeprefix(prefix)) for key in keys}
        pages = {pk: page for pk, page in given.items() if pk in wanted}
        if unloaded := wanted - pages.keys():
            pages.update(ItemPage.objects.for_listing().in_bulk(unloaded))
        template = get_template(CARD_TEMPLATE)
        context = {
            "heading_level": heading_level,
            "request": _MarkedRequest(request),
            "csrf_token": CSRF_TOKEN_MARKER,
        }
        return {
            f"{prefix}{pk}": template.render({**context, "item": page})
            for pk, page in pages.items()
        }

    stored = FRAGMENTS.get_many([f"{prefix}{pk}" for pk in ids], render_missing)
    html = "".join(card for pk in ids if (card := stored.get(f"{prefix}{pk}")) is not None)
    return filled_in(html, request)


def filled_in(html: str, request: HttpRequest | None) -> SafeString:
    """Cached `html` with the markers of its forms replaced by what is `request`'s own: its
    CSRF token (the whole field on a page kept for everyone in the page cache, which
    carries no token) and its path. HTML without a form's marker asks for no token, so
    it sets no CSRF cookie."""
    if CSRF_TOKEN_MARKER in html:
        if request is None or is_shared_page_request(request):
            html = html.replace(MARKED_CSRF_FIELD, "").replace(CSRF_TOKEN_MARKER, "")
        else:
            html = html.replace(CSRF_TOKEN_MARKER, get_token(request))
    if PATH_MARKER in html:
        path = escape(request.get_full_path()) if request is not None else ""
        html = html.replace(PATH_MARKER, path)
    return mark_safe(html)  # noqa: S308


def listed_ids(request: HttpRequest, name: str, ids: Callable[[], Iterable[int]]) -> list[int]:
    """The ids of a list named `name` (say, a catalog's items), as `ids()` (a query already
    filtered to what `request` may see) gives them, kept in the cache per set of view
    restrictions the request has not passed, so a list page needs neither its count nor
    a page of ids from the database (nor builds the query)."""
    return listed(request, {name: lambda: list(ids())})[name]


def listed(request: HttpRequest, lists: Mapping[str, Callable[[], Any]]) -> dict[str, Any]:
    """The values of the lists `lists` names (each worked out by its function, which
    filters to what `request` may see and returns something the cache can pickle, such
    as ids or links), read in one cache read and kept per set of view restrictions the
    request has not passed. A preview works them out afresh."""
    return page_parts(request, None, (), lists)[1]


def page_fragments(
    request: HttpRequest | None, page: Page, names: Iterable[str]
) -> dict[str, SafeString]:
    """The parts `names` (keys of `PAGE_FRAGMENT_TEMPLATES`) of `page` as served to
    `request`, each rendered with the page and the request as its context."""
    return page_parts(request, page, names, {})[0]


def page_parts(
    request: HttpRequest | None,
    page: Page | None,
    names: Iterable[str],
    lists: Mapping[str, Callable[[], Any]],
) -> tuple[dict[str, SafeString], dict[str, Any]]:
    """`page_fragments(request, page, names)` and `listed(request, lists)` in one cache
    read, for a page that shows both (a catalog: its breadcrumbs and intro, its items'
    ids and its subcatalogs' links). Without a request, or in a preview, all is worked
    out afresh: a preview shows a draft, not what is cached."""
    names = list(names)
    # Forms in a part hold markers for the request's token and path (`filled_in`).
    context = {
        "page": page,
        "request": _MarkedRequest(request) if request is not None else None,
        "csrf_token": CSRF_TOKEN_MARKER,
    }
    computes: dict[str, Callable[[], Any]] = {}
    fragment_keys = {}
    site_key = _site_key(request)
    page_pk = page.pk if page is not None else 0
    for name in names:
        template = PAGE_FRAGMENT_TEMPLATES[name]
        fragment_keys[name] = key = f"page:{site_key}:{page_pk}:{name}"
        computes[key] = lambda template=template: get_template(template).render(context)
    list_keys = {}
    if lists:
        from .models.pages import _restricted_q

        hidden = sha256(str(_restricted_q(request)).encode()).hexdigest()[:16]
        for name, compute in lists.items():
            list_keys[name] = key = f"list:{site_key}:{name}:{hidden}"
            computes[key] = compute
    if request is None or getattr(request, "is_preview", False):
        values = {key: compute() for key, compute in computes.items()}
    else:
        values = FRAGMENTS.get_many(
            computes, lambda missing: {key: computes[key]() for key in missing}
        )
    fragments = {name: filled_in(values[key], request) for name, key in fragment_keys.items()}
    return fragments, {name: values[key] for name, key in list_keys.items()}


def connect_receivers() -> None:
    """Parts go out of date when a page is saved (published, unpublished, edited), deleted
    or moved (URLs, titles, prices, descriptions, lists), when an image or a document
    changes or a rendition is deleted (pictures and links), when a site changes (URLs) and
    when a view restriction does (lists). A new rendition changes no part (parts are
    rendered with their renditions)."""
    image_model = get_image_model()
    connect_page_changes(
        FRAGMENTS.invalidate,
        "commerce.fragments.",
        senders={"image": image_model, "document": get_document_model(), "site": Site},
        renditions_of=image_model,
    )
