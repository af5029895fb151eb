"""Orders in the Wagtail admin (read-only), and the startup check on Stripe accounts."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from commerce.checks import stripe_accounts_cover_currencies
from commerce.models import Order, OrderLine, OrderStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(item):
    paid = Order.objects.create(
        currency="USD",
        total_amount=1250,
        subtotal_amount=1250,
        status=OrderStatus.PAID,
    )
    OrderLine.objects.create(order=paid, item=item, title="Canvas Tote", unit_amount=1250)
    pending = Order.objects.create(
        currency="EUR",
        total_amount=900,
        subtotal_amount=900,
    )
    return paid, pending


def test_admin_lists_orders_filters_by_status_and_shows_one(admin_client, orders):
    paid, pending = orders
    listing = admin_client.get("/admin/snippets/commerce/order/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert f"Order #{paid.pk}" in html and f"Order #{pending.pk}" in html

    filtered = admin_client.get("/admin/snippets/commerce/order/", {"status": "paid"})
    html = filtered.content.decode()
    assert f"Order #{paid.pk}" in html and f"Order #{pending.pk}" not in html

    inspect = admin_client.get(f"/admin/snippets/commerce/order/inspect/{paid.pk}/")
    assert inspect.status_code == 200
    html = inspect.content.decode()
    assert "$12.50" in html and "1 × Canvas Tote ($12.50 each)" in html


def test_orders_cannot_be_added_edited_or_deleted_in_the_admin(admin_client, orders):
    paid, _ = orders
    assert admin_client.get("/admin/snippets/commerce/order/add/").status_code in (302, 403)
    assert admin_client.get(f"/admin/snippets/commerce/order/edit/{paid.pk}/").status_code in (
        302,
        403,
    )
    assert admin_client.post(f"/admin/snippets/commerce/order/delete/{paid.pk}/").status_code in (
        302,
        403,
    )
    assert Order.objects.filter(pk=paid.pk).exists()


def test_check_is_quiet_when_a_default_account_exists(settings):
    assert stripe_accounts_cover_currencies() == []


def test_check_names_currencies_no_account_serves(settings):
    settings.STRIPE_ACCOUNTS = {"EUR": settings.STRIPE_ACCOUNTS["EUR"]}
    [warning] = stripe_accounts_cover_currencies()
    assert warning.id == "commerce.W002"
    assert "USD" in warning.msg and "EUR" not in warning.msg.split(":")[0]


def test_check_reports_no_account_at_startup(settings):
    settings.STRIPE_ACCOUNTS = {}
    with pytest.raises(SystemCheckError, match=r"commerce\.W001"):
        call_command("check", fail_level="WARNING")
