"""Discounts, taxes and shop settings in the Shop menu; editors re-pricing unpaid orders."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from commerce.models import Discount, Order, Payment, ShopSettings, Tax
from commerce.orders.placement import place_order
from tests.factories import ItemPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(catalog):
    mug = ItemPageFactory(parent=catalog, title="Mug", price_amount=1450)
    tote = ItemPageFactory(parent=catalog, title="Tote", price_amount=2400)
    order = place_order(
        currency="USD", lines=[(mug, 2), (tote, 1)], discount=None, shopper_key="s", user=None
    )
    # Today's prices no longer matter to the order.
    mug.price_amount = 100
    mug.save_revision().publish()
    return order


@pytest.fixture
def welcome():
    return Discount.objects.create(name="Welcome", code="WELCOME10", percent_off=Decimal(10))


@pytest.fixture
def sales_tax():
    return Tax.objects.create(name="Sales tax", rate=Decimal("8.875"))


def adjust_url(order):
    return f"/admin/commerce/order/{order.pk}/adjustments/"


def test_editors_attach_a_discount_and_taxes_and_totals_are_recomputed(
    admin_client, order, welcome, sales_tax
):
    inspect = admin_client.get(f"/admin/snippets/commerce/order/inspect/{order.pk}/")
    assert adjust_url(order) in inspect.content.decode()
    assert admin_client.get(adjust_url(order)).status_code == 200

    response = admin_client.post(
        adjust_url(order), {"discount": welcome.pk, "taxes": [sales_tax.pk]}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.subtotal_amount, order.discount_amount, order.tax_amount) == (5300, 530, 424)
    assert order.total_amount == 5194
    assert [str(a) for a in order.adjustments.all()] == [
        "Welcome: -$5.30",
        "Sales tax 8.875% (added): $4.24",
    ]
    assert list(order.lines.values_list("discount_amount", "tax_amount")) == [
        (290, 232),
        (240, 192),
    ]

    # Taking them off again.
    admin_client.post(adjust_url(order), {"discount": "", "taxes": []})
    order.refresh_from_db()
    assert (order.total_amount, order.adjustments.count()) == (5300, 0)


def test_paid_orders_and_orders_being_paid_cannot_change(admin_client, order, welcome):
    Payment.objects.create(
        order=order,
        method="checkout_session",
        attempt=1,
        status="open",
        stripe_account="default",
        stripe_id="cs_test_open",
        amount=5300,
        currency="USD",
    )
    response = admin_client.post(adjust_url(order), {"discount": welcome.pk})
    assert "has a payment in progress" in response.content.decode()
    Order.objects.filter(pk=order.pk).update(status="paid")
    inspect = admin_client.get(f"/admin/snippets/commerce/order/inspect/{order.pk}/")
    assert adjust_url(order) not in inspect.content.decode()
    response = admin_client.post(adjust_url(order), {"discount": welcome.pk})
    assert "only an order waiting for payment can be changed" in response.content.decode()
    order.refresh_from_db()
    assert order.total_amount == 5300 and not order.adjustments.exists()


def test_mixing_inclusive_and_exclusive_taxes_on_an_order_is_refused(
    admin_client, order, sales_tax
):
    vat = Tax.objects.create(name="VAT", rate=Decimal(20), inclusive=True)
    response = admin_client.post(adjust_url(order), {"taxes": [sales_tax.pk, vat.pk]})
    assert "Inclusive and exclusive" in response.content.decode()


def test_editors_without_order_permission_cannot_adjust(client, django_user_model, order):
    from django.contrib.auth.models import Group

    editor = django_user_model.objects.create_user("editor", password="x")
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    assert client.get(adjust_url(order)).status_code in (302, 403)


def test_discounts_are_created_in_the_shop_menu_with_amounts_as_shoppers_read_them(admin_client):
    form = admin_client.get("/admin/snippets/commerce/discount/add/")
    assert form.status_code == 200
    response = admin_client.post(
        "/admin/snippets/commerce/discount/add/",
        {
            "name": "Five off",
            "code": " five ",
            "amount_off_value": "5.00",
            "currency": "USD",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    discount = Discount.objects.get()
    assert (discount.code, discount.amount_off, discount.currency) == ("FIVE", 500, "USD")
    assert str(discount) == "Five off ($5.00 off)"

    both = admin_client.post(
        "/admin/snippets/commerce/discount/add/",
        {"name": "Both", "percent_off": "10", "amount_off_value": "1", "currency": "USD"},
    )
    assert "either a percentage or an amount off" in both.content.decode()
    kwd = admin_client.post(
        "/admin/snippets/commerce/discount/add/",
        {"name": "Dinar", "amount_off_value": "0.005", "currency": "KWD"},
    )
    assert "multiples of" in kwd.content.decode()
    assert Discount.objects.count() == 1


def test_taxes_are_created_in_the_shop_menu(admin_client):
    response = admin_client.post(
        "/admin/snippets/commerce/tax/add/",
        {
            "name": "VAT",
            "rate": "20",
            "inclusive": "on",
            "country": "de",
            "currencies": "eur",
            "active": "on",
        },
    )
    assert response.status_code == 302
    tax = Tax.objects.get()
    assert (tax.country, tax.currencies, str(tax)) == ("DE", "EUR", "VAT 20% (inclusive)")
    bad = admin_client.post(
        "/admin/snippets/commerce/tax/add/", {"name": "X", "rate": "5", "currencies": "XYZ"}
    )
    assert "Unknown currency codes: XYZ" in bad.content.decode()


def test_default_taxes_that_would_mix_kinds_in_a_currency_are_refused(
    admin_client, home_page, sales_tax
):
    vat = Tax.objects.create(name="VAT", rate=Decimal(20), inclusive=True, currencies="EUR")
    site = home_page.get_site()
    url = f"/admin/settings/commerce/shopsettings/{site.pk}/"
    page = admin_client.get(url)
    assert page.status_code == 200
    fields = {"cart_heading": "Basket", "cart_intro": "", "empty_cart_text": "Nothing yet."}
    ok = admin_client.post(url, {**fields, "default_taxes": [vat.pk]})
    assert ok.status_code == 302
    assert ShopSettings.for_site(site).cart_heading == "Basket"
    mixed = admin_client.post(url, {**fields, "default_taxes": [vat.pk, sales_tax.pk]})
    assert re.search("both apply to EUR orders", mixed.content.decode())
    assert list(ShopSettings.for_site(site).default_taxes.all()) == [vat]


def test_orders_are_filtered_by_currency_and_date(admin_client, order):
    from django.utils import timezone

    today = timezone.now().date().isoformat()
    listing = admin_client.get(
        "/admin/snippets/commerce/order/",
        {"currency": "USD", "created_at_from": today, "created_at_to": today},
    )
    assert listing.status_code == 200
    assert f"Order #{order.pk}" in listing.content.decode()
    other_day = admin_client.get(
        "/admin/snippets/commerce/order/",
        {"created_at_from": "2001-01-01", "created_at_to": "2001-01-02"},
    )
    assert f"Order #{order.pk}" not in other_day.content.decode()


def test_payments_are_listed_and_inspected_with_money_formatted(admin_client, order):
    payment = Payment.objects.create(
        order=order,
        method="checkout_session",
        attempt=1,
        status="open",
        stripe_account="default",
        stripe_id="cs_test_listed",
        amount=5300,
        currency="USD",
    )
    listing = admin_client.get("/admin/snippets/commerce/payment/").content.decode()
    assert "#1 Stripe Checkout cs_test_listed: $53.00 Open" in listing
    inspect = admin_client.get(f"/admin/snippets/commerce/payment/inspect/{payment.pk}/")
    html = inspect.content.decode()
    assert "$53.00" in html and ">5300<" not in html
    assert admin_client.get("/admin/snippets/commerce/payment/add/").status_code in (302, 403)
