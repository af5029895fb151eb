"""Orders written before payments had their own table keep their Checkout attempt: the
migration turns the session fields of each order into a Payment row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("commerce", "0004_payments_adjustments_discounts_taxes")]
AFTER = [("commerce", "0006_order_payment_fields_moved")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def back_to_the_latest_schema():
    """Whatever happens, later tests get every migration applied again."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_session_fields_become_payments():
    old = migrate(BEFORE)
    Order = old.get_model("commerce", "Order")
    now = timezone.now().replace(microsecond=0)
    common = {"currency": "USD", "total_amount": 1450, "subtotal_amount": 1450}
    paid = Order.objects.create(
        status="paid",
        payment_flow="checkout_session",
        stripe_account="default",
        stripe_checkout_session_id="cs_test_paid",
        stripe_payment_intent_id="pi_test_paid",
        checkout_url="https://checkout.example/paid",
        checkout_expires_at=now + timedelta(hours=1),
        checkout_attempts=2,
        checkout_attempt_started_at=now,
        paid_at=now,
        **common,
    )
    open_order = Order.objects.create(
        status="pending",
        payment_flow="checkout_session",
        stripe_account="EUR",
        stripe_checkout_session_id="cs_test_open",
        checkout_url="https://checkout.example/open",
        checkout_expires_at=now + timedelta(hours=1),
        checkout_attempts=1,
        **common,
    )
    never = Order.objects.create(status="pending", payment_flow="checkout_session", **common)

    new = migrate(AFTER)
    Payment = new.get_model("commerce", "Payment")
    rows = {
        payment.order_id: (
            payment.attempt,
            payment.status,
            payment.stripe_account,
            payment.stripe_id,
            payment.stripe_payment_intent_id,
            payment.url,
            payment.amount,
        )
        for payment in Payment.objects.all()
    }
    assert rows == {
        paid.pk: (
            2,
            "succeeded",
            "default",
            "cs_test_paid",
            "pi_test_paid",
            "https://checkout.example/paid",
            1450,
        ),
        open_order.pk: (
            1,
            "open",
            "EUR",
            "cs_test_open",
            None,
            "https://checkout.example/open",
            1450,
        ),
    }
    assert never.pk not in rows
    assert Payment.objects.get(order_id=paid.pk).succeeded_at == now
