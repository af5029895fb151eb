"""The fixed statements a paying webhook and a placement write their rows with must write
what the ORM's `save` and `bulk_create` would, on either database: one statement each,
and the same errors."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
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
