"""Item search through Wagtail's search backend (the database backend by default).

What a shopper types is never handed to the backend as it is: only its words are.
Quotes, `*`, `:`, `^` and NUL mean something to SQLite's FTS5 or PostgreSQL (or make
them raise), and none of them helps find an item.

Words match their other forms ("mug" finds "mugs" and the reverse). PostgreSQL stems
both the index and the query with the `SEARCH_CONFIG` text search configuration of
`WAGTAILSEARCH_BACKENDS` ("english"). Wagtail's SQLite FTS5 index does not stem and
cannot be configured to, so there each word is searched in all the forms the index
holds (see `commerce/word_forms.py`).

A page of results costs the same whatever the catalog's size: one more hit than the page
shows is looked for, to know whether there is a next page, and no count is made. Wagtail's
database backend would scan the whole index: on SQLite it ranks each match with a
subquery that runs the full-text match again (and SQLite's planner runs the match once
per indexed item), on PostgreSQL it matches `title || body` of every item, which no index
serves. So on both the index is read directly (`sqlite_ranked_ids`, `postgres_ranked_ids`):
one query finds and ranks the matches through the full-text index, and one more
(`first_visible`) keeps the first of them the visitor may see. Any other backend is asked
through Wagtail's search API for just the page's slice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from hashlib import sha256
from typing import Any

from django.db import connection
from django.http import HttpRequest
from wagtail.search.backends import get_search_backend
from wagtail.search.query import And, Or, PlainText, SearchQuery

from .conf import app_settings
from .models import ItemPage
from .models.pages import ITEMS_PER_PAGE
from .word_forms import indexed_word_forms, unstemmed_fts5_table

MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 10
# Search pages reach no deeper than this (2,400 items at 24 a page): relevance ranks the
# hits a shopper reads; deeper pages are for crawlers.
MAX_PAGE_NUMBER = 100
# FTS5's bm25() weights, in the column order of Wagtail's index table (autocomplete,
# body, title): a word in the title counts twice a word in the description.
SQLITE_BM25_WEIGHTS = (0.0, 1.0, 2.0)

_WORD = re.compile(r"[^\W_]+")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def clean_query(text: str) -> str:
    """What the shopper typed, fit to show back to them: no control characters, trimmed."""
    return _CONTROL_CHARACTERS.sub(" ", text).strip()[:MAX_QUERY_LENGTH]


def query_words(text: str) -> list[str]:
    """The words of `text`, lowercased, as the index's tokenizers see words."""
    return _WORD.findall(text[:MAX_QUERY_LENGTH].lower())[:MAX_QUERY_WORDS]


def page_number(value: Any) -> int:
    """`?page=` as a page number: junk is the first page, and there is a last one."""
    try:
        number = int(str(value))
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE_NUMBER)


class SearchResultsPage(Sequence):
    """One page of hits, which knows whether another follows but not how many there are
    (the template's pagination shows "Page n" without "of m" when `paginator` is None)."""

    paginator = None

    def __init__(self, items: list[ItemPage] | list[int], number: int, has_next: bool) -> None:
        self.object_list = items
        self.number = number
        self._has_next = has_next

    def __len__(self) -> int:
        return len(self.object_list)

    def __getitem__(self, index: Any) -> Any:
        return self.object_list[index]

    def __iter__(self) -> Iterator[ItemPage | int]:
        return iter(self.object_list)

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def search_page(
    query: str,
    request: HttpRequest | None = None,
    page: Any = 1,
    per_page: int = ITEMS_PER_PAGE,
    ids_only: bool = False,
) -> SearchResultsPage:
    """Page `page` of the live items whose title, description or SKU match `query`, most
    relevant first, among those `request` may see (see `ItemPageQuerySet.visible_to`):
    the items, loaded for listing, or with `ids_only` just their ids (for item cards kept
    in the cache, which need nothing else)."""
    number = page_number(page)
    words = query_words(query)
    if not words:
        return SearchResultsPage([], number, has_next=False)
    start = (number - 1) * per_page
    ids = ranked_ids(words, request, start, start + per_page + 1)
    shown = ids[:per_page]
    if ids_only:
        return SearchResultsPage(shown, number, len(ids) > per_page)
    found = ItemPage.objects.for_listing().in_bulk(shown)
    return SearchResultsPage(
        [found[pk] for pk in shown if pk in found], number, len(ids) > per_page
    )


def listed_search_page(query: str, request: HttpRequest, page: Any = 1) -> SearchResultsPage:
    """`search_page(query, request, page, ids_only=True)`, kept in the shared cache beside
    the catalogs' lists (`fragments.listed`): per words, page number and set of view
    restrictions the request has not passed, out of date on any page change, as the
    index is. Shoppers repeat the same few searches; a repeated one reads no index.
    `COMMERCE_CACHE_SEARCH_HITS = False` asks the index every time."""
    from .fragments import listed

    if not app_settings.COMMERCE_CACHE_SEARCH_HITS:
        return search_page(query, request, page, ids_only=True)
    number = page_number(page)
    words = query_words(query)
    if not words:
        return SearchResultsPage([], number, has_next=False)
    name = f"search:{sha256(' '.join(words).encode()).hexdigest()[:32]}:{number}"

    def ids_and_next() -> tuple[list[int], bool]:
        found = search_page(query, request, number, ids_only=True)
        return list(found.object_list), found.has_next()

    ids, has_next = listed(request, {name: ids_and_next})[name]
    return SearchResultsPage(ids, number, has_next)


