"""The commerce app's HTTP surface. Views stay thin: parse, call one function, respond."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from .models import ItemPage
from .models.pages import paginate
from .search import search_items


@require_GET
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    """`GET /v1/item/{id}/`: the assignment's item URL, sent to the item's page in the tree.

    Redirecting (rather than rendering a copy) keeps one canonical URL per item, so
    previews, caching and search engines see a single page.
    """
    item = get_object_or_404(ItemPage.objects.live(), pk=item_id)
    url = item.get_url(request)
    if not url:
        raise Http404("This item is not part of a site.")
    return HttpResponseRedirect(url)


@require_GET
def item_list(request: HttpRequest) -> HttpResponse:
    """`GET /v2/item/list/`: every live item of every catalog, paginated."""
    items = paginate(request, ItemPage.objects.for_listing())
    return TemplateResponse(request, "commerce/item_list.html", {"items": items})


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """`GET /search/?query=`: items matching the shopper's words."""
    query = request.GET.get("query", "").strip()[:200]
    items = paginate(request, search_items(query)) if query else None
    return TemplateResponse(request, "commerce/search.html", {"query": query, "items": items})
