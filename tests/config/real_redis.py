"""Where the tests that need a real Redis keep their keys: a database of its own number,
under a prefix unique to this run (see conftest.py's `redis_server`)."""

from __future__ import annotations

import uuid

REDIS_DATABASE = 15
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DATABASE}"
RUN_PREFIX = f"store-test-{uuid.uuid4().hex[:12]}"
CACHED_DB = "django.contrib.sessions.backends.cached_db"
