"""With django-tasks-db as the task backend, a paid order's receipt is queued inside the
transaction that pays it: the task's row commits with the paid state or not at all."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from commerce import receipts
from commerce.background import queues_in_transaction
from commerce.models import Order, OrderStatus, PaymentEvent
from commerce.payments.methods.checkout_session import apply_checkout_session
from tests.factories import ItemPageFactory
from tests.stripe_signing import paid_checkout_session, post_signed_event

pytestmark = pytest.mark.django_db

DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def receipt_tasks(order: Order):
    return DBTaskResult.objects.filter(
        task_path="commerce.receipts.send_receipt_task", args_kwargs__args=[order.pk]
    )


@pytest.fixture
def order(client, stripe_emulator, catalog) -> Order:
    item = ItemPageFactory(parent=catalog, title="Mug", price_amount=1450)
    return Order.objects.get(pk=client.get(f"/v1/buy/{item.pk}/").json()["orderId"])


def test_the_paying_webhook_queues_the_receipt_in_its_own_transaction(
    client, order, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE_BACKEND
    assert queues_in_transaction(receipts.send_receipt_task)
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        response = post_signed_event(
            client, "evt_paid", "checkout.session.completed", paid_checkout_session(order)
        )
        # Queued before the commit: nothing that runs after it is needed for the receipt.
        [queued] = receipt_tasks(order)
    assert response.status_code == 200
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert queued.status == "READY"
    for callback in after_commit:
        callback()
    assert receipt_tasks(order).count() == 1, "order_paid does not queue a second one"
    assert mail.outbox == [], "the worker sends it, not the request"

    assert receipts.send_receipt_task.call(order.pk) is True
    assert len(mail.outbox) == 1


def test_a_payment_rolled_back_leaves_no_receipt_task(order, settings):
    settings.TASKS = DATABASE_BACKEND

    class Refused(Exception):
        pass

    with pytest.raises(Refused), transaction.atomic():
        applied, _outcome = apply_checkout_session(
            "default", paid_checkout_session(order), "evt_lost", source="webhook"
        )
        assert applied.status == OrderStatus.PAID
        assert receipt_tasks(order).count() == 1
        raise Refused  # e.g. storing the event failed: all of it goes

    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING
    assert not receipt_tasks(order).exists()
    assert not PaymentEvent.objects.exists()


def test_an_event_that_pays_nothing_queues_no_receipt(client, order, settings):
    settings.TASKS = DATABASE_BACKEND
    session = {**paid_checkout_session(order), "payment_status": "unpaid"}

    response = post_signed_event(client, "evt_unpaid", "checkout.session.completed", session)

    assert response.status_code == 200
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING
    assert not receipt_tasks(order).exists()


def test_a_backend_outside_the_database_gets_the_receipt_after_the_commit(
    order, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend

    def queued() -> list:
        return [
            result.args
            for result in default_task_backend.results
            if result.task.func is receipts.send_receipt_task.func
        ]

    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            apply_checkout_session(
                "default", paid_checkout_session(order), "evt_dummy", source="webhook"
            )
            assert queued() == [], "a queue the transaction cannot undo waits for the commit"
    assert queued() == [[order.pk]]


def test_the_worker_sends_a_receipt_in_two_queries_and_skips_a_sent_one_in_one(
    order, settings, django_assert_num_queries
):
    settings.TASKS = DATABASE_BACKEND
    with transaction.atomic():
        apply_checkout_session(
            "default", paid_checkout_session(order), "evt_paid", source="webhook"
        )

    # The order with its lines and adjustments, the claim.
    with django_assert_num_queries(2):
        assert receipts.send_receipt_task.call(order.pk) is True
    with django_assert_num_queries(1):
        assert receipts.send_receipt_task.call(order.pk) is False
    [message] = mail.outbox
    assert "1 x Mug at $14.50: $14.50" in message.body


@pytest.mark.parametrize("tasks", [DATABASE_BACKEND, None], ids=["queued", "after commit"])
def test_a_site_that_sends_its_own_receipts_gets_none_from_the_store(
    client, order, settings, tasks, django_capture_on_commit_callbacks
):
    settings.COMMERCE_SEND_RECEIPTS = False
    if tasks:
        settings.TASKS = tasks
    with django_capture_on_commit_callbacks(execute=True):
        response = post_signed_event(
            client, "evt_own", "checkout.session.completed", paid_checkout_session(order)
        )

    assert response.status_code == 200
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert receipt_tasks(order).count() == 0
    assert mail.outbox == []
