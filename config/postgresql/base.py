"""Django's PostgreSQL backend with a health check that costs no round trip for a
connection in steady use.

Django's health check (`CONN_HEALTH_CHECKS`, on in config/settings/base.py) sends
`SELECT 1` before the first query of every request, so that a persistent connection the
server has dropped is replaced instead of failing the request. On a busy worker that is
one more round trip on every request, for a connection that answered a moment ago: on a
paying webhook, one statement in ten, and its share of both processes' CPU.

Here a connection that passed its check less than `RECENT_SECONDS` ago is taken as
healthy without asking when libpq still holds it open and idle and nothing unread waits on
its socket. A server that ends a connection (a restart, `pg_terminate_backend`,
`idle_session_timeout`, a pooler closing it) says so on the socket, which makes it
readable: then the full check runs and the connection is replaced before the request
uses it. A connection idle for longer, which a firewall or NAT may have dropped without a
word, is asked with `SELECT 1` as before.
"""

from __future__ import annotations

import select
import time

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus

# Long enough that a worker serving a steady stream of requests never pings; far shorter
# than the idle timeouts of firewalls and NATs (minutes), the drops no socket shows.
RECENT_SECONDS = 5.0


class DatabaseWrapper(base.DatabaseWrapper):
    checked_at: float | None = None

    def connect(self) -> None:
        super().connect()
        self.checked_at = time.monotonic()

    def close_if_health_check_failed(self) -> None:
        # Called before every query: once the request's connection is checked, nothing to do.
        if self.connection is None or not self.health_check_enabled or self.health_check_done:
            return
        if self._answered_recently():
            self.health_check_done = True
        else:
            super().close_if_health_check_failed()
        if self.connection is not None:
            self.checked_at = time.monotonic()

    def _answered_recently(self) -> bool:
        """Whether the open connection passed a check within `RECENT_SECONDS` and shows
        no sign of having been dropped since."""
        if self.checked_at is None or time.monotonic() - self.checked_at > RECENT_SECONDS:
            return False
        connection = self.connection
        if connection.closed or connection.broken:
            return False
        if connection.info.transaction_status != TransactionStatus.IDLE:
            return False
        return not _readable(connection.fileno())


def _readable(descriptor: int) -> bool:
    """Whether the socket has something to read (or was closed), without waiting."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(descriptor, select.POLLIN)
        return bool(poller.poll(0))
    readable, _, _ = select.select([descriptor], [], [], 0)
    return bool(readable)
