"""Fixed statements on the busiest paths (a webhook's replay lookup and the rows a paying
webhook writes, a buy's session id, a cart's record), written once from a model's own
names instead of built by the ORM on every request: building such a statement cost more
than the database spends running it.

Only the model's table and column names, quoted by the database's backend, are written
into the text; every value is a parameter.

Inside `sent_together`, on PostgreSQL, these statements are sent without waiting for each
answer (psycopg's pipeline mode): a paying webhook's five writes go to the database in one
round trip instead of five. Their answers (the keys the database gave, the check that an
update found its row) are read when the block ends, or earlier when other code in the block
runs a statement: that statement and everything sent before it are answered first, so the
ORM and any receiver or hook in the block see the database exactly as without the block.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db import DatabaseError, connections, router
from django.db.models import Field, Model
from django.db.transaction import TransactionManagementError


class _Pipeline:
    """The statements sent on one connection inside `sent_together` whose answers are still
    to be read (each with its cursor and what reads its answer), and the psycopg pipeline
    they went into."""

    def __init__(self, connection: Any, pipeline: Any) -> None:
        self.connection = connection
        self.pipeline = pipeline
        self.unanswered: list[tuple[Any, Callable[[Any], None]]] = []
        self.sending_own = False

    def send(
        self, cursor: Any, sql: str, params: Sequence[Any], complete: Callable[[Any], None]
    ) -> None:
        self.sending_own = True
        try:
            cursor.execute(sql, params)
        finally:
            self.sending_own = False
        self.unanswered.append((cursor, complete))

    def answer_others(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        """A Django execute wrapper: a statement not sent by this module is answered before
        the code that ran it goes on (Django reads `rowcount` right after an UPDATE, and
        psycopg fills it in only when the answer arrives)."""
        result = execute(sql, params, many, context)
        if not self.sending_own:
            self.sync()
        return result

    def sync(self) -> None:
        """Wait for every answer, then read the answers of this module's statements. An
        error of any statement sent is raised here, as Django's own exception class; the
        statements sent with it are then undone with their transaction (or savepoint), and
        their answers are not read."""
        unanswered, self.unanswered = self.unanswered, []
        try:
            with self.connection.wrap_database_errors:
                self.pipeline.sync()
            for cursor, complete in unanswered:
                complete(cursor)
        finally:
            for cursor, _ in unanswered:
                cursor.close()


@contextlib.contextmanager
def sent_together(alias: str) -> Iterator[None]:
    """Send this module's statements on `alias` without waiting for each answer until the
    block ends (see the module's docstring): on PostgreSQL with a libpq that has pipelines;
    elsewhere each statement is answered as it is sent. Inside another such block, that
    block's sending goes on.

    Until the block ends, a row this module inserts may still lack the key the database
    gives it, and an error of any of its statements (a unique row written twice, say) is
    raised only then: use it inside the transaction that such an error should undo, where
    nothing reads those keys before they are given.
    """
    connection = connections[alias]
    if not connection.in_atomic_block:
        # Outside a transaction, psycopg would make each batch a transaction of its own.
        raise TransactionManagementError("sent_together is for use inside transaction.atomic.")
    if connection.vendor != "postgresql" or _pipeline_of(connection) is not None:
        yield
        return
    connection.ensure_connection()
    if not _pipelines_supported(connection.Database):
        yield
        return
    with connection.wrap_database_errors, connection.connection.pipeline() as pipeline:
        state = _Pipeline(connection, pipeline)
        connection.fixed_sql_pipeline = state
        try:
            with connection.execute_wrapper(state.answer_others):
                yield
            state.sync()
        finally:
            connection.fixed_sql_pipeline = None


def _pipeline_of(connection: Any) -> _Pipeline | None:
    return getattr(connection, "fixed_sql_pipeline", None)


@functools.cache
def _pipelines_supported(driver: Any) -> bool:
    """Whether the backend's driver module (`connection.Database`) has pipelines: psycopg 3
    built with a libpq that has them (psycopg2 has none)."""
    pipeline = getattr(driver, "Pipeline", None)
    return pipeline is not None and pipeline.is_supported()


def _execute(alias: str, sql: str, params: Sequence[Any], complete: Callable[[Any], None]) -> None:
    """Run `sql`, then `complete(cursor)` with its answer: at once, or inside
    `sent_together` once the answer has arrived."""
    connection = connections[alias]
    pipeline = _pipeline_of(connection)
    if pipeline is None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            complete(cursor)
        return
    pipeline.send(connection.cursor(), sql, params, complete)


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

    _execute(alias, _update_sql(model, names, alias), [*values, instance.pk], check)


def insert(instance: Model) -> None:
    """Write the new `instance` as `instance.save()` would (its primary key set from the
    database when the database numbers it: inside `sent_together`, once the block has
    its answer), with one statement kept per model and database: for the rows every
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

    _execute(alias, _insert_sql(model, alias, len(instances)), values, number)
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
    them: for a fixed statement that reads whole rows."""
    quote = connections[alias].ops.quote_name
    table = quote(model._meta.db_table)
    return [f"{table}.{quote(field.column)}" for field in model._meta.concrete_fields]


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
