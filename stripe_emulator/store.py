"""In-memory state of every emulated account, guarded by one lock.

Objects are plain dicts in Stripe's JSON shape. Keys starting with ``_`` hold emulator
bookkeeping (card outcomes, client secrets of sessions, ...) and are stripped by :func:`public`
before anything leaves the process. One re-entrant lock serialises all mutations: the work per
request is tiny, and a single lock makes state transitions trivially race-free.
"""

from __future__ import annotations

import collections
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from stripe_emulator.errors import no_such

_ALPHABET = string.ascii_letters + string.digits
#: How many idempotent results one account keeps; stripe-python sends a key with every POST.
IDEMPOTENCY_CACHE_SIZE = 20_000


def random_token(length: int) -> str:
    """Random base62 characters, the body of Stripe ids and secrets.

    One ``urandom`` call per token rather than per character (ids are made on every request);
    bytes of 248 and above are skipped so that each character stays equally likely.
    """
    chars: list[str] = []
    while len(chars) < length:
        chars.extend(_ALPHABET[byte % 62] for byte in secrets.token_bytes(length) if byte < 248)
    return "".join(chars[:length])


def new_id(prefix: str, length: int = 24) -> str:
    """A Stripe-like id such as ``pi_3Nx...``: a type prefix and random base62 characters."""
    return f"{prefix}_{random_token(length)}"


def public(obj: dict[str, Any]) -> dict[str, Any]:
    """The object as clients see it, without the emulator's private ``_`` keys."""
    return {key: value for key, value in obj.items() if not key.startswith("_")}


@dataclass
class StoredResponse:
    """A response kept for replay under an ``Idempotency-Key``."""

    method: str
    path: str
    fingerprint: tuple[tuple[str, str], ...]
    status: int
    body: bytes
    request_id: str


@dataclass
class Account:
    """Everything one account (one API key name) owns."""

    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    idempotency: collections.OrderedDict[str, StoredResponse] = field(
        default_factory=collections.OrderedDict
    )


class Store:
    """All accounts plus the emulator's clock, which tests may move forward."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.accounts: dict[str, Account] = {}
        self.owners: dict[str, str] = {}
        self.clock_offset = 0.0

    def now(self) -> int:
        """Current emulated Unix time in seconds."""
        return int(time.time() + self.clock_offset)

    def account(self, name: str) -> Account:
        """The account called ``name``, created on first use like a fresh Stripe account."""
        with self.lock:
            found = self.accounts.get(name)
            if found is None:
                found = self.accounts[name] = Account()
            return found

    def add(self, account: str, obj: dict[str, Any]) -> dict[str, Any]:
        """Store a new object under ``account`` and return it."""
        with self.lock:
            self.account(account).objects[obj["id"]] = obj
            self.owners[obj["id"]] = account
            return obj

    def get(self, account: str, object_id: str, kind: str, param: str = "id") -> dict[str, Any]:
        """The object of type ``kind``, or Stripe's 404 when this account has no such one."""
        with self.lock:
            obj = self.account(account).objects.get(object_id)
            if obj is None or obj["object"] != kind:
                raise no_such(kind, object_id, param)
            return obj

    def find_anywhere(self, object_id: str) -> tuple[str, dict[str, Any]] | None:
        """Owner and object for hosted pages, which are reached without an API key."""
        with self.lock:
            owner = self.owners.get(object_id)
            if owner is None:
                return None
            return owner, self.accounts[owner].objects[object_id]

    def of_kind(self, account: str, kind: str) -> list[dict[str, Any]]:
        """All objects of one kind in an account, newest first.

        Objects made in the same second keep the order they were stored in: the account's
        dict preserves insertion order and the sort is stable.
        """
        with self.lock:
            found = [o for o in self.account(account).objects.values() if o["object"] == kind]
        found.reverse()
        return sorted(found, key=lambda o: o["created"], reverse=True)

    def remember_response(self, account: str, key: str, response: StoredResponse) -> None:
        """Keep a response for replay, forgetting the oldest past the cache size."""
        with self.lock:
            cache = self.account(account).idempotency
            cache[key] = response
            while len(cache) > IDEMPOTENCY_CACHE_SIZE:
                cache.popitem(last=False)

    def reset(self) -> None:
        """Forget every account, object, event and idempotent response; restart the clock."""
        with self.lock:
            self.accounts.clear()
            self.owners.clear()
            self.clock_offset = 0.0
