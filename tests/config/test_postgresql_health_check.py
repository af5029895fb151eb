"""The PostgreSQL backend's health check (config/postgresql): a connection in steady use
is not sent `SELECT 1` before each request, and one the server has ended is still replaced
before a request uses it.

These tests open their own connection to the PostgreSQL server the benchmarks use
(`tests/bench/database.ADMIN_URL`, 127.0.0.1:5432 unless PG_HOST/PG_PORT say; CI has
one), whatever database the suite itself uses.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import environ
import pytest
from django.db import OperationalError
from django.db.utils import ConnectionHandler

from config.postgresql import base
from tests.bench.database import ADMIN_URL, admin_connection
from tests.real_services import missing


@pytest.fixture
def database(django_db_blocker) -> Iterator[base.DatabaseWrapper]:
    """A connection of the store's backend, with health checks as the settings have them."""
    handler = ConnectionHandler(
        {
            "default": {
                **environ.Env.db_url_config(ADMIN_URL),
                "ENGINE": "config.postgresql",
                "CONN_MAX_AGE": 60,
                "CONN_HEALTH_CHECKS": True,
            }
        }
    )
    wrapper = handler["default"]
    with django_db_blocker.unblock():
        try:
            wrapper.ensure_connection()
        except OperationalError as error:
            missing(f"no PostgreSQL at {ADMIN_URL} ({error})", "a real PostgreSQL")
        yield wrapper
        wrapper.close()


@pytest.fixture
def pings(database, monkeypatch) -> list[bool]:
    """The answers of every full health check (`SELECT 1`) the connection makes."""
    answers: list[bool] = []
    full_check = database.is_usable

    def counted() -> bool:
        answers.append(full_check())
        return answers[-1]

    monkeypatch.setattr(database, "is_usable", counted)
    return answers


def request(database: base.DatabaseWrapper) -> int:
    """What Django does around a request that queries: the connection is looked at when the
    request starts, checked before its first query, and used. Returns the server process
    that answered."""
    database.close_if_unusable_or_obsolete()
    with database.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_a_connection_in_steady_use_is_not_pinged(database, pings):
    first = request(database)
    second = request(database)
    third = request(database)

    assert pings == []
    assert first == second == third


def test_a_connection_idle_for_longer_than_the_window_is_pinged(database, pings):
    first = request(database)
    database.checked_at -= base.RECENT_SECONDS + 1

    second = request(database)

    assert pings == [True]
    assert second == first
    # Checked just now: the next request is not pinged again.
    request(database)
    assert pings == [True]


def test_a_connection_left_in_a_transaction_is_pinged(database, pings):
    request(database)
    database.connection.autocommit = False
    database.connection.execute("SELECT 1")  # the driver opened a transaction

    assert not database._answered_recently()
    database.connection.rollback()
    database.connection.autocommit = True
    assert database._answered_recently()


def test_a_connection_the_server_ended_is_replaced_before_the_request_uses_it(database, pings):
    ended = request(database)
    with admin_connection() as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [ended])
    # The server's goodbye reaches the socket (bounded wait, well within a second here).
    deadline = time.monotonic() + 5
    while not base._readable(database.connection.fileno()) and time.monotonic() < deadline:
        time.sleep(0.01)

    answered = request(database)

    assert pings == [False], "the readable socket sent the connection to the full check"
    assert answered != ended, "a new connection answered"
