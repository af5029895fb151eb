"""The shop's own records stay out of Wagtail's reference index; pages stay in it."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import ReferenceIndex

from commerce.models import (
    Order,
    OrderAdjustment,
    OrderLine,
    OrderStatus,
    OrderStatusChange,
    Payment,
    PaymentEvent,
    Refund,
    StripePricingObject,
)
from tests.factories import ImageFactory, ItemPageFactory
from tests.stripe_signing import event_payload, paid_checkout_session, signature_header

pytestmark = pytest.mark.django_db

SHOP_RECORDS = [
    Order,
    OrderLine,
    OrderAdjustment,
    OrderStatusChange,
    Payment,
    PaymentEvent,
    Refund,
    StripePricingObject,
]
# What a fresh `checkout.session.completed` that pays an order may cost, its receipt
# included. Indexing the payment, the order, its status change and the event cost 13 more.
WEBHOOK_QUERY_BUDGET = 15


def shop_record_references() -> int:
    content_types = ContentType.objects.get_for_models(*SHOP_RECORDS).values()
    return ReferenceIndex.objects.filter(base_content_type__in=content_types).count()


def pay_by_webhook(client, order, event_id="evt_ref_1"):
    payload = event_payload(event_id, "checkout.session.completed", paid_checkout_session(order))
    return client.post(
        "/stripe/webhook/",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": signature_header(payload, "whsec_test_usd_account")},
    )


@pytest.fixture
def pending_order(client, stripe_emulator, catalog):
    item = ItemPageFactory(parent=catalog, title="Mug", price_amount=1450, image=ImageFactory())
    body = client.get(f"/v1/buy/{item.pk}/").json()
    return Order.objects.get(pk=body["orderId"])


def test_every_shop_record_is_left_out_of_the_reference_index():
    assert all(ReferenceIndex.model_is_indexable(model) is False for model in SHOP_RECORDS)


def test_an_item_page_is_still_indexed(catalog):
    """The index itself works here: an item's picture is found as used by the item."""
    item = ItemPageFactory(parent=catalog, image=ImageFactory())
    assert ReferenceIndex.get_references_for_object(item).filter(to_object_id=str(item.image_id))


def test_placing_and_paying_an_order_writes_no_reference_index_rows(
    client, pending_order, django_capture_on_commit_callbacks
):
    assert pending_order.lines.exists() and pending_order.payments.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = pay_by_webhook(client, pending_order)

    assert response.status_code == 200, response.content
    pending_order.refresh_from_db()
    assert pending_order.status == OrderStatus.PAID
    assert PaymentEvent.objects.filter(order=pending_order).exists()
    assert OrderStatusChange.objects.filter(order=pending_order).exists()
    assert shop_record_references() == 0


def test_a_paying_webhook_stays_within_its_query_budget(
    client, pending_order, django_capture_on_commit_callbacks
):
    with CaptureQueriesContext(connection) as captured:
        with django_capture_on_commit_callbacks(execute=True):
            response = pay_by_webhook(client, pending_order, "evt_ref_budget")

    assert response.status_code == 200, response.content
    assert len(captured.captured_queries) <= WEBHOOK_QUERY_BUDGET
