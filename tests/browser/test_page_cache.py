"""Pages served from the shared cache in a real browser: the same page for two shoppers,
each with their own cart badge, and Add to cart working from it."""

from __future__ import annotations

import pytest

from tests.factories import ItemPageFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_adding_to_the_cart_from_a_cached_page(live_server, browser, catalog):
    mug = ItemPageFactory(parent=catalog, title="Enamel Mug", price_amount=1450)
    tote = ItemPageFactory(parent=catalog, title="Canvas Tote", price_amount=2000)
    url = live_server.url + "/v2/item/list/"
    first = browser.new_context()
    second = browser.new_context()
    try:
        alice = first.new_page()
        made = alice.goto(url)
        assert made.headers.get("x-page-cache") == "miss"
        alice.locator(f"[data-item-id='{mug.pk}']").get_by_role(
            "button", name="Add to cart"
        ).click()
        alice.wait_for_selector("[data-cart-count]:has-text('1')")

        bob = second.new_page()
        served = bob.goto(url)
        assert served.headers.get("x-page-cache") == "hit"
        assert "csrfmiddlewaretoken" not in served.text()
        assert bob.locator("[data-cart-count]").is_hidden()  # Alice's count is not in it
        bob.locator(f"[data-item-id='{tote.pk}']").get_by_role("button", name="Add to cart").click()
        bob.wait_for_selector("[data-cart-count]:has-text('1')")
        assert (
            "Added to your cart"
            in bob.locator(f"[data-item-id='{tote.pk}'] [data-cart-status]").inner_text()
        )

        again = alice.goto(url)
        assert again.headers.get("x-page-cache") == "hit"
        alice.wait_for_selector("[data-cart-count]:has-text('1')")
        alice.goto(live_server.url + "/v2/cart/")
        assert alice.locator(".cart-line").all_inner_texts()[0].startswith("Enamel Mug")
        bob.goto(live_server.url + "/v2/cart/")
        assert bob.locator(".cart-line").all_inner_texts()[0].startswith("Canvas Tote")
    finally:
        first.close()
        second.close()
