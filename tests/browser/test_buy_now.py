"""Buy now in a real browser: item page -> Buy -> hosted Checkout -> our success page.

The emulator delivers its signed webhooks to the live server, as Stripe would.
"""

import pytest

from commerce.models import Order, OrderStatus
from tests.factories import ImageFactory, ItemPageFactory

# Transactional, so the live server's threads see the data the test writes.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(live_server, stripe_emulator, settings, catalog):
    for account, label in (("usd", "default"), ("eur", "EUR")):
        stripe_emulator.set_webhook(
            account,
            live_server.url + "/stripe/webhook/",
            settings.STRIPE_ACCOUNTS[label]["webhook_secret"],
        )
    return ItemPageFactory(
        parent=catalog,
        title="Picnic Blanket",
        price_amount=5400,
        currency="EUR",
        image=ImageFactory(),
    )


def fill_card(page, number):
    page.fill("#email", "shopper@example.com")
    page.fill("#cardNumber", number)
    page.fill("#cardExpiry", "12 / 34")
    page.fill("#cardCvc", "123")
    page.fill("#billingName", "Test Shopper")
    page.click("button[type=submit]:has-text('Pay')")


def test_shopper_buys_with_a_test_card_and_sees_paid(
    live_server, page, screenshot, shop, stripe_emulator
):
    page.goto(live_server.url + shop.url)
    page.click("button.buy-button")
    page.wait_for_url(f"{stripe_emulator.base_url}/c/pay/**")
    assert "Picnic Blanket" in page.content()
    assert page.locator("#total").inner_text().endswith("€54.00")
    screenshot("buy-now-hosted-checkout")

    fill_card(page, "4242 4242 4242 4242")
    page.wait_for_url(f"{live_server.url}/checkout/success/**")
    assert "your payment was received" in page.locator("h1").inner_text()
    screenshot("buy-now-success")

    order = Order.objects.get()
    assert order.status == OrderStatus.PAID and order.succeeded_payment().stripe_account == "EUR"
    # The webhook arrived too, and was accepted.
    attempts = stripe_emulator.wait_for_webhook_attempts(
        lambda found: any(
            a["type"] == "checkout.session.completed" and a["status_code"] == 200 for a in found
        ),
        timeout=10,
    )
    assert all(a["account"] == "eur" for a in attempts)
    assert order.payment_events.filter(type="checkout.session.completed").exists()


def test_a_declined_card_keeps_the_shopper_on_checkout(
    live_server, page, screenshot, shop, stripe_emulator
):
    page.goto(live_server.url + shop.url)
    page.click("button.buy-button")
    page.wait_for_url(f"{stripe_emulator.base_url}/c/pay/**")
    fill_card(page, "4000 0000 0000 0002")
    page.wait_for_selector("#card-errors:has-text('declined')")
    assert page.url.startswith(stripe_emulator.base_url)
    screenshot("buy-now-declined")
    assert Order.objects.get().status == OrderStatus.PENDING


def test_buy_without_javascript_posts_the_form_and_lands_on_checkout(
    live_server, browser, shop, stripe_emulator
):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server.url + shop.url)
        page.click("button.buy-button")
        # The item page came from the shared cache, without a CSRF token: asked once more.
        page.get_by_role("heading", name="Buy Picnic Blanket now?").wait_for()
        page.locator("form.confirm-post button").click()
        page.wait_for_url(f"{stripe_emulator.base_url}/c/pay/**")
        assert "Picnic Blanket" in page.content()
    finally:
        context.close()


def test_a_failing_buy_shows_a_message_on_the_item_page(live_server, page, shop, settings):
    settings.STRIPE_ACCOUNTS = {}
    page.goto(live_server.url + shop.url)
    page.click("button.buy-button")
    error = page.locator(".buy-form__error")
    error.wait_for(state="visible")
    assert error.inner_text() == "Payments in this currency are not available right now."
    assert page.locator("button.buy-button").is_enabled()


def test_an_abandoned_checkout_expires_the_order_through_the_webhook(
    live_server, shop, stripe_emulator
):
    """No browser needed: the emulator's own expiry and webhook, end to end."""
    import json
    import urllib.request

    with urllib.request.urlopen(f"{live_server.url}/v1/buy/{shop.pk}/", timeout=10) as answer:
        bought = json.loads(answer.read())
    stripe_emulator.advance_clock(2 * 60 * 60)  # past the session's expires_at
    stripe_emulator.wait_for_webhook_attempts(
        lambda found: any(
            a["type"] == "checkout.session.expired" and a["status_code"] == 200 for a in found
        ),
        timeout=10,
    )
    order = Order.objects.get(pk=bought["orderId"])
    assert order.status == OrderStatus.EXPIRED
    assert order.open_key is None
