"""Webhooks cost a fixed, small number of SQL queries: the store's busiest write path.

A replay is answered by one indexed lookup; a fresh event that pays an order finds and
locks the attempt and its order in one query, writes the attempt, the order, its status
change and the event, and then (after commit) claims and sends the receipt (or, with
django-tasks-db, queues it in that transaction) and empties the cart.
"""

import pytest
from django.db import connection

from commerce.models import Order, OrderStatus, PaymentEvent
from tests.factories import ItemPageFactory
from tests.stripe_signing import paid_checkout_session, post_signed_event

from .cart_helpers import add, post_json

pytestmark = pytest.mark.django_db

# The event looked up; then in one transaction the attempt with its order found and both
# locked in one query, the fields paying changes written on each, the status change and
# the event stored; after commit the receipt (the order read with its lines and
# adjustments in one statement, then claimed); a buy-now order has no cart to look for.
FRESH_QUERIES = 10
# A cart's order also empties that cart: the record naming it looked up, the cart's
# record written, and read again.
FRESH_QUERIES_FROM_CART = 13
# With django-tasks-db, the receipt is one more row in the paying transaction instead of
# its two queries after the commit.
FRESH_QUERIES_RECEIPT_QUEUED = 9
REPLAY_QUERIES = 1


def deliver_twice(
    client, event_type, data_object, budget, assert_max_num_queries, assert_num_queries, capture
):
    with assert_max_num_queries(budget), capture(execute=True):
        fresh = post_signed_event(client, "evt_counted", event_type, data_object)
    with assert_num_queries(REPLAY_QUERIES), capture(execute=True):
        replay = post_signed_event(client, "evt_counted", event_type, data_object)
    assert fresh.status_code == 200 and fresh.json()["duplicate"] is False
    assert replay.status_code == 200 and replay.json()["duplicate"] is True
    assert PaymentEvent.objects.filter(stripe_event_id="evt_counted").count() == 1


def test_a_paying_checkout_event_and_its_replay_stay_within_their_query_budgets(
    client,
    stripe_emulator,
    catalog,
    mailoutbox,
    django_assert_max_num_queries,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    item = ItemPageFactory(parent=catalog, title="Mug", price_amount=1450)
    order = Order.objects.get(pk=client.get(f"/v1/buy/{item.pk}/").json()["orderId"])

    deliver_twice(
        client,
        "checkout.session.completed",
        paid_checkout_session(order),
        FRESH_QUERIES,
        django_assert_max_num_queries,
        django_assert_num_queries,
        django_capture_on_commit_callbacks,
    )

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.status_changes.filter(to_status=OrderStatus.PAID).count() == 1
    assert len(mailoutbox) == 1


def test_a_paying_payment_intent_event_and_its_replay_stay_within_their_query_budgets(
    client,
    stripe_emulator,
    catalog,
    mailoutbox,
    django_assert_max_num_queries,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    add(client, ItemPageFactory(parent=catalog, title="Enamel Mug", price_amount=1450))
    order = Order.objects.get(pk=post_json(client, "/v2/cart/order/").json()["orderId"])
    post_json(client, f"/v2/order/{order.pk}/payment-intent/")
    payment = order.latest_payment()
    intent = {
        "id": payment.stripe_id,
        "object": "payment_intent",
        "status": "succeeded",
        "amount": order.total_amount,
        "amount_received": order.total_amount,
        "currency": order.currency.lower(),
        "receipt_email": "shopper@example.com",
        "metadata": {"order_reference": str(order.reference), "paid_through": "payment_intent"},
    }

    deliver_twice(
        client,
        "payment_intent.succeeded",
        intent,
        FRESH_QUERIES_FROM_CART,
        django_assert_max_num_queries,
        django_assert_num_queries,
        django_capture_on_commit_callbacks,
    )

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.status_changes.filter(to_status=OrderStatus.PAID).count() == 1
    assert len(mailoutbox) == 1


def test_with_the_database_task_backend_the_request_only_queues_the_receipt(
    client,
    stripe_emulator,
    catalog,
    mailoutbox,
    settings,
    django_assert_max_num_queries,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    item = ItemPageFactory(parent=catalog, title="Mug", price_amount=1450)
    order = Order.objects.get(pk=client.get(f"/v1/buy/{item.pk}/").json()["orderId"])

    deliver_twice(
        client,
        "checkout.session.completed",
        paid_checkout_session(order),
        FRESH_QUERIES_RECEIPT_QUEUED,
        django_assert_max_num_queries,
        django_assert_num_queries,
        django_capture_on_commit_callbacks,
    )

    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert mailoutbox == []


def test_a_paying_event_sends_its_writes_to_the_database_together(
    client, stripe_emulator, catalog, settings, batches_sent
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    item = ItemPageFactory(parent=catalog, title="Mug", price_amount=1450)
    order = Order.objects.get(pk=client.get(f"/v1/buy/{item.pk}/").json()["orderId"])
    batches_sent.clear()

    response = post_signed_event(
        client, "evt_together", "checkout.session.completed", paid_checkout_session(order)
    )

    assert response.status_code == 200 and response.json()["duplicate"] is False
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert PaymentEvent.objects.filter(stripe_event_id="evt_together").count() == 1
    if connection.vendor == "postgresql":
        # The attempt and the order written, the status change, the receipt's task and
        # the event: one round trip, answered before the commit.
        assert batches_sent == [5]
    else:
        assert batches_sent == []
