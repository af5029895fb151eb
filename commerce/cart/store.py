"""Where carts are kept between requests, and the lock that makes changing them safe.

A cart is not written into the shopper's session blob: Django saves that blob whole at
the end of every request that touched it, so two tabs adding at once would each write
back their own copy and one line would be lost. Each cart is a record of its own in the
session engine (`SESSION_ENGINE`: the database, the cache or both, expiring like
sessions and removed by `clearsessions`), named by a key the browser never sees, and
every change re-reads the record under a lock in the shared cache, changes it and writes
it back before the lock is released. The browser's session only points at its cart.
A copy of each record is kept in the shared cache, written after the record under the
same lock, so a change reads the cart without a query (with the cached_db engine, the
engine's own cache copy of the record).
"""

from __future__ import annotations

import contextlib
import hashlib
import time
import uuid
from collections.abc import Callable, Iterator
from importlib import import_module
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.sessions.backends.base import CreateError, SessionBase, UpdateError
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDatabaseStore
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.core import checks
from django.core.cache import BaseCache, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.utils.crypto import salted_hmac

from . import rows

T = TypeVar("T")

# How long a lock may be held before it lapses (a worker that died holding it), and how
# long a request waits for one before giving up with CartBusy.
LOCK_SECONDS = 10
LOCK_WAIT_SECONDS = 5.0
# A change holds the lock for about two milliseconds: a waiting request asks again after
# half a millisecond, then at most every two, so it takes the lock about as soon as it is
# released (asking is one small cache write; waiting longer leaves a worker idle while the
# other requests for the same cart queue behind it).
LOCK_FIRST_POLL_SECONDS = 0.0005
LOCK_POLL_SECONDS = 0.002
# A lock released sooner than this after it was taken cannot have lapsed yet, whatever the
# cache server's clock: it is deleted without first reading whose it is.
LOCK_SURELY_HELD_SECONDS = LOCK_SECONDS - 2


class CartBusy(Exception):
    """The cart stayed locked by other requests for longer than a request should wait."""


def _store(key: str | None = None) -> SessionBase:
    return import_module(settings.SESSION_ENGINE).SessionStore(key)


def new_key() -> str:
    """A fresh, unguessable record key (lowercase hex, as every session backend accepts)."""
    return uuid.uuid4().hex


def derived_key(purpose: str, value: str) -> str:
    """A record key derived from `value` with the SECRET_KEY, so nobody who knows a user id
    or an order reference can name (or use as a session cookie) the record behind it."""
    return salted_hmac(f"commerce.cart.{purpose}", value).hexdigest()[:32]


def _copy_key(key: str) -> str:
    return "commerce:cart-record:" + key


def _copy_of(record: SessionBase, key: str) -> tuple[BaseCache, str]:
    """Where the copy of the record `key` is kept: with the cached_db engine, the engine's
    own cache entry of it (its save, and `rows.update_row`, set it anyway: a second copy
    would cost one more cache write per change); with any other, an entry of our own in
    the shared cache."""
    if isinstance(record, CachedDatabaseStore):
        return caches[settings.SESSION_CACHE_ALIAS], record.cache_key
    return cache, _copy_key(key)


def load(key: str) -> dict[str, Any]:
    """The record's data, or an empty dict if it does not exist (or expired): the copy in
    the shared cache when there is one, else the session store's.

    Without a copy, a cached_db record is read from its row alone: the engine's own load
    would also set the copy, and a request reading without the lock could then put back
    data older than what a change under the lock had just written."""
    record = _store(key)
    copy_cache, copy_key = _copy_of(record, key)
    copy = copy_cache.get(copy_key)
    if copy is not None:
        return dict(copy)
    return _read_without_copy(record)


def _read_without_copy(record: SessionBase) -> dict[str, Any]:
    """The record's data from the session store itself, a cached_db record from its row
    alone (see `load`)."""
    if isinstance(record, CachedDatabaseStore):
        return dict(DatabaseStore.load(record))
    return dict(record.load())


def save(key: str, data: dict[str, Any], new: bool = False) -> None:
    """Write the record whole, creating it if needed, and restart its expiry; then keep a
    copy in the shared cache, so the next change reads it without a query. `new`: the key
    was just made (`new_key`): its row is first tried as a new one.

    The copy is dropped before the record is written and set again only after, all under
    the cart's lock, so it is either missing or what the session store holds.
    """
    record = _store(key)
    copy_cache, copy_key = _copy_of(record, key)
    copy_cache.delete(copy_key)
    _save_record(record, data, new=new)
    if not isinstance(record, CachedDatabaseStore):  # cached_db's save set its own copy
        cache.set(copy_key, data, settings.SESSION_COOKIE_AGE)


