"""Work that follows a commit: on the task backend's worker when one is configured.

Mail and Stripe calls that a payment's transaction leaves for later (the receipt, the
refund of a payment taken twice, closing a superseded attempt at Stripe) are slow and
may fail; none of them may run while a row is locked, and a webhook answers Stripe
sooner without them. With `settings.TASKS` naming a backend (django-tasks' database
backend and its `manage.py db_worker`), each is enqueued once the transaction commits
and the worker runs it; without one it runs in this process right after the commit,
as before. Either way the task is the same function, so both paths behave alike.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django_tasks.base import Task

logger = logging.getLogger(__name__)


def tasks_configured() -> bool:
    """Whether a task backend is configured (`settings.TASKS`), read when asked."""
    return bool(getattr(settings, "TASKS", None))


def run_after_commit(task: Task, *args: Any) -> None:
    """After the current transaction commits (at once outside one): enqueue `task` with
    `args` (JSON values) when a task backend is configured, else call it here. A failure
    is logged and does not undo what committed (`robust`): each caller's work stays due
    in the database for its own retry (reconcile_orders, the next payment report)."""

    def deliver() -> None:
        if tasks_configured():
            task.enqueue(*args)
        else:
            task.call(*args)

    transaction.on_commit(deliver, robust=True)
