"""Other forms of a shopper's words, for the one search index that does not stem.

Wagtail's SQLite backend indexes words as they are written (FTS5's default tokenizer)
and offers no setting for stemming, so "mug" would not find "mugs". Here each word is
looked up in FTS5's own vocabulary of indexed words (the `fts5vocab` table, created as a
temporary table of the connection: no migration, nothing shared) and every indexed word
with the same Snowball English stem is searched too. They are exact words, not prefix
guesses, so "mug" finds "mugs" and not "mugwort".
"""

from __future__ import annotations

import threading
import unicodedata
from typing import Any

import snowballstemmer
from django.db import connection
from wagtail.search.backends import get_search_backend

# How many indexed words sharing a stem's first letters are looked at, and kept, per word.
MAX_VOCABULARY_SCAN = 500
MAX_FORMS_PER_WORD = 20
# Stemming shorter words, or numbers, finds nothing useful.
MIN_STEMMED_WORD_LENGTH = 3

_VOCABULARY_TABLE = "commerce_search_vocabulary"
_local = threading.local()


def indexed_word_forms(words: list[str]) -> list[list[str]] | None:
    """For each word, the word and the indexed words sharing its stem; None when the
    search backend stems by itself (PostgreSQL) or has no FTS5 vocabulary to read."""
    fts_table = unstemmed_fts5_table()
    if fts_table is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{_VOCABULARY_TABLE} "
            f"USING fts5vocab(main, {fts_table}, row)"
        )
        return [_forms(cursor, word) for word in words]


def unstemmed_fts5_table() -> str | None:
    """The FTS5 table of Wagtail's SQLite backend, if that is the backend in use."""
    if connection.vendor != "sqlite":
        return None
    from modelsearch.backends.database.sqlite.sqlite import (
        SQLiteFTSIndexEntry,
        SQLiteSearchBackend,
    )

    if not isinstance(get_search_backend(), SQLiteSearchBackend):
        return None
    return SQLiteFTSIndexEntry._meta.db_table


def _forms(cursor: Any, word: str) -> list[str]:
    stem = english_stem(word)
    if len(word) < MIN_STEMMED_WORD_LENGTH or not stem.isalpha():
        return [word]
    # Stems change at most their last letter ("hoping" -> "hope", "happy" -> "happi"), so
    # every form of a word starts with the stem less a final "e" or "i".
    prefix = stem[:-1] if stem[-1] in "ei" and len(stem) > 1 else stem
    cursor.execute(
        f"SELECT term FROM temp.{_VOCABULARY_TABLE} "  # noqa: S608 (the name is ours)
        "WHERE term >= %s AND term < %s ORDER BY term LIMIT %s",
        [prefix, prefix + "\U0010ffff", MAX_VOCABULARY_SCAN],
    )
    forms = [term for (term,) in cursor.fetchall() if term != word and english_stem(term) == stem]
    return [word, *forms[: MAX_FORMS_PER_WORD - 1]]


def english_stem(word: str) -> str:
    """The Snowball English stem of `word`, accents folded as FTS5's tokenizer folds them."""
    return _stemmer().stemWord(_fold_accents(word))


def _fold_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _stemmer() -> Any:
    """One stemmer per thread: a Snowball stemmer keeps state while it works."""
    if not hasattr(_local, "stemmer"):
        _local.stemmer = snowballstemmer.stemmer("english")
    return _local.stemmer
