"""A throwaway PostgreSQL database for an in-process benchmark, dropped when it ends.

The benchmarks measure the store on PostgreSQL, as it runs in production: each run gets
a database of its own (built from the migrations), with persistent connections
(`CONN_MAX_AGE=60`), so what is timed is the store's work and not connection set-up.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from .database import throwaway_postgresql


@contextlib.contextmanager
def throwaway_database() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database (`database.throwaway_postgresql`, on the
    server `make bench` uses), dropped on the way out once this process's connections to
    it are closed."""
    with throwaway_postgresql() as url:
        try:
            yield url
        finally:
            from django.db import connections

            connections.close_all()


def setup_django(database_url: str, root_urlconf: str | None = None) -> None:
    """Django with the test settings on `database_url` (persistent connections), migrated.
    The settings build the connection from `DATABASE_URL` as production's do, so the
    benchmark gets production's backend, health check and driver options too."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["DATABASE_URL"] = database_url
    import django
    from django.conf import settings

    settings.DATABASES["default"]["CONN_MAX_AGE"] = 60
    settings.COMMERCE_BUY_RATE = ""
    if root_urlconf:
        settings.ROOT_URLCONF = root_urlconf
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
