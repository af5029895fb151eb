"""Fixtures of the tests that run against the real Redis at 127.0.0.1:6379."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis

from config.settings.redis_cache import redis_cache
from tests.real_services import missing

from .real_redis import CACHED_DB, REDIS_URL, RUN_PREFIX


@pytest.fixture(scope="module")
def redis_server() -> Iterator[redis.Redis]:
    """The real Redis, or a failure in CI / a skip elsewhere when there is none; every key
    this run wrote is deleted afterwards (its own keys only, never the database)."""
    server = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        server.ping()
    except redis.RedisError as error:
        missing(f"no Redis at {REDIS_URL} ({error})", "a real Redis")
    yield server
    for key in server.scan_iter(f"{RUN_PREFIX}*"):
        server.delete(key)
    server.close()


@pytest.fixture
def prefix(redis_server) -> str:
    """This test's own key prefix, inside the run's."""
    return f"{RUN_PREFIX}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def on_redis(redis_server, prefix, settings) -> redis.Redis:
    """Settings as REDIS_URL makes them: Redis as the cache (so the rate limits' and the
    cart's), cached_db sessions."""
    settings.CACHES = {"default": redis_cache(REDIS_URL, prefix)}
    settings.SESSION_ENGINE = CACHED_DB
    settings.RATELIMIT_USE_CACHE = "default"
    return redis_server
