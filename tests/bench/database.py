"""The benchmark's throwaway database: PostgreSQL when one answers on 127.0.0.1:5432 (a
database created for the run and dropped after, as .ci/run does), else an SQLite file
in the run's temporary folder."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PG_HOST = os.environ.get("PG_HOST", "127.0.0.1")
PG_PORT = os.environ.get("PG_PORT", "5432")
PG_USER = os.environ.get("PG_USER", "postgres")
PG_ADMIN_DB = os.environ.get("PG_ADMIN_DB", "test")


@dataclass(frozen=True)
class Database:
    url: str
    label: str  # what the table's header says, e.g. "PostgreSQL 16.4"

    @property
    def is_postgresql(self) -> bool:
        return self.url.startswith("postgres")


# The server's administration database, where throwaway databases are made and dropped.
ADMIN_URL = f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{PG_ADMIN_DB}"


def admin_connection():  # type: ignore[no-untyped-def]
    """An autocommit connection to the server's administration database (`ADMIN_URL`)."""
    import psycopg

    return psycopg.connect(
        host=PG_HOST,
        port=PG_PORT,
        user=PG_USER,
        dbname=PG_ADMIN_DB,
        autocommit=True,
        connect_timeout=3,
    )


def postgresql_version() -> str | None:
    """The server's version when PostgreSQL answers, else None."""
    try:
        import psycopg

        with admin_connection() as connection:
            return str(connection.execute("SHOW server_version").fetchone()[0]).split()[0]
    except (ImportError, psycopg.OperationalError):
        return None


@contextlib.contextmanager
def throwaway(folder: Path, prefer_postgresql: bool = True) -> Iterator[Database]:
    """A fresh, empty database for one run, removed afterwards."""
    version = postgresql_version() if prefer_postgresql else None
    if version is None:
        path = folder / "bench.sqlite3"
        import sqlite3

        yield Database(f"sqlite:///{path}", f"SQLite {sqlite3.sqlite_version}")
        return
    with throwaway_postgresql() as url:
        yield Database(url, f"PostgreSQL {version}")


@contextlib.contextmanager
def throwaway_postgresql() -> Iterator[str]:
    """The URL of a new, empty database on the server of `ADMIN_URL`, dropped afterwards
    (with any connection still open to it)."""
    name = f"store_bench_{os.getpid()}"
    with admin_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with admin_connection() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
