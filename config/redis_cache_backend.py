"""Django's Redis cache backend, with one redis-py client per connection pool.

Django's own client builds a new `redis.Redis` around its connection pool for every cache
call, and redis-py's constructor fills a table of some two hundred reply handlers each
time: about 0.2 ms of CPU per call on a busy server, more than the round trip to Redis
itself. A cart change makes several cache calls (its lock, its record's copy, the stamps
of what it prices with), so this cost alone was a large part of an add. A `redis.Redis`
is safe to share between threads (each command takes a connection from the pool), so one
per pool is built and kept; everything else is Django's backend as it is.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class KeptClientRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, building each pool's `redis.Redis` once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._kept_clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._kept_clients.get(id(pool))  # pools are kept for the process's life
        if client is None:
            client = self._kept_clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    """`django.core.cache.backends.redis.RedisCache` with `KeptClientRedisCacheClient`."""

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = KeptClientRedisCacheClient
