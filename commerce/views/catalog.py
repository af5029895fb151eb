"""Shopper-facing pages that are not Wagtail pages: the assignment's item URLs and search."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from ..fragments import listed_ids
from ..identifiers import parse_page_id
from ..models import ItemPage
from ..models.pages import paginate
from ..search import clean_query, listed_search_page


@require_GET
def item_detail(request: HttpRequest, item_id: str) -> HttpResponse:
    """`GET /v1/item/{id}/`: the assignment's item URL, sent to the item's page in the tree.

    Redirecting (rather than rendering a copy) keeps one canonical URL per item, so
    previews, caching and search engines see a single page.
    """
    page_id = parse_page_id(item_id)
    if page_id is None:
        raise Http404("No item with this id.")
    item = get_object_or_404(ItemPage.objects.live().visible_to(request), pk=page_id)
    url = item.get_url(request)
    if not url:
        raise Http404("This item is not part of a site.")
    return HttpResponseRedirect(url)


@require_GET
def item_list(request: HttpRequest) -> HttpResponse:
    """`GET /v2/item/list/`: every live item of every catalog, paginated."""
    ids = listed_ids(
        request, "items", lambda: ItemPage.objects.live().visible_to(request).card_ids()
    )
    items = paginate(request, ids)
    return TemplateResponse(request, "commerce/item_list.html", {"items": items})


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """`GET /search/?query=`: items matching the shopper's words."""
    query = clean_query(request.GET.get("query", ""))
    # Only ids, themselves cached: the item cards come from the cache (commerce/fragments.py).
    page = request.GET.get("page", 1)
    items = listed_search_page(query, request, page) if query else None
    return TemplateResponse(request, "commerce/search.html", {"query": query, "items": items})
