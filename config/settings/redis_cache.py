"""Django's cache settings for a Redis server, bounded so that a dead Redis fails fast.

Kept apart from `base.py` so the tests that run against a real Redis configure their
cache exactly as production does, only with their own database number and key prefix.
"""

from __future__ import annotations

from typing import Any

# A Redis that refuses, drops or never answers a connection must fail a request in about a
# second (a 503 the client can retry), never hold a worker until gunicorn kills it:
# connecting and every reply are bounded, and Django's client retries neither.
REDIS_TIMEOUT_SECONDS = 1.0


def redis_cache(url: str, key_prefix: str) -> dict[str, Any]:
    """One entry of `CACHES`: Django's own Redis backend at `url` (redis://, rediss://),
    building its redis-py client once (`config.redis_cache_backend`), its keys under
    `key_prefix`, connecting and reading within REDIS_TIMEOUT_SECONDS."""
    return {
        "BACKEND": "config.redis_cache_backend.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": key_prefix,
        "OPTIONS": {
            "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
            "socket_timeout": REDIS_TIMEOUT_SECONDS,
        },
    }
