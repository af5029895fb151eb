"""A cart record rewritten in the session table with one UPDATE; a new session's row
written with one INSERT.

A cart is rewritten on every change, and Django's `SessionStore.save` goes through a model
instance, the save signals, a transaction around its one statement and the ORM's query
building: on a warm add that cost more CPU than all of the cart's own work. When the
session engine keeps sessions as rows (`db`, and `cached_db`, whose cache copy is then set
as its own save sets it), an existing record is rewritten here with exactly what the
engine would write (the same encoded data and expiry date) in a single UPDATE, which the
database applies atomically. A record without a row yet (a new cart, or one removed by
`clearsessions`), and any other engine, is left to the engine's own save.
"""

from __future__ import annotations

import functools
import logging

from django.conf import settings
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, SessionBase
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDatabaseStore
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.core.cache import caches
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Model
from django.utils.crypto import get_random_string

from .. import fixed_sql

logger = logging.getLogger(__name__)


@functools.cache
def _update_statement(model: type[Model], alias: str) -> str:
    """UPDATE <sessions> SET <data> = %s, <expiry> = %s WHERE <key> = %s."""
    table, column = fixed_sql.quoted_names(
        model, alias, "session_key", "session_data", "expire_date"
    )
    return (
        f"UPDATE {table} SET {column['session_data']} = %s, "  # noqa: S608
        f"{column['expire_date']} = %s WHERE {column['session_key']} = %s"
    )


def update_row(record: SessionBase, copy: bool = True) -> bool:
    """Write `record`'s data over its existing row; whether there was one (always False
    for engines that keep no rows, or a record without a key). Without `copy`, a
    cached_db record's cache copy is left to the caller (the cart sets it as it releases
    its lock, in the same round trip to Redis)."""
    if not isinstance(record, DatabaseStore) or record.session_key is None:
        return False
    model = record.model
    alias = router.db_for_write(model)
    connection = connections[alias]
    data = dict(record.items())
    expiry = connection.ops.adapt_datetimefield_value(record.get_expiry_date())
    with connection.cursor() as cursor:
        cursor.execute(
            _update_statement(model, alias), [record.encode(data), expiry, record.session_key]
        )
        updated = cursor.rowcount == 1
    if updated and copy:
        _copy_to_cache(record, data)
    return updated


@functools.cache
def _insert_statement(model: type[Model], alias: str) -> str:
    """INSERT INTO <sessions> (<key>, <data>, <expiry>) VALUES (%s, %s, %s)."""
    table, column = fixed_sql.quoted_names(
        model, alias, "session_key", "session_data", "expire_date"
    )
    return f"INSERT INTO {table} ({', '.join(column.values())}) VALUES (%s, %s, %s)"  # noqa: S608


def insert_row(record: SessionBase) -> bool:
    """Give `record` (a session not saved yet) a new key and write its row, as the engine's
    `create()` would, in one INSERT: the engine first asks whether a random key is taken
    (a SELECT) and wraps its INSERT in a transaction of its own, while a key taken after
    all is just as well caught by the INSERT failing. False, with nothing written, for
    engines that keep no rows and inside a transaction (where a failed INSERT would
    break it): the caller saves through the engine then."""
    if not isinstance(record, DatabaseStore) or record.session_key is not None:
        return False
    if connections[router.db_for_write(record.model)].in_atomic_block:
        return False
    data = dict(record.items())
    while True:
        key = new_session_key()
        try:
            _insert(record, key, data)
        except IntegrityError:  # the key is taken: another one
            continue
        break
    record._session_key = key  # as the engine's create() sets it
    record.modified = True  # so the answer sets the cookie
    _copy_to_cache(record, data)
    return True


def insert_new_row(record: SessionBase, copy: bool = True) -> bool:
    """Write the row of `record`, whose key was just made and most likely has no row yet,
    in one INSERT (the engine's save would first try an UPDATE, then INSERT in a
    transaction of its own); whether it did. False, with nothing written, for engines
    that keep no rows, inside a transaction (where a failed INSERT would break it) and if
    the key has a row after all: the caller saves otherwise then. Without `copy`, a
    cached_db record's cache copy is left to the caller."""
    if not isinstance(record, DatabaseStore) or record.session_key is None:
        return False
    if connections[router.db_for_write(record.model)].in_atomic_block:
        return False
    data = dict(record.items())
    try:
        _insert(record, record.session_key, data)
    except IntegrityError:
        return False
    if copy:
        _copy_to_cache(record, data)
    return True


def new_session_key() -> str:
    """A key as the engine makes one (without asking whether it is taken)."""
    return get_random_string(32, VALID_KEY_CHARS)


def insert_row_in_transaction(record: SessionBase) -> bool:
    """Write the row of `record`, which has its key and no row yet, in the caller's
    transaction (beside the order placed under the key): no commit of its own. A
    `cached_db` record's cache copy is set once the transaction commits. False, with
    nothing written, for engines that keep no rows."""
    if not isinstance(record, DatabaseStore) or record.session_key is None:
        return False
    data = dict(record.items())
    _insert(record, record.session_key, data)
    transaction.on_commit(
        lambda: _copy_to_cache(record, data), using=router.db_for_write(record.model)
    )
    return True


def _insert(record: DatabaseStore, key: str, data: dict) -> None:
    model = record.model
    alias = router.db_for_write(model)
    connection = connections[alias]
    expiry = connection.ops.adapt_datetimefield_value(record.get_expiry_date())
    # Inside `fixed_sql.sent_together`, sent with the order placed beside it.
    fixed_sql.execute(alias, _insert_statement(model, alias), [key, record.encode(data), expiry])


def _copy_to_cache(record: SessionBase, data: dict) -> None:
    """Set a `cached_db` record's cache copy to what its row now holds, as the engine's
    own save does."""
    if not isinstance(record, CachedDatabaseStore):
        return
    try:
        caches[settings.SESSION_CACHE_ALIAS].set(record.cache_key, data, record.get_expiry_age())
    except Exception:  # as cached_db's own save: the row is the record
        logger.exception("The session cache copy of %s was not set", record.cache_key)
