"""What sending a receipt costs the task worker, and what it reads: the order with its
lines and adjustments in one statement, then the claim; and the task libraries' own
lines per task run kept out of the worker's log."""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Command as DbWorker

from commerce import receipts
from commerce.models import Discount, Order, OrderLine
from commerce.orders.placement import place_order
from commerce.pricing import TaxTerms
from tests.factories import ItemPageFactory

pytestmark = pytest.mark.django_db

PAID_AT = datetime.datetime(2026, 1, 5, 23, 59, tzinfo=datetime.UTC)


@pytest.fixture
def order(catalog) -> Order:
    """A paid order of two lines, with a discount and two taxes."""
    tote = ItemPageFactory(parent=catalog, title="Canvas Tote", price_amount=2000)
    mug = ItemPageFactory(parent=catalog, title="Enamel Mug", price_amount=1450)
    discount = Discount.objects.create(name="Welcome", code="WELCOME10", percent_off=Decimal(10))
    placed = place_order(
        currency="USD",
        lines=[(tote, 2), (mug, 1)],
        discount=discount,
        shopper_key="shopper",
        user=None,
        taxes=[
            TaxTerms("State tax", Decimal("6.25"), False),
            TaxTerms("City levy", Decimal("1.5"), False),
        ],
    )
    Order.objects.filter(pk=placed.pk).update(email="shopper@example.com", paid_at=PAID_AT)
    placed.refresh_from_db()
    return placed


def test_a_receipt_is_sent_in_two_queries_and_says_what_the_orm_would_have_read(
    order, django_assert_num_queries
):
    # The order with its lines and adjustments in one statement; the claim.
    with django_assert_num_queries(2):
        assert receipts.send_receipt(order.pk) is True

    [message] = mail.outbox
    # The same message as one built from the ORM's own reading of the order.
    mail.outbox.clear()
    order.refresh_from_db()
    expected = receipts.build_receipt(order, "shopper@example.com")
    assert (message.subject, message.body, message.alternatives) == (
        expected.subject,
        expected.body,
        expected.alternatives,
    )
    text = message.body
    # Lines in the order they were written; the discount, then the taxes by position.
    assert text.index("2 x Canvas Tote") < text.index("1 x Enamel Mug")
    assert text.index("Discount Welcome (WELCOME10)") < text.index("State tax 6.25%")
    assert text.index("State tax 6.25%") < text.index("City levy 1.5%")
    assert "paid on 5 January 2026, 23:59 UTC." in text
    assert message.to == ["shopper@example.com"]


def test_a_sent_receipt_and_a_missing_order_cost_one_query(order, django_assert_num_queries):
    receipts.send_receipt(order.pk)
    with django_assert_num_queries(1):
        assert receipts.send_receipt(order.pk) is False
    with django_assert_num_queries(1):
        assert receipts.send_receipt(order.pk + 1000) is False
    assert len(mail.outbox) == 1


def test_an_order_without_its_own_address_reads_its_users_then_claims(
    order, django_assert_num_queries
):
    user = get_user_model().objects.create_user("ann", "ann@example.com", "pw")
    Order.objects.filter(pk=order.pk).update(email="", user=user)

    with django_assert_num_queries(3):
        assert receipts.send_receipt(order.pk) is True
    [message] = mail.outbox
    assert message.to == ["ann@example.com"]


def test_an_order_without_lines_still_gets_its_receipt(order):
    OrderLine.objects.filter(order=order).delete()

    assert receipts.send_receipt(order.pk) is True
    [message] = mail.outbox
    assert message.subject == f"Your receipt from Wagtail Store: order #{order.pk}"
    assert "Discount Welcome (WELCOME10)" in message.body


def test_the_claim_is_released_when_building_the_receipt_fails(order, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("template missing")

    monkeypatch.setattr(receipts, "build_receipt", broken)
    with pytest.raises(RuntimeError):
        receipts.send_receipt(order.pk)
    assert Order.objects.get(pk=order.pk).receipt_sent_at is None

    monkeypatch.undo()
    assert receipts.send_receipt(order.pk) is True
    assert Order.objects.get(pk=order.pk).receipt_sent_at <= timezone.now()


def test_the_worker_writes_no_log_line_per_task_run():
    """`db_worker` raises the task libraries' loggers to INFO (its --verbosity 1); no handler
    that their records reach writes those, while warnings still go out."""
    names = ("django_tasks", "django_tasks_db")
    levels = {name: logging.getLogger(name).level for name in names}
    try:
        DbWorker().configure_logging(1)
        for name in names:
            logger = logging.getLogger(name)
            assert logger.isEnabledFor(logging.INFO)
            reached = []
            current: logging.Logger | None = logger
            while current is not None:
                # (pytest's own capturing handlers, added to every logger, aside.)
                reached.extend(
                    handler
                    for handler in current.handlers
                    if not type(handler).__module__.startswith("_pytest")
                )
                current = current.parent if current.propagate else None
            assert reached
            assert all(handler.level > logging.INFO for handler in reached), reached
            assert any(handler.level <= logging.WARNING for handler in reached), reached
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
