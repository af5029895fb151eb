"""A cart change on a real Redis (127.0.0.1:6379): how many round trips it makes, and that
its lock and its record's copy keep their guarantees when taken and released by Lua
scripts (`commerce.cart.store.changing`).

Keys live in a Redis database of their own number under a prefix unique to this run and
are deleted at the end; in CI an unreachable Redis fails these tests, elsewhere they are
skipped.
"""

from __future__ import annotations

import pytest
import redis
from django.core.cache import cache
from django.test import Client

from commerce.cart import store
from tests.commerce.cart_helpers import add, cart_of
from tests.factories import ItemPageFactory

# A warm add: the stamps of what pricing reads (offers, discounts, default taxes) in one
# MGET, the browser's session (the cart's pointer), the cart's lock taken with its
# record's copy read and dropped, the copy set with the lock released. Taking, reading,
# dropping, setting and releasing one at a time, and each stamp on its own, made it eight.
WARM_ADD_ROUND_TRIPS = 4

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_redis(on_redis, settings):
    """Redis as REDIS_URL makes it (conftest.py), the rate limit off so only the cart's
    own round trips are counted."""
    settings.COMMERCE_CART_RATE = ""
    return on_redis


@pytest.fixture
def mug(catalog):
    return ItemPageFactory(parent=catalog, title="Enamel Mug", price_amount=1450)


@pytest.fixture
def commands(monkeypatch) -> list[tuple]:
    """Every command this process sends to Redis from now on, by name and first key."""
    sent: list[tuple] = []
    real = redis.Redis.execute_command

    def execute_command(self, *args, **options):
        sent.append(args[:2] if args[0] != "EVALSHA" else (args[0], args[3]))
        return real(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", execute_command)
    return sent


def copy_key_name(key: str) -> str:
    """The cart record's copy: the cached_db engine's own cache entry of it."""
    return f"django.contrib.sessions.cached_db{key}"


def copy_key(key: str) -> str:
    """The copy's key in Redis."""
    return cache.make_and_validate_key(copy_key_name(key))


def test_a_warm_add_makes_four_round_trips_to_redis(on_redis, mug, commands):
    client = Client()
    add(client, mug)
    add(client, mug)
    commands.clear()
    response = add(client, mug)
    assert response.status_code == 200, response.content
    assert response.json()["quantity"] == 3
    assert len(commands) == WARM_ADD_ROUND_TRIPS, commands
    lock = cache.make_and_validate_key(store.lock_name(client.session["commerce_cart"]))
    assert [command for command in commands if command[1] == lock] == [("EVALSHA", lock)] * 2


def test_a_change_drops_the_copy_while_it_holds_the_lock_and_sets_it_after(on_redis):
    key = store.new_key()
    store.save(key, {"lines": [[1, 1]]})
    assert on_redis.exists(copy_key(key))
    with store.changing(key) as record:
        assert record.data["lines"] == [[1, 1]]
        assert not on_redis.exists(copy_key(key)), "dropped before the record is written"
        assert cache.get(store.lock_name(key)) is not None
        record.save({"lines": [[1, 2]]})
        assert not on_redis.exists(copy_key(key)), "not set before the lock is released"
    assert cache.get(store.lock_name(key)) is None
    assert cache.get(copy_key_name(key))["lines"] == [[1, 2]], "Django's cache reads it"
    assert 0 < on_redis.ttl(copy_key(key)) <= 1209600
    assert store.session_data(key)["lines"] == [[1, 2]]


def test_a_change_that_writes_nothing_puts_the_copy_back_as_it_was(on_redis):
    key = store.new_key()
    store.save(key, {"lines": [[1, 1]]})
    on_redis.pexpire(copy_key(key), 60_000)
    with pytest.raises(ValueError), store.changing(key):
        raise ValueError("refused")
    assert cache.get(copy_key_name(key))["lines"] == [[1, 1]]
    assert 50_000 < on_redis.pttl(copy_key(key)) <= 60_000, "with the time it had left"
    assert cache.get(store.lock_name(key)) is None


def test_a_record_without_a_copy_is_read_from_its_row_under_the_lock(
    on_redis, django_assert_num_queries
):
    key = store.new_key()
    store.save(key, {"lines": [[1, 1]]})
    on_redis.delete(copy_key(key))
    with django_assert_num_queries(1), store.changing(key) as record:
        assert record.data["lines"] == [[1, 1]]
    assert not on_redis.exists(copy_key(key)), "nothing was written: no copy is made"


def test_a_held_lock_keeps_a_change_out_until_it_is_released(on_redis, monkeypatch):
    monkeypatch.setattr(store, "LOCK_WAIT_SECONDS", 0.05)
    key = store.new_key()
    with store.locked(key):
        with pytest.raises(store.CartBusy), store.changing(key):
            pass
    with store.changing(key), pytest.raises(store.CartBusy), store.locked(key):
        pass
    with store.changing(key):
        pass


def test_a_lock_that_lapsed_and_was_taken_by_another_request_stays_and_no_copy_is_set(
    on_redis,
):
    key = store.new_key()
    name = store.lock_name(key)
    store.save(key, {"lines": [[1, 1]]})
    with store.changing(key) as record:
        cache.delete(name)  # it lapsed...
        assert cache.add(name, "another request's token", 60)  # ...and another took it
        record.save({"lines": [[1, 2]]})
    assert cache.get(name) == "another request's token"
    assert not on_redis.exists(copy_key(key)), "the other request may write the record next"
    assert store.load(key)["lines"] == [[1, 2]]


def test_a_cart_changed_on_redis_survives_redis_losing_every_key(on_redis, prefix, mug):
    client = Client()
    add(client, mug, 2)
    add(client, mug, 1)
    for key in on_redis.scan_iter(f"{prefix}:*"):
        on_redis.delete(key)
    assert [line["quantity"] for line in cart_of(client)["lines"]] == [3]
    add(client, mug, 1)
    assert [line["quantity"] for line in cart_of(client)["lines"]] == [4]


def test_a_new_cart_is_written_under_its_own_key(on_redis, mug):
    """Read without a copy and without a row, the record is still written as itself."""
    from django.contrib.sessions.models import Session

    client = Client()
    add(client, mug)
    key = client.session["commerce_cart"]
    assert set(Session.objects.values_list("session_key", flat=True)) == {
        client.session.session_key,
        key,
    }
    assert store.session_data(key)["lines"] == [[mug.pk, 1]]
