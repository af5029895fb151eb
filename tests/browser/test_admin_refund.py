"""A refund from the Wagtail admin in a real browser: the order's Refund button, the
amount, the confirmation, Stripe's refund, and the order following `charge.refunded`."""

import time

import pytest
from django.test import Client
from playwright.sync_api import expect

from commerce.models import Order, OrderStatus, RefundStatus
from tests.emulator_actions import pay_session
from tests.factories import ItemPageFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition never held")
        time.sleep(0.05)


@pytest.fixture
def paid_order(live_server, stripe_emulator, settings, catalog) -> Order:
    stripe_emulator.set_webhook(
        "usd",
        live_server.url + "/stripe/webhook/",
        settings.STRIPE_ACCOUNTS["default"]["webhook_secret"],
    )
    item = ItemPageFactory(parent=catalog, title="Enamel Mug", price_amount=1450)
    bought = Client().get(f"/v1/buy/{item.pk}/").json()
    pay_session(stripe_emulator, bought["sessionId"])
    wait_for(lambda: Order.objects.get(pk=bought["orderId"]).status == OrderStatus.PAID)
    return Order.objects.get(pk=bought["orderId"])


def test_an_admin_refunds_part_of_an_order_and_the_order_follows(
    live_server, page, screenshot, paid_order, django_user_model
):
    django_user_model.objects.create_superuser("boss", "boss@example.com", "a-long-password")
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "a-long-password")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")

    inspect_url = f"{live_server.url}/admin/snippets/commerce/order/inspect/{paid_order.pk}/"
    page.goto(inspect_url)
    page.get_by_role("link", name="Refund").click()
    assert page.locator("#refund-remaining").inner_text() == "$14.50"
    page.fill("#id_amount", "20")
    page.click("button:has-text('Review the refund')")
    # The form posts and the page is rendered again: wait for it rather than read the old one.
    expect(page.locator("body")).to_contain_text(
        "$20.00 is more than the $14.50 that remains to refund."
    )

    page.fill("#id_amount", "5")
    page.click("button:has-text('Review the refund')")
    expect(page.locator("#refund-confirmation")).to_contain_text("Refund $5.00 of order")
    screenshot("admin-refund-confirmation")
    page.click("button:has-text('Refund $5.00')")
    page.wait_for_url(inspect_url)
    expect(page.locator("body")).to_contain_text("$5.00 refunded to the shopper")

    wait_for(lambda: Order.objects.get(pk=paid_order.pk).status == OrderStatus.PARTIALLY_REFUNDED)
    [refund] = paid_order.refunds.all()
    assert (refund.amount, refund.status) == (500, RefundStatus.SENT)
    page.reload()
    expect(page.locator("body")).to_contain_text("Partially refunded")
    screenshot("admin-refund-order-partially-refunded")
