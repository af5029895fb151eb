"""The cart's lock: one holder at a time, released when done, and never released for
another request that took it after ours lapsed."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from commerce.cart import store


def test_a_held_lock_makes_others_wait_and_is_released_after(monkeypatch):
    monkeypatch.setattr(store, "LOCK_WAIT_SECONDS", 0.05)
    with store.locked("cart-a"):
        with pytest.raises(store.CartBusy), store.locked("cart-a"):
            pass
        with store.locked("cart-b"):  # another cart's lock is another lock
            pass
    assert cache.get(store.lock_name("cart-a")) is None
    with store.locked("cart-a"):
        pass


def test_a_lock_released_soon_after_it_was_taken_is_deleted_without_a_read(monkeypatch):
    reads = []
    real_get = store.cache.get

    def get(key, *args, **kwargs):
        reads.append(key)
        return real_get(key, *args, **kwargs)

    monkeypatch.setattr(store.cache, "get", get)
    with store.locked("cart-a"):
        pass
    assert store.lock_name("cart-a") not in reads
    assert real_get(store.lock_name("cart-a")) is None


def test_a_lock_that_lapsed_and_was_taken_by_another_request_stays(monkeypatch):
    # Held past the time it surely lasts: whose it is must be read before deleting it.
    monkeypatch.setattr(store, "LOCK_SURELY_HELD_SECONDS", 0)
    name = store.lock_name("cart-a")
    with store.locked("cart-a"):
        cache.delete(name)  # it lapsed...
        assert cache.add(name, "another request's token", 60)  # ...and another took it
    assert cache.get(name) == "another request's token"
    cache.delete(name)
    with store.locked("cart-a"):  # one that did not lapse is still released
        pass
    assert cache.get(name) is None
