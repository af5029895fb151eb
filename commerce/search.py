"""Item search through Wagtail's search backend (the database backend by default)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.http import HttpRequest

from .models import ItemPage


class SearchResults(Sequence):
    """Search hits that load a page of items with their images in a fixed number of queries.

    Wagtail's search returns items in relevance order but cannot prefetch; slicing
    here asks the backend for one page of ids, then loads exactly those items through
    `ItemPage.objects.for_listing()` and puts them back in relevance order.
    """

    def __init__(self, query: str, request: HttpRequest | None = None) -> None:
        self._hits = ItemPage.objects.live().visible_to(request).search(query)

    def __len__(self) -> int:
        return self._hits.count()

    def __getitem__(self, index: Any) -> Any:
        if not isinstance(index, slice):
            return next(iter(self[index : index + 1]))
        ids = [hit.pk for hit in self._hits[index]]
        found = ItemPage.objects.for_listing().in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]

    def __iter__(self) -> Iterator[ItemPage]:
        return iter(self[0 : len(self)])

    def count(self) -> int:  # Paginator prefers count() to len()
        return len(self)


def search_items(query: str, request: HttpRequest | None = None) -> SearchResults:
    """Live items whose title, description or SKU match `query`, most relevant first;
    only those `request` may see (see `ItemPageQuerySet.visible_to`)."""
    return SearchResults(query, request)
