"""Values worked out from the database, kept in the shared cache until their sources change.

Each kind of value has a stamp in the cache that is replaced whenever its sources change:
at once, and again after the changing transaction commits. A value is stored beside the
stamp read *before* its sources were read and is used only while that stamp is current,
so a value read from rows that a concurrent transaction was changing is never used once
that change has committed. A stamp is replaced, never incremented: one evicted from the
cache must not come back as an old one.

A kind read on every request (what the cart prices with) may also be kept in each
process's memory (`kept_in_process`): a value is then used from memory while the stamp in
the shared cache is still the one it was stored under, and never beyond the timeout
counted from when it was worked out. Reading it costs one small read of the stamp instead
of fetching and unpickling the value.

A kind a request cannot do without (what a buy charges and links to) is made with
`works_without_cache`: while the shared cache cannot be reached, its values are worked
out from their sources on every read instead of failing the request.

A request that reads several kinds kept in memory (a buy reads three) may read their
stamps together, in one round trip, before it reads any of them
(`stamps_read_together`).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import time
import uuid
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import Any

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

# The stamps `stamps_read_together` read for the block running now, by stamp key.
_READ_AHEAD: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "stamps_read_ahead", default=None
)


class StampedCache:
    """Values of one kind, by key, worked out when missing or out of date."""

    def __init__(
        self, name: str, timeout: int, kept_in_process: int = 0, works_without_cache: bool = False
    ) -> None:
        self.stamp_key = f"commerce:stamp:{name}"
        self.works_without_cache = works_without_cache
        self.prefix = f"commerce:stamped:{name}:"
        # A bound on staleness should a change ever bypass the signals (a queryset update).
        self.timeout = timeout
        # At most this many values kept in this process's memory (0: none), by name, as
        # stored: (stamp, value, the time.time() after which it is out of date). Each
        # entry keeps its own stamp, so a thread still reading under an older stamp never
        # passes its value to one reading under the new stamp.
        self.kept_in_process = kept_in_process
        self._kept: dict[str, tuple[Any, ...]] = {}
        self._kept_stamp: str | None = None

    def get_many(
        self, keys: Iterable[Hashable], compute: Callable[[set[Any]], dict[Any, Any]]
    ) -> dict[Any, Any]:
        """The values of `keys`; `compute` works out those not stored (it may leave out
        keys that have no value, which are then neither stored nor returned)."""
        if not self.works_without_cache:
            return self._get_many(keys, compute)
        keys = list(keys)
        try:
            return self._get_many(keys, compute)
        except Exception:  # the shared cache is unreachable: the sources say it all
            logger.warning("%s worked out without the cache", self.prefix, exc_info=True)
            return compute(set(keys))

    def _get_many(
        self, keys: Iterable[Hashable], compute: Callable[[set[Any]], dict[Any, Any]]
    ) -> dict[Any, Any]:
        names = {key: f"{self.prefix}{key}" for key in keys}
        if self.kept_in_process:
            stamp = self.stamp()
            found = self._recall(list(names.values()), stamp)
        else:
            found = cache.get_many([self.stamp_key, *names.values()])
            stamp = found.get(self.stamp_key) or self._new_stamp()
        values = {}
        for key, name in names.items():
            stored = found.get(name)
            if stored is not None and stored[0] == stamp:
                values[key] = stored[1]
        missing = set(names) - set(values)
        if missing:
            computed = compute(missing)
            stored_values = {
                names[key]: self._stored(stamp, value) for key, value in computed.items()
            }
            cache.set_many(stored_values, self.timeout)
            for name, stored in stored_values.items():
                self._keep(name, stamp, stored)
            values.update(computed)
        return values

    def read(self, key: Hashable) -> tuple[str, Any]:
        """The current stamp and the value of `key` stored under it (None if there is none);
        a value worked out after this read is stored with `write` and that stamp."""
        name = f"{self.prefix}{key}"
        if self.kept_in_process:
            stamp = self.stamp()
            stored = self._recall([name], stamp).get(name)
        else:
            found = cache.get_many([self.stamp_key, name])
            stamp = found.get(self.stamp_key)
            if stamp is None:
                return self._new_stamp(), None
            stored = found.get(name)
        return stamp, stored[1] if stored is not None and stored[0] == stamp else None

    def write(self, key: Hashable, stamp: str, value: Any) -> None:
        name = f"{self.prefix}{key}"
        stored = self._stored(stamp, value)
        cache.set(name, stored, self.timeout)
        self._keep(name, stamp, stored)

    def stamp(self) -> str:
        """The current stamp, made if there is none; inside `stamps_read_together`, the
        one read at the start of the block."""
        read_ahead = _READ_AHEAD.get()
        if read_ahead and read_ahead.get(self.stamp_key):
            return read_ahead[self.stamp_key]
        return cache.get(self.stamp_key) or self._new_stamp()

    def _stored(self, stamp: str, value: Any) -> tuple[Any, ...]:
        """What the shared cache holds: the stamp, the value and, for kinds also kept in
        memory, when it goes out of date (a process that reads it keeps it until then)."""
        if self.kept_in_process:
            return (stamp, value, time.time() + self.timeout)
        return (stamp, value)

    def _recall(self, names: list[str], stamp: str) -> dict[str, tuple[Any, ...]]:
        """The stored entries of `names`: from memory when kept there under `stamp` and
        still in date, else from the shared cache (then kept)."""
        if self._kept_stamp != stamp:
            self._kept = {}
            self._kept_stamp = stamp
        now = time.time()
        found: dict[str, tuple[Any, ...]] = {}
        for name in names:
            kept = self._kept.get(name)
            if kept is not None and kept[0] == stamp and kept[2] > now:
                found[name] = kept
        missing = [name for name in names if name not in found]
        if missing:
            for name, stored in cache.get_many(missing).items():
                if len(stored) < 3 or stored[2] > now:  # not past its time on this clock
                    found[name] = stored
                    self._keep(name, stamp, stored)
        return found

    def _keep(self, name: str, stamp: str, stored: tuple[Any, ...]) -> None:
        """Keep a stored entry in memory if it is under `stamp` and says when it goes out
        of date; memory holds one stamp's values, at most `kept_in_process` of them."""
        if not self.kept_in_process or stored[0] != stamp or len(stored) < 3:
            return
        if self._kept_stamp != stamp or len(self._kept) >= self.kept_in_process:
            self._kept = {}
            self._kept_stamp = stamp
        self._kept[name] = stored

    def _new_stamp(self) -> str:
        stamp = uuid.uuid4().hex
        if not cache.add(self.stamp_key, stamp, None):
            stamp = cache.get(self.stamp_key) or stamp
        return stamp

    def get(self, compute: Callable[[], Any]) -> Any:
        """The one value of a kind that has only one."""
        return self.get_many(["all"], lambda missing: {"all": compute()})["all"]

    def invalidate(self) -> None:
        """Make every stored value out of date now and once the current transaction
        commits."""
        # The rest of a block that read the stamp ahead reads the new one.
        read_ahead = _READ_AHEAD.get()
        if read_ahead:
            read_ahead.pop(self.stamp_key, None)
        self._restamp()
        transaction.on_commit(self._restamp)

    def _restamp(self) -> None:
        cache.set(self.stamp_key, uuid.uuid4().hex, None)


@contextlib.contextmanager
def stamps_read_together(*kinds: StampedCache) -> Iterator[None]:
    """Within the block, `kinds` use the stamps read in one round trip as it starts,
    instead of one round trip each when first read (a stamp is read before the sources
    of any value stored under it, so reading it earlier is as safe). A kind the block
    invalidates reads its new stamp again. When the shared cache cannot be reached, each
    kind reads (or works without) its own stamp as it would outside the block."""
    try:
        found = cache.get_many([kind.stamp_key for kind in kinds])
    except Exception:  # each kind then meets (and logs) the outage on its own terms
        found = {}
    token = _READ_AHEAD.set({**(_READ_AHEAD.get() or {}), **found})
    try:
        yield
    finally:
        _READ_AHEAD.reset(token)
