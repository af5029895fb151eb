"""Every page a shopper sees, checked with axe-core in real Chromium, plus the keyboard's
skip link and an item page without a picture.

axe-core comes from npm at the version package-lock.json pins (`make test` installs it).
"""

import json
import urllib.request
from pathlib import Path

import pytest

from commerce.models import Order, OrderStatus
from tests.factories import CatalogPageFactory, ImageFactory, ItemPageFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")
# Rules whose findings are only "moderate" or "minor" to axe, but which this store keeps
# at zero: one h1 and no skipped heading levels, no picture repeating its link's text,
# a working skip link, every piece of content inside a landmark.
ALWAYS_ENFORCED_RULES = (
    "heading-order",
    "page-has-heading-one",
    "image-redundant-alt",
    "skip-link",
    "region",
    "landmark-one-main",
)


@pytest.fixture
def axe_page(browser):
    """A page whose context ignores any Content-Security-Policy, so axe can be injected."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing; `make test` installs axe-core (npm ci).")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    browser_page = context.new_page()
    browser_page.set_default_timeout(15_000)
    yield browser_page
    context.close()


def axe_problems(page, url):
    """axe's violations on the page at `url` that this store does not accept."""
    page.goto(url)
    page.add_script_tag(path=str(AXE_JS))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(node["html"][:120] for node in violation["nodes"][:3])
        for violation in results["violations"]
        if violation["impact"] in BLOCKING_IMPACTS or violation["id"] in ALWAYS_ENFORCED_RULES
    ]


@pytest.fixture
def shop(home_page):
    catalog = CatalogPageFactory(parent=home_page, title="Kitchen", intro="<p>Pots and pans.</p>")
    CatalogPageFactory(parent=catalog, title="Knives")
    # Pictures are often titled like their item: the card must not say it twice.
    with_image = ItemPageFactory(
        parent=catalog,
        title="Enamel Mug",
        price_amount=1450,
        image=ImageFactory(title="Enamel Mug"),
    )
    without_image = ItemPageFactory(
        parent=catalog,
        title="Gift Card",
        price_amount=2500,
        description="<p>" + "A card to spend in the shop on anything you like. " * 12 + "</p>",
    )
    ItemPageFactory(parent=catalog, title="Museum Piece", available_for_sale=False)
    return catalog, with_image, without_image


def test_shopper_pages_have_no_serious_accessibility_violations(live_server, axe_page, shop):
    catalog, with_image, without_image = shop
    pages = {
        "home": "/",
        "catalog": catalog.url,
        "item with picture": with_image.url,
        "item without picture": without_image.url,
        "checkout canceled notice": with_image.url + "?checkout=canceled",
        "item list": "/v2/item/list/",
        "search results": "/search/?query=mug",
        "search without results": "/search/?query=zebra",
        "search form": "/search/",
        "not found": "/no-such-page/",
    }
    problems = {
        name: found
        for name, path in pages.items()
        if (found := axe_problems(axe_page, live_server.url + path))
    }
    assert problems == {}


def test_checkout_result_pages_have_no_serious_accessibility_violations(
    live_server, axe_page, shop, stripe_emulator
):
    _, item, _ = shop
    with urllib.request.urlopen(f"{live_server.url}/v1/buy/{item.pk}/", timeout=10) as answer:
        session_id = json.loads(answer.read())["sessionId"]
    success_url = f"{live_server.url}/checkout/success/?session_id={session_id}"

    assert axe_problems(axe_page, success_url) == []  # not paid yet
    assert "not confirmed yet" in axe_page.locator("h1").inner_text()

    request = urllib.request.Request(
        f"{stripe_emulator.base_url}/_emulator/checkout/sessions/{session_id}/pay",
        data=json.dumps({"card_number": "4242424242424242", "email": "a@example.com"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=10).close()
    assert axe_problems(axe_page, success_url) == []
    assert "payment was received" in axe_page.locator("h1").inner_text()
    assert Order.objects.get().status == OrderStatus.PAID


def test_the_skip_link_is_the_first_stop_and_moves_focus_to_the_content(
    live_server, axe_page, shop
):
    catalog, _, _ = shop
    axe_page.goto(live_server.url + catalog.url)
    skip_link = axe_page.locator(".skip-link")
    assert skip_link.bounding_box()["y"] < 0, "out of sight until the keyboard reaches it"
    axe_page.keyboard.press("Tab")
    focused = axe_page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    assert skip_link.bounding_box()["y"] >= 0, "in sight once focused"
    axe_page.keyboard.press("Enter")
    assert axe_page.evaluate("document.activeElement.id") == "main"


def test_an_item_without_a_picture_uses_the_whole_row(live_server, axe_page, shop):
    _, with_image, without_image = shop

    def boxes(url):
        axe_page.goto(live_server.url + url)
        article = axe_page.locator(".item-detail").bounding_box()
        body = axe_page.locator(".item-detail__body").bounding_box()
        return article, body

    article, body = boxes(without_image.url)
    assert axe_page.locator(".item-detail__media").count() == 0
    assert abs(body["x"] - article["x"]) < 1, "the text starts where the article starts"
    assert body["width"] > 0.6 * article["width"]
    axe_page.screenshot(path=str(screenshot_dir() / "item-without-picture.png"), full_page=True)

    article, body = boxes(with_image.url)
    assert body["x"] > article["x"] + article["width"] / 3, "pictures keep their column"


def screenshot_dir():
    from tests.browser.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
