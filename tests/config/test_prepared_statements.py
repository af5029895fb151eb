"""On PostgreSQL a statement a connection repeats is prepared (`DATABASE_PREPARE_THRESHOLD`
in config/settings/base.py): the server then stops parsing and planning the store's
fixed statements on every webhook, the work it spent most on there."""

from __future__ import annotations

import pytest
from django.db import connection

from commerce import webhooks

pytestmark = pytest.mark.django_db


def prepared_statements() -> list[str]:
    """The statements this connection has prepared through the protocol (not by SQL)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        return [statement for (statement,) in cursor.fetchall()]


def replay_lookups(statements: list[str]) -> list[str]:
    return [text for text in statements if "commerce_paymentevent" in text]


def test_a_repeated_statement_is_prepared_once_and_answers_as_before():
    if connection.vendor != "postgresql":
        # SQLite has nothing to prepare and keeps its own options.
        assert "server_side_binding" not in connection.settings_dict["OPTIONS"]
        assert not webhooks._stored("default", "evt_unknown")
        return
    assert connection.settings_dict["OPTIONS"]["server_side_binding"] is True
    threshold = connection.settings_dict["OPTIONS"]["prepare_threshold"]
    connection.ensure_connection()
    assert replay_lookups(prepared_statements()) == []

    answers = [webhooks._stored("default", f"evt_{number}") for number in range(threshold + 2)]

    assert answers == [False] * (threshold + 2)
    [lookup] = replay_lookups(prepared_statements())
    assert "$1" in lookup and "$2" in lookup, "values are sent apart from the text"
