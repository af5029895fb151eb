"""The Content-Security-Policy in a real browser: the storefront's Buy script runs and
reaches Checkout, the Wagtail admin's editor works, and Chromium reports no violation."""

import pytest

from tests.factories import ItemPageFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
    window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture
def watched_page(page):
    """The browser page, recording every CSP violation and console error."""
    page.add_init_script(RECORD_VIOLATIONS)
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.console_errors = errors
    return page


def violations(page):
    return page.evaluate("window.__cspViolations") + [
        text for text in page.console_errors if "Content Security Policy" in text
    ]


def test_buy_script_runs_under_the_policy(live_server, watched_page, stripe_emulator, catalog):
    item = ItemPageFactory(parent=catalog, title="Copper Kettle", price_amount=3900)
    page = watched_page
    page.goto(live_server.url + item.url)
    assert page.evaluate("document.querySelector('meta') !== null")
    assert violations(page) == []

    # buy.js fetches the JSON endpoint (the form fallback would POST), then follows the url.
    with page.expect_request(lambda request: "/v1/buy/" in request.url) as buying:
        page.click("button.buy-button")
    assert buying.value.method == "GET"
    page.wait_for_url(f"{stripe_emulator.base_url}/c/pay/**")
    assert "Copper Kettle" in page.content()


def test_wagtail_admin_editor_works_under_the_policy(
    live_server, watched_page, catalog, django_user_model
):
    item = ItemPageFactory(parent=catalog, title="Brass Lamp")
    django_user_model.objects.create_superuser("boss", "boss@example.com", "a-long-password")
    page = watched_page
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "a-long-password")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")

    page.goto(live_server.url + f"/admin/pages/{item.pk}/edit/")
    page.wait_for_load_state("networkidle")
    # Wagtail's scripts ran: the editor's tabs and the rich text editor are live.
    page.locator(".Draftail-Editor").first.wait_for()
    page.get_by_role("tab", name="Promote").click()
    page.locator("#id_slug").wait_for()
    # The live preview: the storefront page inside the admin's own frame.
    page.click("[data-side-panel-toggle='preview']")
    preview = page.frame_locator("iframe[title='Preview']").last
    preview.locator("h1", has_text="Brass Lamp").wait_for()
    assert violations(page) == []

    for url in ("/admin/", "/admin/images/", "/admin/snippets/commerce/order/"):
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
        assert violations(page) == [], url
