"""What editors read in the Shop menu: money as money, payloads as JSON, one name for events."""

import json
import re
from html import unescape

import pytest

from commerce.models import Order, OrderLine, OrderStatus, PaymentEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(item):
    order = Order.objects.create(
        currency="USD",
        subtotal_amount=4000,
        discount_amount=650,
        tax_amount=0,
        total_amount=3350,
        amount_refunded=125,
        status=OrderStatus.PAID,
    )
    OrderLine.objects.create(
        order=order, item=item, title="Canvas Tote", unit_amount=2000, quantity=2
    )
    return order


def inspect_rows(html):
    """(label, value) pairs of an inspect view, tags stripped."""
    rows = re.findall(r"<dt[^>]*>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", html, flags=re.S)
    return {
        " ".join(re.sub(r"<[^>]+>", "", label).split()): " ".join(
            unescape(re.sub(r"<[^>]+>", "", value)).split()
        )
        for label, value in rows
    }


def test_order_inspect_view_shows_money_formatted_only(admin_client, order):
    response = admin_client.get(f"/admin/snippets/commerce/order/inspect/{order.pk}/")
    assert response.status_code == 200
    rows = inspect_rows(response.content.decode())
    assert rows["Subtotal"] == "$40.00"
    assert rows["Discount"] == "$6.50"
    assert rows["Tax"] == "$0.00"
    assert rows["Total"] == "$33.50"
    assert rows["Refunded"] == "$1.25"
    values = list(rows.values())
    for raw in ("4000", "650", "3350", "125"):
        assert raw not in values, f"raw minor units {raw} shown"
    assert not [label for label in rows if label.endswith("amount") or label == "Amount refunded"]


def test_order_inspect_view_formats_three_decimal_currencies(admin_client, item):
    order = Order.objects.create(
        currency="KWD",
        subtotal_amount=1250,
        total_amount=1250,
    )
    rows = inspect_rows(
        admin_client.get(f"/admin/snippets/commerce/order/inspect/{order.pk}/").content.decode()
    )
    assert rows["Total"] == "KWD 1.250"
    assert rows["Subtotal"] == "KWD 1.250"


def test_payment_event_payload_is_pretty_escaped_json(admin_client, order):
    payload = {
        "id": "evt_1",
        "type": "checkout.session.completed",
        "data": {"object": {"customer_details": {"name": "<script>alert(1)</script>"}}},
    }
    event = PaymentEvent.objects.create(
        stripe_event_id="evt_1",
        stripe_account="default",
        type="checkout.session.completed",
        payload=payload,
        order=order,
    )
    response = admin_client.get(f"/admin/snippets/commerce/paymentevent/inspect/{event.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    [shown] = re.findall(r"<pre[^>]*>(.*?)</pre>", html, flags=re.S)
    assert json.loads(unescape(shown)) == payload
    assert '\n  "data": {' in unescape(shown)
    assert "{'id'" not in html  # no Python repr


def test_payment_events_have_one_name_in_menu_and_pages(admin_client, order):
    dashboard = admin_client.get("/admin/").content.decode()
    assert "Stripe events" not in dashboard
    listing = admin_client.get("/admin/snippets/commerce/paymentevent/").content.decode()
    assert "Stripe events" not in listing
    assert "Payment events" in listing
    from wagtail.admin.menu import admin_menu

    request = admin_client.get("/admin/").wsgi_request
    labels = [
        child.label
        for menu_item in admin_menu.menu_items_for_request(request)
        if menu_item.name == "shop"
        for child in menu_item.menu.menu_items_for_request(request)
    ]
    assert labels == ["Orders", "Payments", "Payment events", "Discounts", "Taxes"]
