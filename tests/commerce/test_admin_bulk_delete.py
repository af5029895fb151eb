"""Orders and payment events are read-only: the admin's bulk delete neither shows them to
someone without order permissions nor deletes them for anyone, superusers included."""

import pytest
from django.contrib.auth.models import Group

from commerce.models import Order, OrderStatus, PaymentEvent

pytestmark = pytest.mark.django_db

SECRET_EMAIL = "bulk-delete-shopper@example.com"


@pytest.fixture
def orders():
    return [
        Order.objects.create(
            currency="USD",
            subtotal_amount=1250 + n,
            total_amount=1250 + n,
            status=OrderStatus.PAID,
            email=SECRET_EMAIL,
        )
        for n in range(2)
    ]


@pytest.fixture
def events(orders):
    return [
        PaymentEvent.objects.create(
            stripe_event_id=f"evt_bulk_{n}",
            stripe_account="default",
            type="checkout.session.completed",
            payload={"customer_details": {"email": SECRET_EMAIL}},
            order=order,
        )
        for n, order in enumerate(orders)
    ]


@pytest.fixture
def editor_client(client, django_user_model):
    """A member of Wagtail's Editors group: admin access, pages and images, no orders."""
    editor = django_user_model.objects.create_user("editor", password="x")
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    assert client.get("/admin/").status_code == 200
    return client


def bulk_delete_url(model_name, objects):
    ids = "&".join(f"id={obj.pk}" for obj in objects)
    return f"/admin/bulk/commerce/{model_name}/delete/?{ids}"


def assert_refused(response, objects):
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"] == "/admin/"
    html = response.content.decode()
    assert SECRET_EMAIL not in html
    for obj in objects:
        assert str(obj) not in html


@pytest.mark.parametrize("model_name", ["order", "paymentevent"])
def test_an_editor_without_order_permissions_sees_no_order_in_bulk_delete(
    editor_client, orders, events, model_name
):
    objects = orders if model_name == "order" else events
    response = editor_client.get(bulk_delete_url(model_name, objects))
    assert_refused(response, objects)
    followed = editor_client.get(response["Location"]) if response.status_code == 302 else None
    if followed is not None:
        assert "do not have permission" in followed.content.decode()


@pytest.mark.parametrize("model_name", ["order", "paymentevent"])
def test_nobody_bulk_deletes_orders_or_events(admin_client, orders, events, model_name):
    objects = orders if model_name == "order" else events
    url = bulk_delete_url(model_name, objects)
    assert_refused(admin_client.get(url), objects)
    assert_refused(admin_client.post(url), objects)
    assert Order.objects.count() == 2 and PaymentEvent.objects.count() == 2


@pytest.mark.parametrize("model_name", ["order", "paymentevent"])
def test_read_only_listings_offer_no_bulk_actions(admin_client, events, model_name):
    """A Delete button that can only be refused would mislead: the listings have none."""
    response = admin_client.get(f"/admin/snippets/commerce/{model_name}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-bulk-action-checkbox" not in html
    assert f"/admin/bulk/commerce/{model_name}/delete/" not in html
    assert "bulk-actions-footer" not in html
