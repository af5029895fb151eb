"""Finding and locking, in one query, the payment attempt a Stripe object is and its order.

Stripe reports on its objects (a Checkout Session, a PaymentIntent), and each one is an
attempt to pay one of our orders. Whatever Stripe says is applied under the order's row
lock; taking that lock in the same query that finds the attempt saves round trips on the
busiest path the store has (a webhook paying an order).

The attempt is locked in that query too, so it is read as it is under the order's lock:
PostgreSQL, having waited for a lock, reads the locked rows again at their newest, but
not the rows of a table the query does not lock. The order is locked first and then the
attempt (the order of `FOR UPDATE OF`), as every writer of attempts that also locks the
order does, so this cannot deadlock with them.

The query is a fixed statement (`commerce.fixed_sql`): every fresh webhook runs it, and
the ORM spent longer building the join and its row-lock clause than the database spends
answering it. Its rows become model instances through `Model.from_db`, as the ORM's own
rows do.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import connections, router
from django.db.transaction import TransactionManagementError

from .. import fixed_sql
from ..models import Order, Payment


def lock_attempt(account_label: str, stripe_id: Any, method: str = "") -> Payment | None:
    """The payment attempt that is the `account_label` account's Stripe object
    `stripe_id` (of `method`, when given), with its order (`payment.order`), both
    locked, order first, in one query; None if there is none. Call inside a transaction.
    """
    if not isinstance(stripe_id, str) or not stripe_id:
        return None
    alias = router.db_for_write(Payment)
    connection = connections[alias]
    if connection.features.has_select_for_update and connection.get_autocommit():
        raise TransactionManagementError("lock_attempt must be called inside a transaction.")
    parameters = [account_label, stripe_id] + ([method] if method else [])
    with connection.cursor() as cursor:
        cursor.execute(_lock_sql(alias, bool(method)), parameters)
        row = cursor.fetchone()
    if row is None:
        return None
    values = fixed_sql.converted(row, _converters(alias), alias)
    split = len(Payment._meta.concrete_fields)
    payment = fixed_sql.from_row(Payment, alias, values[:split])
    payment.order = fixed_sql.from_row(Order, alias, values[split:])
    return payment


@functools.cache
def _converters(alias: str) -> list[tuple[int, Any, list[Any]]]:
    """`_lock_sql`'s columns to convert (see `commerce.fixed_sql.row_converters`)."""
    return fixed_sql.row_converters(
        alias, [*Payment._meta.concrete_fields, *Order._meta.concrete_fields]
    )


@functools.cache
def _lock_sql(alias: str, by_method: bool) -> str:
    """The join of an account's attempt and its order, at most one row ((account, Stripe
    id) is unique), with both rows locked, order first, where the database locks rows."""
    connection = connections[alias]
    payment_table, payment_column = fixed_sql.quoted_names(
        Payment, alias, "order", "stripe_account", "stripe_id", "method"
    )
    order_table, order_column = fixed_sql.quoted_names(Order, alias, "id")
    columns = [
        *fixed_sql.selected_columns(Payment, alias),
        *fixed_sql.selected_columns(Order, alias),
    ]
    method_filter = f" AND {payment_table}.{payment_column['method']} = %s" if by_method else ""
    lock = ""
    if connection.features.has_select_for_update:
        lock = (
            f" FOR UPDATE OF {order_table}, {payment_table}"
            if connection.features.has_select_for_update_of
            else " FOR UPDATE"
        )
    return (
        f"SELECT {', '.join(columns)} FROM {payment_table} "  # noqa: S608
        f"INNER JOIN {order_table} ON {payment_table}.{payment_column['order']} = "
        f"{order_table}.{order_column['id']} "
        f"WHERE {payment_table}.{payment_column['stripe_account']} = %s "
        f"AND {payment_table}.{payment_column['stripe_id']} = %s{method_filter} LIMIT 1{lock}"
    )
