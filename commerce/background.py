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
from django.db.models import Model, signals
from django_tasks.base import Task
from django_tasks.signals import task_enqueued
from django_tasks.utils import normalize_json

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


# The one backend whose rows the store writes itself when it queues inside a transaction
# (`_write_queue_row`), as long as the backend enqueues and numbers its results as
# django-tasks-db's own does.
ROWS_WRITTEN_BY_THE_STORE = "django_tasks_db.backend.DatabaseBackend"


def _database_queue(backend: Any) -> tuple[type, type[Model]] | None:
    """The class of `QUEUE_IN_DATABASE` that `backend` is or extends, and the model of its
    rows; None for a backend that queues elsewhere (or whose app is not installed)."""
    for kind in type(backend).__mro__:
        queue = QUEUE_IN_DATABASE.get(f"{kind.__module__}.{kind.__qualname__}")
        if queue is not None:
            try:
                return kind, apps.get_model(*queue)
            except LookupError:
                return None
    return None


def _queue_beside_orders(task: Task) -> tuple[Any, type, type[Model]] | None:
    """`task`'s backend, the class of `QUEUE_IN_DATABASE` it is or extends and the model
    of its rows, when that model is written to the database the store's orders are in;
    else None."""
    if not tasks_configured():
        return None
    from .models import Order

    backend = task.get_backend()
    queue = _database_queue(backend)
    if queue is None or router.db_for_write(queue[1]) != router.db_for_write(Order):
        return None
    return backend, *queue


def queues_in_transaction(task: Task) -> bool:
    """Whether `task`'s backend writes its queue into the database the store's orders are
    in (django-tasks-db's `DatabaseBackend` routed there), so a task enqueued inside a
    transaction is seen by the worker only once that transaction commits."""
    return _queue_beside_orders(task) is not None


def enqueue_in_transaction(task: Task, *args: Any) -> bool:
    """Enqueue `task` now, as part of the current transaction, when its backend queues in
    the same database; whether it did (else the caller leaves it for after the commit).

    A failure to enqueue raises and so undoes the transaction's work with it: the event
    that made the task due is then delivered again and both are retried together.
    """
    queue = _queue_beside_orders(task)
    if queue is None:
        return False
    backend, library_class, model = queue
    if _writes_rows_as(backend, library_class):
        _write_queue_row(backend, model, task, args)
    else:
        task.enqueue(*args)
    return True


def _writes_rows_as(backend: Any, library_class: type) -> bool:
    """Whether `backend` is django-tasks-db's `DatabaseBackend` (`library_class`), or a
    subclass that changes neither how it enqueues nor how it numbers its results, so its
    row can be written by `_write_queue_row`."""
    kind = type(backend)
    return (
        f"{library_class.__module__}.{library_class.__qualname__}" == ROWS_WRITTEN_BY_THE_STORE
        and kind.enqueue is library_class.enqueue
        and kind._task_to_db_task is library_class._task_to_db_task
        and not backend.options.get("id_function")
    )


def _write_queue_row(backend: Any, model: type[Model], task: Task, args: tuple[Any, ...]) -> None:
    """The row django-tasks-db's `enqueue` writes for `task` with `args`, written with one
    fixed INSERT (`fixed_sql.insert`) instead of the ORM's `create`: on a paying webhook,
    the library's enqueue (building its statement and two result objects) cost a tenth of
    the request's CPU. The save signals are sent as `create` sends them (the library's own
    `pre_save` receiver gives a task with no time to wait the date it keeps for "never"),
    then `task_enqueued` as `enqueue` sends it. A test compares the row with the
    library's own."""
    row = model(
        id=model._meta.pk.default(),
        args_kwargs=normalize_json({"args": args, "kwargs": {}}),
        priority=task.priority,
        task_path=task.module_path,
        queue_name=task.queue_name,
        run_after=task.run_after,
        backend_name=backend.alias,
    )
    backend.validate_task(task)
    alias = router.db_for_write(model, instance=row)
    signals.pre_save.send(model, instance=row, raw=False, using=alias, update_fields=None)
    fixed_sql.insert(row)
    signals.post_save.send(
        model, instance=row, created=True, update_fields=None, raw=False, using=alias
    )
    task_enqueued.send(type(backend), task_result=row.task_result)
