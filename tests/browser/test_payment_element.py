"""Paying on the store's own page in a real browser: cart -> order -> the Payment Element
(the emulator's Stripe.js) -> a card -> the status page says paid. A declined card shows
the decline on the page, and the shopper pays with another card."""

from __future__ import annotations

import pytest

from commerce.models import Order, OrderStatus, ShopSettings
from tests.browser import test_accessibility
from tests.browser.test_accessibility import axe_problems
from tests.factories import ItemPageFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A page that ignores the Content-Security-Policy, so axe-core can be injected.
axe_page = test_accessibility.axe_page


@pytest.fixture
def mug(live_server, stripe_emulator, settings, catalog, home_page):
    stripe_emulator.set_webhook(
        "usd",
        live_server.url + "/stripe/webhook/",
        settings.STRIPE_ACCOUNTS["default"]["webhook_secret"],
    )
    shop_settings = ShopSettings.for_site(home_page.get_site())
    shop_settings.payment_heading = "Pay by card"
    shop_settings.save()
    return ItemPageFactory(parent=catalog, title="Enamel Mug", price_amount=1450)


def cart_to_payment_page(page, live_server, mug) -> Order:
    page.goto(live_server.url + "/v2/item/list/")
    page.locator(f"article.item-card[data-item-id='{mug.pk}']").get_by_role(
        "button", name="Add to cart"
    ).click()
    page.wait_for_selector("[data-cart-count]:has-text('1')")
    page.goto(live_server.url + "/v2/cart/")
    page.get_by_role("button", name="Pay by card on this page").click()
    page.wait_for_url(live_server.url + "/v2/order/*/pay/")
    assert page.locator("h1").inner_text() == "Pay by card"
    page.wait_for_selector("[data-testid=payment-element]")
    page.wait_for_selector("[data-payment-submit]:not([disabled])")
    return Order.objects.get()


def pay_with(page, number: str) -> None:
    page.fill("#receipt-email", "ann@example.com")
    page.fill("#payment-element-card-number", number)
    page.fill("#payment-element-card-expiry", "12 / 34")
    page.fill("#payment-element-card-cvc", "123")
    page.click("[data-payment-submit]")


def axe_problems_as_shopper(page, axe_page, url: str) -> list[str]:
    """axe's findings on `url`, seen with the shopper's cookies (axe's own page ignores the
    Content-Security-Policy, which the shopper's page keeps)."""
    axe_page.context.add_cookies(page.context.cookies())
    return axe_problems(axe_page, url)


def test_cart_to_payment_element_to_paid(live_server, page, axe_page, screenshot, mug):
    order = cart_to_payment_page(page, live_server, mug)
    assert "$14.50" in page.locator(".payment__total").inner_text()
    screenshot("payment-element-page")

    pay_with(page, "4242 4242 4242 4242")
    page.wait_for_url(live_server.url + "/v2/order/status/?**")

    assert "your payment was received" in page.locator("h1").inner_text()
    assert page.locator("[data-order-status]").get_attribute("data-order-status") == "paid"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.email == "ann@example.com"
    screenshot("payment-status-paid")
    assert axe_problems_as_shopper(page, axe_page, page.url) == []
    assert (
        axe_problems_as_shopper(page, axe_page, f"{live_server.url}/v2/order/{order.pk}/pay/") == []
    )


def test_a_declined_card_shows_the_decline_and_another_card_pays(
    live_server, page, screenshot, mug
):
    order = cart_to_payment_page(page, live_server, mug)

    pay_with(page, "4000 0000 0000 0002")
    page.wait_for_selector("[data-payment-error]:has-text('Your card was declined.')")
    assert "/pay/" in page.url
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    screenshot("payment-element-declined")

    page.fill("#payment-element-card-number", "4242 4242 4242 4242")
    page.click("[data-payment-submit]")
    page.wait_for_url(live_server.url + "/v2/order/status/?**")

    assert "your payment was received" in page.locator("h1").inner_text()
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.payments.count() == 1
