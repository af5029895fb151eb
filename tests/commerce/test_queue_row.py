"""A task queued inside a transaction on django-tasks-db is written with one fixed INSERT
(`commerce.background._write_queue_row`) instead of the library's `enqueue`: the row must
be the one the library writes, or its worker would run something else, or nothing."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone
from django_tasks import task
from django_tasks.signals import task_enqueued
from django_tasks_db.models import DBTaskResult, get_date_max

from commerce.background import enqueue_in_transaction

pytestmark = pytest.mark.django_db

DATABASE_BACKEND = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}
}
# Every column but the two each row gets for itself.
COMPARED = [
    field.attname
    for field in DBTaskResult._meta.concrete_fields
    if field.attname not in {"id", "enqueued_at"}
]
FIXED_IDS: list[uuid.UUID] = []


@task()
def tally(order_id: int, label: str) -> None:
    """A task to queue (never run here)."""


def fixed_id() -> uuid.UUID:
    FIXED_IDS.append(uuid.uuid4())
    return FIXED_IDS[-1]


def columns(row: DBTaskResult) -> dict:
    return {name: getattr(row, name) for name in COMPARED}


def both_rows(queued_task, *args) -> tuple[DBTaskResult, DBTaskResult]:
    """The row this store writes and the row the library's `enqueue` writes, for the same
    task and arguments, read back from the database."""
    with transaction.atomic():
        assert enqueue_in_transaction(queued_task, *args) is True
        [ours] = DBTaskResult.objects.all()
        theirs = DBTaskResult.objects.get(pk=queued_task.enqueue(*args).id)
    return ours, theirs


@pytest.mark.parametrize(
    "options",
    [{}, {"priority": 7, "queue_name": "mail"}, {"run_after": timedelta(minutes=5)}],
    ids=["defaults", "priority and queue", "run later"],
)
def test_the_row_written_in_the_transaction_is_the_row_the_library_writes(settings, options):
    settings.TASKS = DATABASE_BACKEND
    if "run_after" in options:
        options = {"run_after": timezone.now() + options["run_after"]}
    queued_task = tally.using(**options)
    before = timezone.now()

    ours, theirs = both_rows(queued_task, 41, "receipt")

    assert columns(ours) == columns(theirs)
    assert ours.args_kwargs == {"args": [41, "receipt"], "kwargs": {}}
    assert ours.status == "READY" and ours.task_path == tally.module_path
    expected_run_after = options.get("run_after", get_date_max())
    assert ours.run_after == expected_run_after, "no time to wait: the date kept for never"
    assert ours.pk != theirs.pk and isinstance(ours.pk, uuid.UUID)
    assert before <= ours.enqueued_at <= theirs.enqueued_at
    # What the worker reads back from it is the task it was given.
    assert ours.task_result.task.func is tally.func
    assert ours.task_result.args == [41, "receipt"]


def test_the_signals_create_and_enqueue_send_are_sent_for_the_written_row(settings):
    settings.TASKS = DATABASE_BACKEND
    heard = []

    def enqueued(sender, task_result, **kwargs):
        heard.append(
            (sender.__name__, uuid.UUID(task_result.id), task_result.args, task_result.status)
        )

    def saved(sender, instance, created, **kwargs):
        heard.append(("post_save", instance.pk, created))

    task_enqueued.connect(enqueued)
    post_save.connect(saved, sender=DBTaskResult)
    try:
        with transaction.atomic():
            enqueue_in_transaction(tally, 5, "x")
            row = DBTaskResult.objects.get()
    finally:
        task_enqueued.disconnect(enqueued)
        post_save.disconnect(saved, sender=DBTaskResult)

    assert heard == [
        ("post_save", row.pk, True),
        ("DatabaseBackend", row.pk, [5, "x"], "READY"),
    ]


def test_a_backend_that_numbers_its_own_results_is_left_to_enqueue(settings):
    settings.TASKS = {
        "default": {
            **DATABASE_BACKEND["default"],
            "OPTIONS": {"id_function": "tests.commerce.test_queue_row.fixed_id"},
        }
    }
    FIXED_IDS.clear()

    with transaction.atomic():
        enqueue_in_transaction(tally, 1, "numbered")

    assert [row.pk for row in DBTaskResult.objects.all()] == FIXED_IDS


def test_a_row_not_committed_is_not_queued(settings):
    settings.TASKS = DATABASE_BACKEND

    class Undone(Exception):
        pass

    with pytest.raises(Undone), transaction.atomic():
        enqueue_in_transaction(tally, 2, "lost")
        raise Undone

    assert not DBTaskResult.objects.exists()