def _save_record(
    record: SessionBase, data: dict[str, Any], copy: bool = True, new: bool = False
) -> None:
    """Write `record` with `data`; without `copy`, `rows` leaves a cached_db record's
    cache copy to the caller (the engine's own save, for a record without a row yet,
    still sets it). `new`: the key was just made, so the row is first tried as new."""
    record.clear()  # no read: the data is replaced, not merged
    record.update(data)
    record.set_expiry(settings.SESSION_COOKIE_AGE)
    if new and rows.insert_new_row(record, copy=copy):  # a new cart: one INSERT
        return
    if rows.update_row(record, copy=copy):  # the usual case: one UPDATE of the record's row
        return
    try:
        record.save(must_create=False)
    except UpdateError:
        try:
            record.save(must_create=True)
        except CreateError:  # created by another request a moment ago: ours is newer
            record.save(must_create=False)


def delete(key: str) -> None:
    cache.delete(_copy_key(key))
    _store(key).delete(key)


def session_data(session_key: str) -> dict[str, Any]:
    """What the store holds for a browser session right now (not the request's copy)."""
    return dict(_store(session_key).load())


def lock_name(name: str) -> str:
    """The cache key of the lock called `name`."""
    return "commerce:cart-lock:" + hashlib.sha256(name.encode()).hexdigest()[:40]


def _take_lock(name: str, attempt: Callable[[], T | None]) -> tuple[T, float]:
    """Call `attempt` until it takes the lock called `name` (returns something other than
    None), asking again soon and then at most every LOCK_POLL_SECONDS, for at most
    LOCK_WAIT_SECONDS (then `CartBusy`). What it returned, and when it was asked: the lock
    lasts its seconds from after then."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    poll = LOCK_FIRST_POLL_SECONDS
    while True:
        asked = time.monotonic()
        taken = attempt()
        if taken is not None:
            return taken, asked
        if asked >= deadline:
            raise CartBusy(name)
        time.sleep(poll)
        poll = min(poll * 2, LOCK_POLL_SECONDS)


@contextlib.contextmanager
def locked(name: str) -> Iterator[None]:
    """Hold the lock called `name` in the default cache (Redis in production, shared by
    every worker; `cache.add` is atomic there). Waits at most LOCK_WAIT_SECONDS."""
    lock_key = lock_name(name)
    token = uuid.uuid4().hex
    _, asked = _take_lock(name, lambda: cache.add(lock_key, token, LOCK_SECONDS) or None)
    try:
        yield
    finally:
        # Only our own lock: one that lapsed and was taken by another request stays.
        if time.monotonic() - asked < LOCK_SURELY_HELD_SECONDS or cache.get(lock_key) == token:
            cache.delete(lock_key)


class Record:
    """A cart record read under its lock (`changing`): `data` as stored, and `save`, which
    writes it back before the lock is released."""

    def __init__(self, key: str, data: dict[str, Any], new: bool = False) -> None:
        self.key = key
        self.data = data
        self.new = new

    def save(self, data: dict[str, Any]) -> None:
        """Write the record whole, as `save` does."""
        save(self.key, data, self.new)


@contextlib.contextmanager
def changing(key: str, new: bool = False) -> Iterator[Record]:
    """Hold the lock of the cart record `key` (`locked`) and read the record (`load`);
    `Record.save` writes it back (`save`) before the lock is released. The same
    guarantees as those three, in two round trips to Redis instead of five when the
    default cache is Redis and holds the copy too (`_RedisChange`). `new`: the key was
    just made (`new_key`), so its row is first written as a new one, with one INSERT.
    It is still read: another tab may have found the key and written the record first."""
    redis_change = _RedisChange.start(key, new)
    if redis_change is None:
        with locked(key):
            yield Record(key, load(key), new)
        return
    try:
        redis_change.read()
        yield redis_change
    finally:
        redis_change.finish()


# KEYS: the lock, the copy. ARGV: our token, the lock's seconds. Nothing if the lock is
# taken; else the copy (false: none) and the milliseconds it had left, the copy dropped.
_TAKE_AND_DROP_COPY = b"""
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return false end
local copy = redis.call('GET', KEYS[2])
if not copy then return {false, 0} end
local left = redis.call('PTTL', KEYS[2])
redis.call('DEL', KEYS[2])
return {copy, left}
"""
# KEYS: the lock, the copy. ARGV: our token, the copy to set and its milliseconds (0: no
# copy). The lock is released only if it is still ours, read in the same script whatever
# the time held (`locked` skips that read while the lock cannot have lapsed); if it is not
# ours (it lapsed, another request may have written the record since), no copy of ours is
# left either.
_SET_COPY_AND_RELEASE = b"""
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  redis.call('DEL', KEYS[2])
  return 0
