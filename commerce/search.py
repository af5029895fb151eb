"""Item search through Wagtail's search backend (the database backend by default).

What a shopper types is never handed to the backend as it is: only its words are.
Quotes, `*`, `:`, `^` and NUL mean something to SQLite's FTS5 or PostgreSQL (or make
them raise), and none of them helps find an item.

Words match their other forms ("mug" finds "mugs" and the reverse). PostgreSQL stems
both the index and the query with the `SEARCH_CONFIG` text search configuration of
`WAGTAILSEARCH_BACKENDS` ("english"). Wagtail's SQLite FTS5 index does not stem and
cannot be configured to, so there each word is searched in all the forms the index
holds (see `commerce/word_forms.py`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from django.http import HttpRequest
from wagtail.search.query import And, Or, PlainText, SearchQuery

from .models import ItemPage
from .word_forms import indexed_word_forms

MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 10

_WORD = re.compile(r"[^\W_]+")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def clean_query(text: str) -> str:
    """What the shopper typed, fit to show back to them: no control characters, trimmed."""
    return _CONTROL_CHARACTERS.sub(" ", text).strip()[:MAX_QUERY_LENGTH]


def query_words(text: str) -> list[str]:
    """The words of `text`, lowercased, as the index's tokenizers see words."""
    return _WORD.findall(text[:MAX_QUERY_LENGTH].lower())[:MAX_QUERY_WORDS]


class SearchResults(Sequence):
    """Search hits that load a page of items with their images in a fixed number of queries.

    Wagtail's search returns items in relevance order but cannot prefetch; slicing
    here asks the backend for one page of ids, then loads exactly those items through
    `ItemPage.objects.for_listing()` and puts them back in relevance order.
    """

    def __init__(self, query: str, request: HttpRequest | None = None) -> None:
        items = ItemPage.objects.live().visible_to(request)
        words = query_words(query)
        self._hits = items.search(backend_query(words)) if words else items.none()

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


def backend_query(words: list[str]) -> SearchQuery:
    """Every word must match, in any of its forms the index holds."""
    forms = indexed_word_forms(words)
    if forms is None:  # the backend stems by itself
        return PlainText(" ".join(words), operator="and")
    per_word = [_any_of(word_forms) for word_forms in forms]
    return per_word[0] if len(per_word) == 1 else And(per_word)


def _any_of(forms: list[str]) -> SearchQuery:
    return PlainText(forms[0]) if len(forms) == 1 else Or([PlainText(form) for form in forms])
