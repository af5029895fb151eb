"""Every change of an order's status is recorded with who reported it, and shown in the
admin: the order's lifecycle can be audited after the fact."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from commerce.models import Order, OrderLine, OrderStatus, OrderStatusChange
from commerce.orders.transitions import transition
from tests.emulator_actions import pay_session
from tests.factories import ItemPageFactory
from tests.stripe_signing import event_payload, paid_checkout_session, signature_header

from .test_admin_display import inspect_rows

pytestmark = pytest.mark.django_db

USD_SECRET = "whsec_test_usd_account"


@pytest.fixture
def bought(client, stripe_emulator, catalog) -> Order:
    item = ItemPageFactory(parent=catalog, title="Enamel Mug", price_amount=1450)
    body = client.get(f"/v1/buy/{item.pk}/").json()
    return Order.objects.get(pk=body["orderId"])


def history(order: Order) -> list[tuple[str, str, str]]:
    return list(order.status_changes.values_list("from_status", "to_status", "source"))


def test_a_change_is_recorded_with_its_source_event_and_note(db):
    order = Order.objects.create(currency="USD", total_amount=100)

    outcome = transition(
        order, OrderStatus.PAID, source="webhook", stripe_event_id="evt_1", note="n" * 300
    )

    assert outcome == "pending -> paid"
    change = OrderStatusChange.objects.get(order=order)
    assert (change.from_status, change.to_status, change.source) == ("pending", "paid", "webhook")
    assert change.stripe_event_id == "evt_1"
    assert change.note == "n" * 255
    assert str(change) == "Pending payment → Paid (Webhook)"


def test_repeated_and_refused_changes_are_not_recorded(db):
    order = Order.objects.create(currency="USD", total_amount=100, status=OrderStatus.PAID)

    assert transition(order, OrderStatus.PAID) == "already paid"
    assert transition(order, OrderStatus.FAILED) == "ignored: paid cannot become failed"
    assert transition(order, OrderStatus.PENDING, source="admin").startswith("ignored")

    assert not order.status_changes.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_a_change_made_without_a_source_says_system(db):
    order = Order.objects.create(currency="USD", total_amount=100)
    transition(order, OrderStatus.EXPIRED)
    assert history(order) == [("pending", "expired", "system")]


def test_a_webhook_records_the_event_that_paid_the_order(client, bought):
    payload = event_payload("evt_paid", "checkout.session.completed", paid_checkout_session(bought))
    client.post(
        "/stripe/webhook/",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": signature_header(payload, USD_SECRET)},
    )

    change = bought.status_changes.get()
    assert (change.to_status, change.source, change.stripe_event_id) == (
        "paid",
        "webhook",
        "evt_paid",
    )


def test_the_checkout_return_page_records_itself_as_the_source(client, stripe_emulator, bought):
    session_id = bought.latest_payment().stripe_id
    pay_session(stripe_emulator, session_id)

    client.get("/checkout/success/", {"session_id": session_id})

    assert history(bought) == [("pending", "paid", "checkout_return")]


def test_reconciliation_records_itself_as_the_source(stripe_emulator, bought):
    pay_session(stripe_emulator, bought.latest_payment().stripe_id)

    call_command("reconcile_orders", "--older-than", "0", stdout=StringIO())

    assert history(bought) == [("pending", "paid", "reconciliation")]


@pytest.fixture
def audited_order(item) -> Order:
    order = Order.objects.create(currency="USD", subtotal_amount=2000, total_amount=2000)
    OrderLine.objects.create(order=order, item=item, title="Canvas Tote", unit_amount=2000)
    transition(order, OrderStatus.PAID, source="status_check")
    transition(order, OrderStatus.PARTIALLY_REFUNDED, source="webhook", note="$5.00 refunded")
    return order


def test_the_wagtail_admin_shows_the_orders_status_history(admin_client, audited_order):
    html = admin_client.get(
        f"/admin/snippets/commerce/order/inspect/{audited_order.pk}/"
    ).content.decode()

    shown = inspect_rows(html)["Status history"]
    paid = shown.index("Pending payment → Paid (Status check)")
    refunded = shown.index("Paid → Partially refunded (Webhook) ($5.00 refunded)")
    assert paid < refunded


def test_the_wagtail_admin_shows_a_dispute(admin_client, audited_order):
    audited_order.dispute_reason = "fraudulent"
    audited_order.save()
    html = admin_client.get(
        f"/admin/snippets/commerce/order/inspect/{audited_order.pk}/"
    ).content.decode()
    assert inspect_rows(html)["Dispute reason"] == "fraudulent"


def test_the_django_admin_lists_the_status_changes(admin_client, audited_order):
    html = admin_client.get(
        f"/django-admin/commerce/order/{audited_order.pk}/change/"
    ).content.decode()

    assert "Status check" in html and "$5.00 refunded" in html