end
if tonumber(ARGV[3]) > 0 then redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3]) end
redis.call('DEL', KEYS[1])
return 1
"""
# The scripts as redis-py runs them (by their SHA-1, loaded into the server when missing).
_scripts: dict[bytes, Any] = {}


def _run_script(client: Any, source: bytes, keys: list[str], args: list[Any]) -> Any:
    """Run a Lua script with the redis-py `client` of Django's RedisCache (no import of
    redis here: the app does not depend on it, Django's backend brings it)."""
    script = _scripts.get(source)
    if script is None:
        script = _scripts[source] = client.register_script(source)
    return script(keys, args, client=client)


class _RedisChange(Record):
    """`changing` on Redis, through the redis-py client of Django's RedisCache, with
    Django's own key names and serialisation, so the cache's `get` reads what is set
    here and the lock is the one `locked` takes."""

    def __init__(
        self,
        key: str,
        record: SessionBase,
        backend: RedisCache,
        client: Any,
        lock_key: str,
        copy_key: str,
        new: bool,
    ) -> None:
        super().__init__(key, {}, new)
        self._record = record
        self._backend = backend
        self._client = client
        self._lock_key = lock_key
        self._copy_key = copy_key
        self._token = backend._cache._serializer.dumps(uuid.uuid4().hex)
        # What the copy is set to when the lock is released: the one read, as it was (the
        # record did not change), until a write is tried; then none until it succeeded.
        self._copy: bytes | int = b""
        self._copy_milliseconds = 0
        self._read_copy: bytes | None = None

    @classmethod
    def start(cls, key: str, new: bool = False) -> _RedisChange | None:
        """The change of `key`, its lock held and its copy read and dropped (`read` then
        reads the record); None where the default cache is not Redis or the record's copy
        is kept in another cache."""
        backend = caches["default"]
        record = _store(key)
        copy_cache, copy_name = _copy_of(record, key)
        if not isinstance(backend, RedisCache) or copy_cache not in (backend, cache):
            return None
        lock_key = backend.make_and_validate_key(lock_name(key))
        copy_key = backend.make_and_validate_key(copy_name)
        client = backend._cache.get_client(lock_key, write=True)
        change = cls(key, record, backend, client, lock_key, copy_key, new)
        change._take()
        return change

    def _take(self) -> None:
        seconds = self._backend.get_backend_timeout(LOCK_SECONDS)
        taken, _ = _take_lock(
            self.key,
            lambda: _run_script(
                self._client,
                _TAKE_AND_DROP_COPY,
                [self._lock_key, self._copy_key],
                [self._token, seconds],
            ),
        )
        self._read_copy, left = taken
        if self._read_copy is not None:
            self._copy, self._copy_milliseconds = self._read_copy, int(left)

    def read(self) -> None:
        """Read the record's data: the copy the lock was taken with, else the session
        store's (as `load` reads it without a copy: a cached_db record from its row)."""
        if self._read_copy is not None:
            self.data = dict(self._backend._cache._serializer.loads(self._read_copy))
        else:
            self.data = _read_without_copy(self._record)

    def save(self, data: dict[str, Any]) -> None:
        """Write the record whole, as `save` does; its copy is set when the lock is
        released."""
        self._copy, self._copy_milliseconds = b"", 0
        record = _store(self.key)  # not the one read: a read of a missing row unsets its key
        _save_record(record, data, copy=False, new=self.new)
        if isinstance(record, CachedDatabaseStore):  # the engine's copy: what the row holds
            data, seconds = dict(record.items()), record.get_expiry_age()
        else:
            seconds = settings.SESSION_COOKIE_AGE
        self._copy = self._backend._cache._serializer.dumps(data)
        self._copy_milliseconds = 1000 * (self._backend.get_backend_timeout(seconds) or 0)

    def finish(self) -> None:
        """Set the copy and release the lock, if it is still ours."""
        _run_script(
            self._client,
            _SET_COPY_AND_RELEASE,
            [self._lock_key, self._copy_key],
            [self._token, self._copy, self._copy_milliseconds],
        )


@checks.register(checks.Tags.compatibility)
def carts_need_a_server_side_session_store(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Carts are records of the session store; signed-cookie sessions keep nothing on the
    server, so carts could not be kept there."""
    if "signed_cookies" not in settings.SESSION_ENGINE:
        return []
    return [
        checks.Error(
            f"SESSION_ENGINE {settings.SESSION_ENGINE!r} keeps sessions in cookies; the cart "
            "keeps its records in the session store on the server.",
            hint="Use the database, cache or cached_db session engine.",
            id="commerce.E010",
        )
    ]
