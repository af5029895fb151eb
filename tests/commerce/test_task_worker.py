"""Background work on django-tasks' database backend, run by its worker process.

The store enqueues (a receipt, a refund, closing an attempt) into the database; the
worker, a separate `manage.py db_worker` process like the compose file's `worker`
service, runs what is queued. Here it runs once with `--batch` (it exits when the
queue is empty), against this test's database, printing mail to its console.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django_tasks import default_task_backend, task
from django_tasks_db.models import DBTaskResult

from commerce import receipts
from commerce.background import run_after_commit
from commerce.models import Order, OrderStatus
from commerce.orders.placement import place_order
from commerce.orders.transitions import transition
from commerce.payments.methods import closing
from tests import processes
from tests.factories import ItemPageFactory

pytestmark = pytest.mark.django_db(transaction=True)

DATABASE_BACKEND = "django_tasks_db.DatabaseBackend"


def database_url() -> str:
    """This test's database, as DATABASE_URL names it for a child process."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def run_worker() -> str:
    """`manage.py db_worker` until the queue is empty; what it printed."""
    result = processes.manage(
        "db_worker",
        "--batch",
        "--no-startup-delay",
        "--no-reload",
        env=processes.child_environment(
            DJANGO_SETTINGS_MODULE="config.settings.dev",  # mail printed to the console
            DATABASE_URL=database_url(),
            TASKS_BACKEND=DATABASE_BACKEND,
            REDIS_URL="",
        ),
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def paid_order(catalog) -> Order:
    tote = ItemPageFactory(parent=catalog, title="Canvas Tote", price_amount=2000)
    order = place_order(
        currency="USD", lines=[(tote, 1)], discount=None, shopper_key="shopper", user=None
    )
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        locked.email = "shopper@example.com"
        locked.save(update_fields=["email"])
        transition(locked, OrderStatus.PAID)
    return locked


def test_a_receipt_enqueued_twice_is_sent_once_by_the_worker(settings, paid_order):
    settings.TASKS = {"default": {"BACKEND": DATABASE_BACKEND}}
    # The payment reported twice (the webhook and the return page): two tasks queued.
    receipts.schedule_receipt(paid_order.pk)
    receipts.schedule_receipt(paid_order.pk)
    queued = DBTaskResult.objects.filter(task_path="commerce.receipts.send_receipt_task")
    assert queued.count() == 2
    assert set(queued.values_list("status", flat=True)) == {"READY"}
    paid_order.refresh_from_db()
    assert paid_order.receipt_sent_at is None, "nothing is sent in the request"

    printed = run_worker()

    assert printed.count("To: shopper@example.com") == 1
    assert f"Your receipt from Wagtail Store: order #{paid_order.pk}" in printed
    paid_order.refresh_from_db()
    assert paid_order.receipt_sent_at is not None
    assert sorted(queued.values_list("status", flat=True)) == ["SUCCESSFUL", "SUCCESSFUL"]
    assert sorted(result.task_result.return_value for result in queued) == [False, True]

    assert "To: shopper" not in run_worker(), "a second run finds nothing to do"


def test_a_receipt_queued_with_the_payment_is_run_by_the_worker(settings, paid_order):
    settings.TASKS = {"default": {"BACKEND": DATABASE_BACKEND}}
    # Written with the store's fixed INSERT inside the paying transaction, not `enqueue`.
    with transaction.atomic():
        assert receipts.queue_with_payment(paid_order) is True
    [queued] = DBTaskResult.objects.filter(task_path="commerce.receipts.send_receipt_task")

    printed = run_worker()

    assert printed.count("To: shopper@example.com") == 1
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL" and queued.task_result.return_value is True
    paid_order.refresh_from_db()
    assert paid_order.receipt_sent_at is not None


CALLS: list[str] = []


@task()
def note(value: str) -> None:
    CALLS.append(value)


@pytest.mark.django_db
def test_follow_ups_run_here_after_commit_without_a_backend(
    settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {}
    CALLS.clear()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            run_after_commit(note, "refund 7")
            assert CALLS == [], "nothing runs before the commit"
    assert CALLS == ["refund 7"]


@pytest.mark.django_db
def test_with_a_backend_a_webhooks_stripe_follow_up_is_enqueued(
    settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    CALLS.clear()

    class Superseded:
        method, stripe_account, stripe_id = "payment_intent", "default", "pi_123"

    with django_capture_on_commit_callbacks(execute=True):
        run_after_commit(note, "refund 7")
        closing.close_after_commit(Superseded())  # type: ignore[arg-type]

    assert CALLS == []
    queued = {(result.task.name, tuple(result.args)) for result in default_task_backend.results}
    assert ("note", ("refund 7",)) in queued
    assert ("close_task", ("payment_intent", "default", "pi_123")) in queued
