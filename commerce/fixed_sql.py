"""Fixed statements on the busiest paths (a webhook's replay lookup and the rows a paying
webhook writes, a buy's session id, a cart's record), written once from a model's own
names instead of built by the ORM on every request: building such a statement cost more
than the database spends running it.

Only the model's table and column names, quoted by the database's backend, are written
into the text; every value is a parameter.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import DatabaseError, connections, router
from django.db.models import Field, Model


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
    with connection.cursor() as cursor:
        cursor.execute(_update_sql(model, names, alias), [*values, instance.pk])
        if cursor.rowcount != 1:
            raise DatabaseError(f"{meta.label} {instance.pk} was not there to update.")


def insert(instance: Model) -> None:
    """Write the new `instance` as `instance.save()` would (its primary key set from the
    database when the database numbers it), with one statement kept per model and
    database: for the rows every paying webhook and every placement add. Sends no save
    signals (see `update_fields`)."""
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
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(model, alias, len(instances)), values)
        # Rows that brought their own keys (UUIDs) wrote them with the rest.
        if numbered:
            if connection.features.can_return_columns_from_insert:
                keys = [row[0] for row in cursor.fetchall()]
            else:
                keys = [
                    connection.ops.last_insert_id(
                        cursor, model._meta.db_table, model._meta.pk.column
                    )
                ]
            for instance, key in zip(instances, keys, strict=True):
                instance.pk = key
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
