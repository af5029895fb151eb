"""Fixed statements on the busiest paths (a webhook's replay lookup and the rows a paying
webhook writes, a buy's session id, a cart's record), written once from a model's own
names instead of built by the ORM on every request: building such a statement cost more
than the database spends running it.

Only the model's table and column names, quoted by the database's backend, are written
into the text; every value is a parameter.

Inside `sent_together`, on PostgreSQL, these statements are held back and then sent
together, in one round trip (psycopg's pipeline mode): a paying webhook's five writes go
to the database at once instead of one after another. They are sent when the block ends,
or earlier, just before other code runs a statement through Django: so that statement
(the ORM's, a receiver's, a handler's) sees them, and runs as it would without the block,
a server-side cursor included, since no pipeline is left open while other code runs.
Their answers (the keys the database gave, the check that an update found its row, any
error) are read as soon as they have been sent.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db import DatabaseError, connections, router
from django.db.models import Field, Model
from django.db.transaction import TransactionManagementError


class _HeldBack:
    """This module's statements on one connection inside `sent_together`, not yet sent:
    each with what reads its answer."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.statements: list[tuple[str, Sequence[Any], Callable[[Any], None]]] = []
        self.sending = False

    def hold(self, sql: str, params: Sequence[Any], complete: Callable[[Any], None]) -> None:
        self.statements.append((sql, params, complete))

    def send_first(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        """A Django execute wrapper: what is held back is sent before any other statement,
        so that statement sees it."""
        if not self.sending:
            self.send()
        return execute(sql, params, many, context)

    def send(self) -> None:
        """Send what is held back in one round trip, then read each answer. An error of any
        of these statements is raised here, as Django's own exception class (their
        transaction, or savepoint, undoes them); the answers after it are not read."""
        statements, self.statements = self.statements, []
        if not statements:
            return
        cursors = [self.connection.cursor() for _ in statements]
        self.sending = True
        try:
            if len(statements) == 1:  # one round trip anyway: no pipeline to open and sync
                sql, params, _ = statements[0]
                cursors[0].execute(sql, params)
            else:
                with self.connection.wrap_database_errors, self.connection.connection.pipeline():
                    for cursor, (sql, params, _) in zip(cursors, statements, strict=True):
                        cursor.execute(sql, params)
            for cursor, (_, _, complete) in zip(cursors, statements, strict=True):
                complete(cursor)
        finally:
            self.sending = False
            for cursor in cursors:
                cursor.close()


@contextlib.contextmanager
def sent_together(alias: str) -> Iterator[None]:
    """Hold this module's statements on `alias` back and send them together (see the
    module's docstring): on PostgreSQL with a libpq that has pipelines; elsewhere each
    statement is sent and answered at once. Inside another such block, that block holds
    them.

    Until they are sent, a row this module inserts lacks the key the database gives it,
    and an error of any of its statements (a unique row written twice, say) is raised
    only when they are: use it inside the transaction that such an error should undo,
    where nothing reads those keys before the block ends, and where other code reaches
    the database only through Django.
    """
    connection = connections[alias]
    if not connection.in_atomic_block:
        # Outside a transaction, each statement would commit on its own, in a new order.
        raise TransactionManagementError("sent_together is for use inside transaction.atomic.")
    if connection.vendor != "postgresql" or _held_back_on(connection) is not None:
        yield
        return
    connection.ensure_connection()
    if not _pipelines_supported(connection.Database):
        yield
        return
    held = _HeldBack(connection)
    connection.fixed_sql_held_back = held
    try:
        with connection.execute_wrapper(held.send_first):
            yield
        held.send()
    finally:
        connection.fixed_sql_held_back = None


def send_held_back(alias: str) -> None:
    """Inside `sent_together`, send what is held back on `alias` now: its keys are given,
    its updates checked, and an error raised here. Call it before code that reads those
    keys (a row that refers to one), or code not the store's own (a payment method's),
    which may read them. Outside such a block nothing is held back."""
    held = _held_back_on(connections[alias])
    if held is not None:
        held.send()


def _held_back_on(connection: Any) -> _HeldBack | None:
    return getattr(connection, "fixed_sql_held_back", None)


@functools.cache
def _pipelines_supported(driver: Any) -> bool:
    """Whether the backend's driver module (`connection.Database`) has pipelines: psycopg 3
    built with a libpq that has them (psycopg2 has none)."""
    pipeline = getattr(driver, "Pipeline", None)
    return pipeline is not None and pipeline.is_supported()


def execute(
    alias: str,
    sql: str,
    params: Sequence[Any],
    complete: Callable[[Any], None] = lambda cursor: None,
) -> None:
    """Run `sql`, then `complete(cursor)` with its answer, if the caller reads one: at
    once, or inside `sent_together` once it has been sent with the others held back. For
    this module's statements and other fixed ones written beside them (a new shopper's
    session row)."""
    connection = connections[alias]
    held = _held_back_on(connection)
    if held is not None:
        held.hold(sql, params, complete)
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        complete(cursor)


def quoted_names(model: type[Model], alias: str, *fields: str) -> tuple[str, dict[str, str]]:
    """`model`'s table and the columns of `fields`, by field name, quoted for the database
    behind `alias`."""
    quote = connections[alias].ops.quote_name
    meta = model._meta
    return quote(meta.db_table), {name: quote(meta.get_field(name).column) for name in fields}


def update_fields(instance: Model, fields: Iterable[str]) -> None:
    """Write `fields` of the saved `instance` as `instance.save(update_fields=fields)`
    does (auto_now fields such as `updated_at` set first), with one statement kept per
    model, fields and database: for the rows every paying webhook changes. Like
    `QuerySet.update`, it sends no save signals; the store's own announcements
    (`order_paid`, the hooks) are how others learn of these changes."""
    names = tuple(fields)
    model = type(instance)
    alias = router.db_for_write(model, instance=instance)
    connection = connections[alias]
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    values = [
        field.get_db_prep_save(field.pre_save(instance, add=False), connection) for field in fields
    ]

    def check(cursor: Any) -> None:
        if cursor.rowcount != 1:
            raise DatabaseError(f"{meta.label} {instance.pk} was not there to update.")

    execute(alias, _update_sql(model, names, alias), [*values, instance.pk], check)


def insert(instance: Model) -> None:
    """Write the new `instance` as `instance.save()` would (its primary key set from the
    database when the database numbers it: inside `sent_together`, once it has been
    sent), with one statement kept per model and database: for the rows every
    paying webhook and every placement add. Sends no save signals (see `update_fields`)."""
    insert_rows([instance])


def insert_rows(instances: Sequence[Model]) -> None:
    """Write the new `instances` (all of one model) in one statement, as `bulk_create`
    does, each given its primary key when the database numbers them: for an order's
    lines and adjustments. One statement is kept per model, database and number of rows;
    more rows than the database takes in one statement are written in batches, and a
    database that cannot say which keys a multi-row insert made gets one statement a row.
    Sends no save signals."""
    if not instances:
        return
    model = type(instances[0])
    alias = router.db_for_write(model, instance=instances[0])
    connection = connections[alias]
    numbered = _numbered_by_database(model)
    fields = _inserted_fields(model)
    if len(instances) > 1:
        size = 1
        if not numbered or connection.features.can_return_rows_from_bulk_insert:
            size = connection.ops.bulk_batch_size(fields, instances)
        if size < len(instances):
            for start in range(0, len(instances), size):
                insert_rows(instances[start : start + size])
            return
    values = [
        field.get_db_prep_save(field.pre_save(instance, add=True), connection)
        for instance in instances
        for field in fields
    ]

    def number(cursor: Any) -> None:
        # Rows that brought their own keys (UUIDs) wrote them with the rest.
        if not numbered:
            return
        if connection.features.can_return_columns_from_insert:
            keys = [row[0] for row in cursor.fetchall()]
        else:
            keys = [
                connection.ops.last_insert_id(cursor, model._meta.db_table, model._meta.pk.column)
            ]
        for instance, key in zip(instances, keys, strict=True):
            instance.pk = key

    execute(alias, _insert_sql(model, alias, len(instances)), values, number)
    for instance in instances:
        instance._state.adding = False
        instance._state.db = alias


def _numbered_by_database(model: type[Model]) -> bool:
    """Whether the database numbers `model`'s rows (an auto field), rather than the row
    bringing its own key (a UUID made by the model's default)."""
    return bool(getattr(model._meta.pk, "db_returning", False))


@functools.cache
def _inserted_fields(model: type[Model]) -> list[Field]:
    """Every column but a primary key the database numbers."""
    numbered = _numbered_by_database(model)
    return [field for field in model._meta.concrete_fields if not (field.primary_key and numbered)]


@functools.cache
def _update_sql(model: type[Model], names: tuple[str, ...], alias: str) -> str:
    table, column = quoted_names(model, alias, *names, model._meta.pk.name)
    assignments = ", ".join(f"{column[name]} = %s" for name in names)
    return f"UPDATE {table} SET {assignments} WHERE {column[model._meta.pk.name]} = %s"  # noqa: S608


@functools.cache
def _insert_sql(model: type[Model], alias: str, rows: int = 1) -> str:
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = _inserted_fields(model)
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join([f"({', '.join(['%s'] * len(fields))})"] * rows)
    returning = (
        f" RETURNING {quote(model._meta.pk.column)}"
        if _numbered_by_database(model) and connection.features.can_return_columns_from_insert
        else ""
    )
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES {placeholders}{returning}"  # noqa: S608


def selected_columns(model: type[Model], alias: str) -> list[str]:
    """Every column of `model`, qualified with its table, in the order `from_row` reads
    them: for a fixed statement that reads whole rows. A model that extends another
    concrete one (a Wagtail page type) has the parent's columns in the parent's table,
    which the statement joins."""
    quote = connections[alias].ops.quote_name
    return [
        f"{quote(field.model._meta.db_table)}.{quote(field.column)}"
        for field in model._meta.concrete_fields
    ]


def from_row(model: type[Model], alias: str, values: Sequence[Any]) -> Model:
    """An instance of `model` from `values` of its `selected_columns` (`converted`), as
    the ORM makes one from its own rows."""
    return model.from_db(alias, _attribute_names(model), values)


@functools.cache
def _attribute_names(model: type[Model]) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


def row_converters(alias: str, fields: Sequence[Field | None]) -> list[tuple[int, Any, list[Any]]]:
    """For a fixed statement reading `fields` (None: a column no field reads), the
    columns whose driver values need converting to the fields' Python values (a UUID or a
    time from SQLite's text, a Decimal from its number, a bool from its integer): their
    position, column and converters, as the ORM finds them for its own rows. Worth
    keeping per statement: `converted` then applies them to each row."""
    connection = connections[alias]
    converters = []
    for index, field in enumerate(fields):
        if field is None:
            continue
        column = field.get_col(field.model._meta.db_table)
        steps = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if steps:
            converters.append((index, column, steps))
    return converters


def converted(
    row: Sequence[Any], converters: list[tuple[int, Any, list[Any]]], alias: str
) -> list[Any]:
    """`row` as the ORM would hand its values to `Model.from_db` (see `row_converters`)."""
    connection = connections[alias]
    values = list(row)
    for index, column, steps in converters:
        for convert in steps:
            values[index] = convert(values[index], column, connection)
    return values
