"""Values worked out from the database, kept in the shared cache until their sources change.

Each kind of value has a stamp in the cache that is replaced whenever its sources change:
at once, and again after the changing transaction commits. A value is stored beside the
stamp read *before* its sources were read and is used only while that stamp is current,
so a value read from rows that a concurrent transaction was changing is never used once
that change has committed. A stamp is replaced, never incremented: one evicted from the
cache must not come back as an old one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from django.core.cache import cache
from django.db import transaction


class StampedCache:
    """Values of one kind, by key, worked out when missing or out of date."""

    def __init__(self, name: str, timeout: int) -> None:
        self.stamp_key = f"commerce:stamp:{name}"
        self.prefix = f"commerce:stamped:{name}:"
        # A bound on staleness should a change ever bypass the signals (a queryset update).
        self.timeout = timeout

    def get_many(
        self, keys: Iterable[Hashable], compute: Callable[[set[Any]], dict[Any, Any]]
    ) -> dict[Any, Any]:
        """The values of `keys`; `compute` works out those not stored (it may leave out
        keys that have no value, which are then neither stored nor returned)."""
        names = {key: f"{self.prefix}{key}" for key in keys}
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
            cache.set_many(
                {names[key]: (stamp, value) for key, value in computed.items()}, self.timeout
            )
            values.update(computed)
        return values

    def read(self, key: Hashable) -> tuple[str, Any]:
        """The current stamp and the value of `key` stored under it (None if there is none);
        a value worked out after this read is stored with `write` and that stamp."""
        name = f"{self.prefix}{key}"
        found = cache.get_many([self.stamp_key, name])
        stamp = found.get(self.stamp_key)
        if stamp is None:
            return self._new_stamp(), None
        stored = found.get(name)
        return stamp, stored[1] if stored is not None and stored[0] == stamp else None

    def write(self, key: Hashable, stamp: str, value: Any) -> None:
        cache.set(f"{self.prefix}{key}", (stamp, value), self.timeout)

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
        self._restamp()
        transaction.on_commit(self._restamp)

    def _restamp(self) -> None:
        cache.set(self.stamp_key, uuid.uuid4().hex, None)
