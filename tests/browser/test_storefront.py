"""A shopper's first steps in a real browser: home page, catalog, item."""

import pytest

from tests.factories import CatalogPageFactory, ImageFactory, ItemPageFactory

# Transactional, so the live server's threads see the data the test writes.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_shopper_browses_home_catalog_and_item(live_server, page, screenshot, home_page, settings):
    catalog = CatalogPageFactory(parent=home_page, title="Shop")
    items = [
        ItemPageFactory(
            parent=catalog, title="Enamel Mug", price_amount=1450, image=ImageFactory()
        ),
        ItemPageFactory(
            parent=catalog,
            title="Wooden Spoon",
            price_amount=1900,
            currency="EUR",
            image=ImageFactory(),
        ),
    ]

    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == settings.WAGTAIL_SITE_NAME
    assert page.locator(f'[data-item-id="{items[0].pk}"]').count() == 1
    assert screenshot("home").stat().st_size > 0

    page.click("nav.site-header__nav >> text=Shop")
    page.wait_for_url(f"**{catalog.url}")
    cards = page.locator(".item-card")
    assert cards.count() == 2
    assert (
        page.locator(f'[data-item-id="{items[1].pk}"] .item-card__price').inner_text() == "€19.00"
    )
    images = page.locator(".item-card__image")
    assert all(
        images.nth(n).evaluate("img => img.complete && img.naturalWidth > 0") for n in range(2)
    )
    screenshot("catalog")

    page.click("text=Enamel Mug")
    page.wait_for_url(f"**{items[0].url}")
    assert page.locator("h1").inner_text() == "Enamel Mug"
    assert page.locator(".item-detail__price").inner_text() == "$14.50"
    screenshot("item")

    page.fill("#site-search", "spoon")
    page.press("#site-search", "Enter")
    page.wait_for_url("**/search/?query=spoon")
    assert page.locator(".item-card").count() == 1
    assert page.locator(f'[data-item-id="{items[1].pk}"]').count() == 1