def ranked_ids(words: list[str], request: HttpRequest | None, start: int, stop: int) -> list[int]:
    """Ids of the matching items `request` may see, most relevant first, from `start` to
    `stop` (exclusive)."""
    items = ItemPage.objects.live().visible_to(request)
    fts_table = unstemmed_fts5_table()
    if fts_table is not None:
        return first_visible(sqlite_ranked_ids(fts_table, words), items, stop)[start:stop]
    backend = get_search_backend()
    if _is_postgres_backend(backend):
        ranked = postgres_ranked_ids(words, getattr(backend, "config", None))
        return first_visible(ranked, items, stop)[start:stop]
    return [hit.pk for hit in items.search(backend_query(words))[start:stop]]


def _is_postgres_backend(backend: Any) -> bool:
    from modelsearch.backends.database.postgres.postgres import PostgresSearchBackend

    return connection.vendor == "postgresql" and isinstance(backend, PostgresSearchBackend)


def backend_query(words: list[str]) -> SearchQuery:
    """Every word must match, in any of its forms the index holds."""
    forms = indexed_word_forms(words)
    if forms is None:  # the backend stems by itself
        return PlainText(" ".join(words), operator="and")
    per_word = [_any_of(word_forms) for word_forms in forms]
    return per_word[0] if len(per_word) == 1 else And(per_word)


def _any_of(forms: list[str]) -> SearchQuery:
    return PlainText(forms[0]) if len(forms) == 1 else Or([PlainText(form) for form in forms])


def fts5_match(forms: list[list[str]]) -> str:
    """An FTS5 query over the title and body: every word, in any of its forms. The forms
    are words of letters and digits only, so quoting them is all the escaping they need."""
    per_word = [" OR ".join(f'"{form}"' for form in word_forms) for word_forms in forms]
    return "{title body} : " + " AND ".join(f"({word})" for word in per_word)


def sqlite_ranked_ids(fts_table: str, words: list[str]) -> list[int]:
    """Ids of the indexed items matching `words`, most relevant first, from Wagtail's
    SQLite FTS5 index read directly: the match runs once, first (CROSS JOIN keeps SQLite
    from running it once per index entry), ranked by bm25."""
    from modelsearch.backends.database.sqlite.sqlite import IndexEntry
    from modelsearch.utils import get_descendants_content_types_pks

    forms = indexed_word_forms(words) or [[word] for word in words]
    content_types = get_descendants_content_types_pks(ItemPage)
    entries = IndexEntry._meta.db_table
    weights = ", ".join(str(weight) for weight in SQLITE_BM25_WEIGHTS)
    limit = MAX_PAGE_NUMBER * ITEMS_PER_PAGE + 1
    placeholders = ", ".join(["%s"] * len(content_types))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT e.object_id FROM {fts_table} f "  # noqa: S608 (names are the models')
            f"CROSS JOIN {entries} e ON e.id = f.rowid "
            f"WHERE {fts_table} MATCH %s AND e.content_type_id IN ({placeholders}) "
            f"ORDER BY bm25({fts_table}, {weights}), e.id LIMIT %s",
            [fts5_match(forms), *content_types, limit],
        )
        return [int(object_id) for (object_id,) in cursor.fetchall()]


def postgres_ranked_ids(words: list[str], config: str | None) -> list[int]:
    """Ids of the indexed items matching `words`, most relevant first, from Wagtail's
    PostgreSQL index read directly.

    Wagtail's own query matches `title || body` of every indexed item, which no index
    serves. Here the GIN indexes of `title` and `body` first find the entries holding any
    of the words (stop words drop out of that query as they do from the full one), and
    only those are matched against all the words and ranked as Wagtail ranks them: the
    title's rank, scaled by its norm, plus the body's."""
    from django.contrib.postgres.search import SearchQuery as TextSearchQuery
    from django.contrib.postgres.search import SearchRank, SearchVectorField
    from django.db.models import F, Q
    from django.db.models.expressions import CombinedExpression
    from modelsearch.backends.database.postgres.postgres import IndexEntry
    from modelsearch.utils import get_descendants_content_types_pks

    every_word = TextSearchQuery(" ".join(words), config=config, search_type="plain")
    # Words of letters and digits only, so "a | b" is a well-formed raw query.
    any_word = TextSearchQuery(" | ".join(words), config=config, search_type="raw")
    document = CombinedExpression(F("title"), "||", F("body"), output_field=SearchVectorField())
    rank = SearchRank(F("title"), every_word) * F("title_norm") + SearchRank(F("body"), every_word)
    matches = (
        IndexEntry.objects.filter(content_type_id__in=get_descendants_content_types_pks(ItemPage))
        .filter(Q(title=any_word) | Q(body=any_word))
        .annotate(document=document, rank=rank)
        .filter(document=every_word)
        .order_by("-rank", "id")
        .values_list("object_id", flat=True)
    )
    return [int(object_id) for object_id in matches[: MAX_PAGE_NUMBER * ITEMS_PER_PAGE + 1]]


def first_visible(ranked: list[int], items: Any, count: int) -> list[int]:
    """The first `count` ids of `ranked` that are among `items`, in their order.

    Checks as few as will do: the first `count` (one query when all are visible, as
    they nearly always are), then twice as many each time some were not."""
    window = count
    while True:
        candidates = ranked[:window]
        found = set(items.filter(pk__in=candidates).order_by().values_list("pk", flat=True))
        visible = [pk for pk in candidates if pk in found]
        if len(visible) >= count or window >= len(ranked):
            return visible[:count]
        window *= 2
