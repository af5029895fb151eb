"""The cart in a real browser: item list -> add two items without a reload -> cart page ->
WELCOME10 -> hosted Checkout shows the discount and the tax -> pay with 4242... -> the order
is paid and the cart is empty. Also without JavaScript, and checked with axe-core.
"""

from __future__ import annotations

import pytest

from commerce.models import Discount, Order, OrderStatus, ShopSettings, Tax
from tests.browser.test_accessibility import AXE_JS, axe_problems
from tests.browser.test_buy_now import fill_card
from tests.factories import ItemPageFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(live_server, stripe_emulator, settings, catalog, home_page):
    stripe_emulator.set_webhook(
        "usd",
        live_server.url + "/stripe/webhook/",
        settings.STRIPE_ACCOUNTS["default"]["webhook_secret"],
    )
    shop_settings = ShopSettings.for_site(home_page.get_site())
    shop_settings.cart_heading = "Your basket"
    shop_settings.save()
    shop_settings.default_taxes.add(
        Tax.objects.create(name="Sales tax", rate="8.875", inclusive=False, currencies="USD")
    )
    Discount.objects.create(name="Welcome", code="WELCOME10", percent_off=10)
    return [
        ItemPageFactory(parent=catalog, title="Enamel Mug", price_amount=1450),
        ItemPageFactory(parent=catalog, title="Canvas Tote", price_amount=2000),
        ItemPageFactory(parent=catalog, title="Olive Soap", price_amount=790),
    ]


def card(page, item):
    return page.locator(f"article.item-card[data-item-id='{item.pk}']")


def test_fill_the_cart_without_reloads_apply_a_code_and_pay(
    live_server, page, screenshot, shop, stripe_emulator
):
    mug, tote, _ = shop
    page.goto(live_server.url + "/v2/item/list/")
    page.evaluate("window.stillTheSamePage = true")
    card(page, mug).get_by_role("button", name="Add to cart").click()
    page.wait_for_selector("[data-cart-count]:has-text('1')")
    card(page, tote).get_by_role("button", name="Add to cart").click()
    page.wait_for_selector("[data-cart-count]:has-text('2')")
    assert card(page, tote).locator("[data-cart-status]").inner_text().startswith("Added")
    assert page.evaluate("window.stillTheSamePage") is True, "no reload"
    screenshot("cart-item-list-added")

    page.click("[data-cart-badge]")
    page.wait_for_url(live_server.url + "/v2/cart/")
    assert page.locator("h1").inner_text() == "Your basket"
    page.locator(f".cart-line[data-item-id='{mug.pk}'] .cart-line__more").click()
    page.wait_for_selector(f".cart-line[data-item-id='{mug.pk}'] [data-quantity]:has-text('2')")
    page.fill("#discount-code", "welcome10")
    page.click(".cart__discount button")
    page.wait_for_selector("[data-discount-code]:has-text('WELCOME10')")
    # 2 x 14.50 + 20.00 = 49.00; 10% off: 4.90 (2.90 + 2.00); sales tax 8.875% per line,
    # rounded: 26.10 -> 2.32, 18.00 -> 1.60.
    assert page.locator("[data-discount]").inner_text() == "−$4.90"
    assert page.locator("[data-tax]").inner_text() == "$3.92"
    assert page.locator(".cart__total").inner_text() == "$48.02"
    assert page.locator("[data-cart-count]").inner_text() == "3"
    screenshot("cart-page-with-code")

    page.click(".cart__pay button")
    page.wait_for_url(f"{stripe_emulator.base_url}/c/pay/**")
    assert "Welcome" in page.locator("#discount").inner_text()
    assert page.locator("#discount").inner_text().endswith("-$4.90")
    assert "Sales tax" in page.locator(".tax-row").inner_text()
    assert page.locator(".tax-row").inner_text().endswith("$3.92")
    assert page.locator("#total").inner_text().endswith("$48.02")
    screenshot("cart-hosted-checkout")

    fill_card(page, "4242 4242 4242 4242")
    page.wait_for_url(f"{live_server.url}/checkout/success/**")
    assert "your payment was received" in page.locator("h1").inner_text()
    order = Order.objects.get()
    assert order.status == OrderStatus.PAID and order.total_amount == 4802

    page.goto(live_server.url + "/v2/cart/")
    assert page.locator(".cart__empty").is_visible()
    assert page.locator("[data-cart-count]").is_hidden()
    screenshot("cart-empty-after-payment")


def confirm(page, heading: str) -> None:
    """Pages from the shared cache carry no CSRF token: without JavaScript, a form posted
    from one is answered with a page that asks once more, with a token."""
    page.get_by_role("heading", name=heading).wait_for()
    page.locator("form.confirm-post button").click()


def test_the_cart_works_without_javascript(live_server, browser, shop):
    mug, _, soap = shop
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(live_server.url + "/v2/item/list/")
        card(page, mug).get_by_role("button", name="Add to cart").click()
        confirm(page, "Add Enamel Mug to your cart?")
        page.wait_for_url(live_server.url + "/v2/item/list/")
        card(page, soap).get_by_role("button", name="Add to cart").click()
        confirm(page, "Add Olive Soap to your cart?")
        page.wait_for_url(live_server.url + "/v2/item/list/")
        page.goto(live_server.url + mug.url)
        page.fill("input[name=quantity]", "3")
        page.locator("form.add-to-cart button").click()
        confirm(page, "Add Enamel Mug to your cart?")
        page.wait_for_url(live_server.url + mug.url)
        page.goto(live_server.url + "/v2/cart/")
        assert page.locator(".cart-line").count() == 2
        assert (
            page.locator(f".cart-line[data-item-id='{mug.pk}'] [data-quantity]").inner_text() == "4"
        )
        page.locator(f".cart-line[data-item-id='{soap.pk}'] .cart-line__remove").click()
        page.wait_for_url(live_server.url + "/v2/cart/")
        assert page.locator(".cart-line").count() == 1
    finally:
        context.close()


def test_another_currency_offers_a_new_cart(live_server, page, shop, catalog):
    mug = shop[0]
    teapot = ItemPageFactory(parent=catalog, title="Teapot", price_amount=3000, currency="EUR")
    page.goto(live_server.url + "/v2/item/list/")
    card(page, mug).get_by_role("button", name="Add to cart").click()
    page.wait_for_selector("[data-cart-count]:has-text('1')")
    card(page, teapot).get_by_role("button", name="Add to cart").click()
    card(page, teapot).locator("[data-cart-status]:has-text('Your cart is in USD')").wait_for()
    card(page, teapot).get_by_role("button", name="Start a new cart with this item").click()
    card(page, teapot).locator("[data-cart-status]:has-text('Added')").wait_for()
    page.goto(live_server.url + "/v2/cart/")
    assert page.locator(".cart-line").all_inner_texts()[0].startswith("Teapot")


def test_the_cart_page_has_no_serious_accessibility_violations(live_server, browser, shop):
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing; `make test` installs axe-core (npm ci).")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    try:
        assert axe_problems(page, live_server.url + "/v2/cart/") == []
        page.goto(live_server.url + "/v2/item/list/")
        card(page, shop[0]).get_by_role("button", name="Add to cart").click()
        page.wait_for_selector("[data-cart-count]:has-text('1')")
        assert axe_problems(page, live_server.url + "/v2/cart/") == []
    finally:
        context.close()
