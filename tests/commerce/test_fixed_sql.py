"""The fixed statements a paying webhook and a placement write their rows with must write
what the ORM's `save` and `bulk_create` would, on either database: one statement each,
and the same errors."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from commerce import fixed_sql
from commerce.models import Order, OrderLine, OrderStatusChange, PaymentEvent

pytestmark = pytest.mark.django_db


def test_update_fields_writes_only_those_fields_and_keeps_updated_at_current():
    order = Order.objects.create(currency="USD", subtotal_amount=100, total_amount=100)
    stale = Order.objects.get(pk=order.pk)
    before = order.updated_at
    Order.objects.filter(pk=order.pk).update(email="elsewhere@example.com")
    order.status, order.paid_at = "paid", timezone.now().replace(microsecond=0)
    order.total_amount = 999  # changed, but not asked to be written

    with CaptureQueriesContext(connection) as captured:
        fixed_sql.update_fields(order, ["status", "paid_at", "updated_at"])

    assert len(captured) == 1
    stored = Order.objects.get(pk=order.pk)
    assert (stored.status, stored.paid_at) == ("paid", order.paid_at)
    assert stored.updated_at == order.updated_at > before  # set as auto_now sets it
    assert stored.total_amount == 100 and stored.email == "elsewhere@example.com"
    assert stale.updated_at == before


def test_update_fields_of_a_row_no_longer_there_fails_as_save_does():
    order = Order.objects.create(currency="USD")
    Order.objects.filter(pk=order.pk).delete()
    with pytest.raises(DatabaseError):
        fixed_sql.update_fields(order, ["status"])


def test_insert_writes_the_row_save_would_and_numbers_it():
    order = Order.objects.create(currency="USD")
    received = timezone.now() - timedelta(seconds=3)
    event = PaymentEvent(
        stripe_event_id="evt_fixed",
        stripe_account="default",
        type="checkout.session.completed",
        payload={"id": "evt_fixed", "data": {"object": {"name": "Zoë", "amount": 1450}}},
        order=order,
        received_at=received,
        processed_at=timezone.now(),
        outcome="pending -> paid",
    )
    with CaptureQueriesContext(connection) as captured:
        fixed_sql.insert(event)

    assert len(captured) == 1
    assert event.pk is not None and not event._state.adding
    stored = PaymentEvent.objects.get(pk=event.pk)
    assert stored.payload == event.payload
    assert (stored.order_id, stored.received_at, stored.outcome) == (
        order.pk,
        received,
        "pending -> paid",
    )
    change = OrderStatusChange(order=order, from_status="pending", to_status="paid")
    fixed_sql.insert(change)
    assert OrderStatusChange.objects.get(pk=change.pk).created_at == change.created_at


def test_insert_of_a_duplicate_raises_integrity_error_as_save_does():
    fields = {"stripe_account": "default", "type": "x.y", "payload": {}}
    fixed_sql.insert(PaymentEvent(stripe_event_id="evt_twice", **fields))
    with pytest.raises(IntegrityError), transaction.atomic():
        fixed_sql.insert(PaymentEvent(stripe_event_id="evt_twice", **fields))
    assert PaymentEvent.objects.filter(stripe_event_id="evt_twice").count() == 1


def test_insert_of_a_row_that_brings_its_own_key_keeps_that_key():
    key = uuid.uuid4()
    row = DBTaskResult(
        id=key, args_kwargs={"args": [], "kwargs": {}}, task_path="a.b", backend_name="default"
    )
    row.run_after = timezone.now()

    fixed_sql.insert(row)

    assert row.pk == key and not row._state.adding
    assert DBTaskResult.objects.get(pk=key).task_path == "a.b"


def lines_of(order: Order, count: int) -> list[OrderLine]:
    return [
        OrderLine(order=order, title=f"Line {n}", unit_amount=100 + n, quantity=n + 1)
        for n in range(count)
    ]


def test_insert_rows_writes_them_in_one_statement_each_numbered_in_order():
    order = Order.objects.create(currency="USD")
    lines = lines_of(order, 3)

    with CaptureQueriesContext(connection) as captured:
        fixed_sql.insert_rows(lines)

    assert len(captured) == 1
    assert all(line.pk is not None and not line._state.adding for line in lines)
    stored = {line.pk: line for line in OrderLine.objects.filter(order=order)}
    assert [(stored[line.pk].title, stored[line.pk].unit_amount) for line in lines] == [
        ("Line 0", 100),
        ("Line 1", 101),
        ("Line 2", 102),
    ]


def test_insert_rows_beyond_the_databases_batch_writes_every_row(monkeypatch):
    order = Order.objects.create(currency="USD")
    lines = lines_of(order, 5)
    monkeypatch.setattr(connection.ops, "bulk_batch_size", lambda fields, objects: 2)

    with CaptureQueriesContext(connection) as captured:
        fixed_sql.insert_rows(lines)

    assert len(captured) == 3  # 2 + 2 + 1
    stored = dict(OrderLine.objects.filter(order=order).values_list("pk", "title"))
    assert {line.pk: line.title for line in lines} == stored
    assert len(stored) == 5


def test_insert_rows_of_nothing_writes_nothing():
    with CaptureQueriesContext(connection) as captured:
        fixed_sql.insert_rows([])
    assert len(captured) == 0


def test_a_database_that_cannot_number_a_multi_row_insert_gets_a_statement_a_row(
    monkeypatch,
):
    order = Order.objects.create(currency="USD")
    lines = lines_of(order, 3)
    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)

    with CaptureQueriesContext(connection) as captured:
        fixed_sql.insert_rows(lines)

    assert len(captured) == 3
    stored = dict(OrderLine.objects.filter(order=order).values_list("pk", "title"))
    assert {line.pk: line.title for line in lines} == stored


# Held back and sent together (psycopg's pipeline mode on PostgreSQL; one statement at a
# time elsewhere)

PIPELINES = connection.vendor == "postgresql"


def test_statements_sent_together_are_answered_when_the_block_ends():
    order = Order.objects.create(currency="USD", subtotal_amount=300, total_amount=300)
    lines = lines_of(order, 2)
    change = OrderStatusChange(order=order, from_status="pending", to_status="paid")

    with transaction.atomic(), fixed_sql.sent_together("default"):
        fixed_sql.insert_rows(lines)
        fixed_sql.insert(change)
        order.status = "paid"
        fixed_sql.update_fields(order, ["status", "updated_at"])
        keys_in_the_block = [line.pk for line in lines] + [change.pk]

    if PIPELINES:
        # Held back and sent at the end: the database's keys arrive with its answers.
        assert keys_in_the_block == [None, None, None]
    else:
        assert None not in keys_in_the_block  # each statement answered as it was sent
    assert all(line.pk is not None for line in lines) and change.pk is not None
    stored = dict(OrderLine.objects.filter(order=order).values_list("pk", "title"))
    assert stored == {line.pk: line.title for line in lines}
    assert OrderStatusChange.objects.get(order=order).pk == change.pk
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_other_statements_in_the_block_see_what_was_sent_before_them_and_are_answered():
    order = Order.objects.create(currency="USD", subtotal_amount=300, total_amount=300)

    with transaction.atomic(), fixed_sql.sent_together("default"):
        order.status = "paid"
        fixed_sql.update_fields(order, ["status", "updated_at"])
        fixed_sql.insert(OrderStatusChange(order=order, from_status="pending", to_status="paid"))
        # The ORM reads the count of rows an UPDATE changed as soon as it is sent.
        changed = Order.objects.filter(pk=order.pk, status="paid").update(email="a@example.com")
        changes = OrderStatusChange.objects.filter(order=order).count()

    assert (changed, changes) == (1, 1)
    assert Order.objects.get(pk=order.pk).email == "a@example.com"


@pytest.mark.django_db(transaction=True)  # a server-side cursor needs a real transaction
def test_a_server_side_cursor_in_the_block_reads_what_was_written_before_it():
    orders = [Order.objects.create(currency="USD") for _ in range(3)]

    with transaction.atomic(), fixed_sql.sent_together("default"):
        orders[0].status = "paid"
        fixed_sql.update_fields(orders[0], ["status", "updated_at"])
        # QuerySet.iterator() reads through a server-side cursor on PostgreSQL, which
        # psycopg refuses while a pipeline is open.
        read = [(order.pk, order.status) for order in Order.objects.order_by("pk").iterator(1)]

    assert read == [(orders[0].pk, "paid"), (orders[1].pk, "pending"), (orders[2].pk, "pending")]


def test_an_error_sent_together_is_raised_in_the_block_and_undoes_its_savepoint():
    fields = {"stripe_account": "default", "type": "x.y", "payload": {}}
    fixed_sql.insert(PaymentEvent(stripe_event_id="evt_sent_twice", **fields))
    order = Order.objects.create(currency="USD")

    with transaction.atomic():
        with pytest.raises(IntegrityError), transaction.atomic():
            with fixed_sql.sent_together("default"):
                fixed_sql.insert(
                    OrderStatusChange(order=order, from_status="pending", to_status="paid")
                )
                fixed_sql.insert(PaymentEvent(stripe_event_id="evt_sent_twice", **fields))
        # The savepoint undid both rows; the transaction around it goes on.
        assert Order.objects.filter(pk=order.pk).update(email="kept@example.com") == 1

    assert not OrderStatusChange.objects.filter(order=order).exists()
    assert PaymentEvent.objects.filter(stripe_event_id="evt_sent_twice").count() == 1
    assert Order.objects.get(pk=order.pk).email == "kept@example.com"


def test_an_update_sent_together_whose_row_is_gone_fails_before_the_block_ends():
    order = Order.objects.create(currency="USD")
    Order.objects.filter(pk=order.pk).delete()
    change = OrderStatusChange(order=Order.objects.create(currency="USD"), to_status="paid")

    with pytest.raises(DatabaseError), transaction.atomic():
        with fixed_sql.sent_together("default"):
            fixed_sql.update_fields(order, ["status"])
            fixed_sql.insert(change)

    assert not OrderStatusChange.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_sending_together_outside_a_transaction_is_refused():
    with pytest.raises(TransactionManagementError), fixed_sql.sent_together("default"):
        fixed_sql.insert(Order(currency="USD"))
    assert not Order.objects.exists()
