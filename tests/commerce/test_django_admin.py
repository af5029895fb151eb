"""The shop's models in Django's own admin: orders read-only with their lines,
adjustments and payments; discounts and taxes editable."""

from __future__ import annotations

from decimal import Decimal

import pytest

from commerce.models import Discount, Tax
from commerce.orders.placement import place_order
from tests.factories import ItemPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(catalog):
    mug = ItemPageFactory(parent=catalog, title="Enamel Mug", price_amount=1450)
    welcome = Discount.objects.create(name="Welcome", code="WELCOME10", percent_off=Decimal(10))
    return place_order(
        currency="USD", lines=[(mug, 2)], discount=welcome, shopper_key="s", user=None
    )


def test_orders_are_shown_with_their_lines_and_adjustments_and_cannot_be_changed(
    admin_client, order
):
    listing = admin_client.get("/django-admin/commerce/order/")
    assert listing.status_code == 200 and f"Order #{order.pk}" in listing.content.decode()
    page = admin_client.get(f"/django-admin/commerce/order/{order.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Enamel Mug" in html and "WELCOME10" in html
    assert 'name="_save"' not in html  # view only
    assert admin_client.get("/django-admin/commerce/order/add/").status_code == 403
    deleted = admin_client.post(f"/django-admin/commerce/order/{order.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 403
    for model in ("payment", "paymentevent"):
        assert admin_client.get(f"/django-admin/commerce/{model}/").status_code == 200
        assert admin_client.get(f"/django-admin/commerce/{model}/add/").status_code == 403


def test_discounts_and_taxes_are_edited_there_too(admin_client):
    response = admin_client.post(
        "/django-admin/commerce/discount/add/",
        {
            "name": "Five",
            "code": "five",
            "amount_off_value": "5",
            "currency": "USD",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert Discount.objects.get().amount_off == 500
    response = admin_client.post(
        "/django-admin/commerce/tax/add/",
        {"name": "Sales tax", "rate": "8.875", "currencies": "USD", "active": "on"},
    )
    assert response.status_code == 302
    assert Tax.objects.get().rate == Decimal("8.875")
