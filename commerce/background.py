"""Work that follows a commit: on the task backend's worker when one is configured.

Mail and Stripe calls that a payment's transaction leaves for later (the receipt, the
refund of a payment taken twice, closing a superseded attempt at Stripe) are slow and
may fail; none of them may run while a row is locked, and a webhook answers Stripe
sooner without them. With `settings.TASKS` naming a backend (django-tasks' database
backend and its `manage.py db_worker`), each is enqueued once the transaction commits
and the worker runs it; without one it runs in this process right after the commit,
as before. Either way the task is the same function, so both paths behave alike.

A backend that queues in the same database (django-tasks-db) can take the task inside
the transaction instead (`enqueue_in_transaction`): its row then commits with the work
that made it due, or not at all, so no crash between the commit and the enqueue can lose
it (a transactional outbox), and the web process spends no round trip after the commit.
"""

from __future__ import annotations

import logging
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import router, transaction
from django_tasks.base import Task

from . import fixed_sql

logger = logging.getLogger(__name__)


def tasks_configured() -> bool:
    """Whether a task backend is configured (`settings.TASKS`), read when asked."""
    return bool(getattr(settings, "TASKS", None))


def run_after_commit(task: Task, *args: Any) -> None:
    """After the current transaction commits (at once outside one): enqueue `task` with
    `args` (JSON values) when a task backend is configured, else call it here. A failure
    is logged and does not undo what committed (`robust`): each caller's work stays due
    in the database for its own retry (reconcile_orders, the next payment report).

    A backend that queues in this database takes the task inside the transaction
    (`enqueue_in_transaction`): the worker still sees it only after the commit."""
    if transaction.get_connection().in_atomic_block and enqueue_in_transaction(task, *args):
        return

    def deliver() -> None:
        if tasks_configured():
            task.enqueue(*args)
        else:
            task.call(*args)

    transaction.on_commit(deliver, robust=True)


# Backends that write their queue as rows of a model (class path -> the model's app label
# and name): a task they take inside a transaction commits or rolls back with it. Named,
# not imported: the store does not depend on django-tasks-db, a site chooses it.
QUEUE_IN_DATABASE = {
    "django_tasks_db.backend.DatabaseBackend": ("django_tasks_database", "DBTaskResult"),
}


def queues_in_transaction(task: Task) -> bool:
    """Whether `task`'s backend writes its queue into the database the store's orders are
    in (django-tasks-db's `DatabaseBackend` routed there), so a task enqueued inside a
    transaction is seen by the worker only once that transaction commits."""
    if not tasks_configured():
        return False
    from .models import Order

    for kind in type(task.get_backend()).__mro__:
        queue = QUEUE_IN_DATABASE.get(f"{kind.__module__}.{kind.__qualname__}")
        if queue is not None:
            try:
                model = apps.get_model(*queue)
            except LookupError:
                return False
            return router.db_for_write(model) == router.db_for_write(Order)
    return False


def enqueue_in_transaction(task: Task, *args: Any) -> bool:
    """Enqueue `task` now, as part of the current transaction, when its backend queues in
    the same database; whether it did (else the caller leaves it for after the commit).

    A failure to enqueue raises and so undoes the transaction's work with it: the event
    that made the task due is then delivered again and both are retried together.
    """
    if not queues_in_transaction(task):
        return False
    backend = task.get_backend()
    if _writes_rows_as_the_library_does(backend):
        _write_queue_row(backend, task, args)
    else:
        task.enqueue(*args)
    return True


def _writes_rows_as_the_library_does(backend: Any) -> bool:
    """Whether `backend` is django-tasks-db's own `DatabaseBackend` (or a subclass that
    changes neither how it enqueues nor how it numbers results), so its row can be
    written by `_write_queue_row` instead of `enqueue`."""
    from django_tasks_db.backend import DatabaseBackend

    kind = type(backend)
    return (
        isinstance(backend, DatabaseBackend)
        and kind.enqueue is DatabaseBackend.enqueue
        and kind._task_to_db_task is DatabaseBackend._task_to_db_task
        and not backend.options.get("id_function")
    )


def _write_queue_row(backend: Any, task: Task, args: tuple[Any, ...]) -> None:
    """The row django-tasks-db's `enqueue` writes for `task` with `args`, written with one
    fixed INSERT (`fixed_sql.insert`) instead of the ORM's `create`: on a paying webhook,
    the library's enqueue (building the statement, two result objects) cost about a
    quarter of the request's CPU. Its own `pre_save` handler (a task with no time to wait
    for runs after the date it keeps for "never") is applied here, and `task_enqueued` is
    sent as `enqueue` sends it. A test compares the row with the library's own."""
    from django_tasks_db.compat import normalize_json, task_enqueued
    from django_tasks_db.models import DBTaskResult, get_date_max

    backend.validate_task(task)
    row = DBTaskResult(
        id=DBTaskResult._meta.pk.default(),
        args_kwargs=normalize_json({"args": args, "kwargs": {}}),
        priority=task.priority,
        task_path=task.module_path,
        queue_name=task.queue_name,
        run_after=get_date_max() if task.run_after is None else task.run_after,
        backend_name=backend.alias,
    )
    fixed_sql.insert(row)
    task_enqueued.send(type(backend), task_result=row.task_result)
