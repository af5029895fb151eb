"""Item search through Wagtail's search backend (the database backend by default).

What a shopper types is never handed to the backend as it is: only its words are.
Quotes, `*`, `:`, `^` and NUL mean something to SQLite's FTS5 or PostgreSQL (or make
them raise), and none of them helps find an item.

Words match their other forms ("mug" finds "mugs" and the reverse). PostgreSQL stems
both the index and the query with the `SEARCH_CONFIG` text search configuration of
`WAGTAILSEARCH_BACKENDS` ("english"). Wagtail's SQLite FTS5 index does not stem and
cannot be configured to, so there each word is expanded into the indexed words that
share its Snowball English stem, read from FTS5's own vocabulary: exact words, no
prefix guesses ("mug" does not find "mugwort").
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from typing import Any

import snowballstemmer
from django.db import connection
from django.http import HttpRequest
from wagtail.search.backends import get_search_backend
from wagtail.search.query import And, Or, PlainText, SearchQuery

from .models import ItemPage

MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 10
# How many indexed words sharing a stem's first letters are looked at, and kept, per word.
MAX_VOCABULARY_SCAN = 500
MAX_FORMS_PER_WORD = 20
# Stemming shorter words, or numbers, finds nothing useful.
MIN_STEMMED_WORD_LENGTH = 3

_WORD = re.compile(r"[^\W_]+")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
_VOCABULARY_TABLE = "commerce_search_vocabulary"


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
    fts_table = _unstemmed_fts5_table()
    if fts_table is None:
        return PlainText(" ".join(words), operator="and")
    per_word = [_any_of(indexed_forms(fts_table, word)) for word in words]
    return per_word[0] if len(per_word) == 1 else And(per_word)


def _any_of(forms: list[str]) -> SearchQuery:
    return PlainText(forms[0]) if len(forms) == 1 else Or([PlainText(form) for form in forms])


def _unstemmed_fts5_table() -> str | None:
    """The FTS5 table of Wagtail's SQLite backend, the one backend that does not stem."""
    if connection.vendor != "sqlite":
        return None
    from modelsearch.backends.database.sqlite.sqlite import (
        SQLiteFTSIndexEntry,
        SQLiteSearchBackend,
    )

    if not isinstance(get_search_backend(), SQLiteSearchBackend):
        return None
    return SQLiteFTSIndexEntry._meta.db_table


def indexed_forms(fts_table: str, word: str) -> list[str]:
    """`word` and the words of the FTS5 index that have its English stem."""
    stem = english_stem(word)
    if len(word) < MIN_STEMMED_WORD_LENGTH or not stem.isalpha():
        return [word]
    # Stems change at most their last letter ("hoping" -> "hope", "happy" -> "happi"), so
    # every form of a word starts with the stem less a final "e" or "i".
    prefix = stem[:-1] if stem[-1] in "ei" and len(stem) > 1 else stem
    with connection.cursor() as cursor:
        # A temporary table lives with the connection: no migration, nothing shared.
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{_VOCABULARY_TABLE} "
            f"USING fts5vocab(main, {fts_table}, row)"
        )
        cursor.execute(
            f"SELECT term FROM temp.{_VOCABULARY_TABLE} "  # noqa: S608 (names are ours)
            "WHERE term >= %s AND term < %s ORDER BY term LIMIT %s",
            [prefix, prefix + "\U0010ffff", MAX_VOCABULARY_SCAN],
        )
        terms = [term for (term,) in cursor.fetchall()]
    forms = [term for term in terms if term != word and english_stem(term) == stem]
    return [word, *forms[: MAX_FORMS_PER_WORD - 1]]


def english_stem(word: str) -> str:
    """The Snowball English stem of `word`, accents folded as FTS5's tokenizer folds them."""
    return _stemmer().stemWord(_fold_accents(word))


def _fold_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


_local = threading.local()


def _stemmer() -> Any:
    """One stemmer per thread: a Snowball stemmer keeps state while it works."""
    if not hasattr(_local, "stemmer"):
        _local.stemmer = snowballstemmer.stemmer("english")
    return _local.stemmer
