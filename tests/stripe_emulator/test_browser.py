"""Real Chromium against the hosted Checkout page and the Stripe.js stand-in.

Each scenario runs Playwright's sync API in its own thread: the sync API refuses to start
in a thread that already runs another Playwright instance (such as a session-wide browser
of other browser tests), and a private thread keeps these tests independent of that.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .helpers import create_session, line

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

pytestmark = pytest.mark.browser


def run_in_browser(scenario: Callable) -> None:
    """Run ``scenario(page)`` in a fresh Chromium on a private thread; re-raise its failure."""
    from playwright.sync_api import sync_playwright

    failure: list[BaseException] = []

    def target() -> None:
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
                )
                try:
                    page = browser.new_page(viewport={"width": 1200, "height": 900})
                    page.set_default_timeout(10_000)
                    scenario(page)
                finally:
                    browser.close()
        except BaseException as error:
            failure.append(error)

    worker = threading.Thread(target=target, name="playwright")
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "browser scenario did not finish in 60 s"
    if failure:
        raise failure[0]


def screenshot(page, name: str) -> None:
    """Keep a picture of what the shopper saw (test-artifacts/ is git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"stripe-emulator-{name}.png"), full_page=True)


class StoreSite:
    """A stand-in for the store's origin: serves given HTML pages, 200 for anything else."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = urllib.parse.urlsplit(self.path).path
                body = site.pages.get(path, f"<h1 id='landed'>{path}</h1>").encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def store_site() -> Iterator[StoreSite]:
    """The store's origin, on another port than the emulator (so calls are cross-origin)."""
    site = StoreSite()
    yield site
    site.stop()


def _fill_hosted_form(page, number: str) -> None:
    page.fill("#email", "ann@example.com")
    page.fill("#cardNumber", number)
    page.fill("#cardExpiry", "12 / 34")
    page.fill("#cardCvc", "123")
    page.fill("#billingName", "Ann Example")


def test_hosted_checkout_declines_then_pays(client, store_site):
    vat = client.v1.tax_rates.create(
        params={"display_name": "VAT", "percentage": 20, "inclusive": True}
    )
    session = create_session(
        client,
        [line("usd", 2500, 2, "Canvas Tote", tax_rates=[vat.id])],
        success_url=store_site.origin + "/success?session_id={CHECKOUT_SESSION_ID}",
        cancel_url=store_site.origin + "/cart",
    )

    def scenario(page) -> None:
        page.goto(session.url)
        assert page.locator(".test-mode-banner").inner_text() == "TEST MODE"
        assert "Canvas Tote" in page.locator(".line-item").inner_text()
        assert "$50.00" in page.locator("#total").inner_text()
        _fill_hosted_form(page, "4000 0000 0000 0002")
        page.get_by_role("button", name="Pay", exact=True).click()
        page.wait_for_selector("#card-errors:has-text('Your card was declined.')")
        assert page.url == session.url
        screenshot(page, "hosted-declined")
        page.fill("#cardNumber", "4242 4242 4242 4242")
        page.get_by_role("button", name="Pay", exact=True).click()
        page.wait_for_url(f"{store_site.origin}/success?session_id={session.id}")
        assert page.locator("#landed").inner_text() == "/success"
        screenshot(page, "hosted-success-landing")

    run_in_browser(scenario)
    done = client.v1.checkout.sessions.retrieve(session.id)
    assert (done.status, done.payment_status) == ("complete", "paid")


def test_redirect_to_checkout_and_back_link_to_cancel_url(emulator, client, store_site):
    session = create_session(client, [line("eur", 1000)], cancel_url=store_site.origin + "/cart")
    store_site.pages["/legacy"] = (
        f"<script src='{emulator.base_url}/v3/'></script><script>"
        f"Stripe('pk_test_usd').redirectToCheckout({{sessionId: '{session.id}'}});</script>"
    )

    def scenario(page) -> None:
        page.goto(store_site.origin + "/legacy")
        page.wait_for_url(session.url)
        page.click("#back-link")
        page.wait_for_url(store_site.origin + "/cart")

    run_in_browser(scenario)


PAYMENT_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<script src="{base}/clover/stripe.js"></script></head><body>
<form id="payment-form"><div id="payment-element"></div>
<button id="submit" type="submit">Pay now</button></form><pre id="result"></pre>
<script>
  const stripe = Stripe("pk_test_usd");
  const elements = stripe.elements({{clientSecret: "{secret}", appearance: {{theme: "stripe"}}}});
  const paymentElement = elements.create("payment");
  paymentElement.on("ready", () => {{ document.body.dataset.ready = "yes"; }});
  paymentElement.mount("#payment-element");
  document.getElementById("payment-form").addEventListener("submit", async (event) => {{
    event.preventDefault();
    const result = await stripe.confirmPayment({{
      elements,
      confirmParams: {{return_url: window.location.origin + "/complete?from=test"}},
      redirect: "{redirect}",
    }});
    document.getElementById("result").textContent = JSON.stringify(
      result.error ? {{error: result.error}} : {{status: result.paymentIntent.status}});
  }});
</script></body></html>"""


def _payment_page(site: StoreSite, emulator, intent, redirect: str) -> str:
    site.pages["/pay"] = PAYMENT_PAGE.format(
        base=emulator.base_url, secret=intent.client_secret, redirect=redirect
    )
    return site.origin + "/pay"


def _fill_payment_element(page, number: str) -> None:
    page.wait_for_selector("body[data-ready='yes']")
    page.fill("#payment-element-card-number", number)
    page.fill("#payment-element-card-expiry", "12 / 34")
    page.fill("#payment-element-card-cvc", "123")


def test_payment_element_pays_and_redirects_with_the_three_parameters(emulator, client, store_site):
    intent = client.v1.payment_intents.create(params={"amount": 4200, "currency": "usd"})
    url = _payment_page(store_site, emulator, intent, "always")

    def scenario(page) -> None:
        page.goto(url)
        status = page.evaluate(
            "async (secret) => (await Stripe('pk_test_usd').retrievePaymentIntent(secret))"
            ".paymentIntent.status",
            intent.client_secret,
        )
        assert status == "requires_payment_method"
        assert page.evaluate("async () => JSON.stringify(await elements.fetchUpdates())") == "{}"
        assert page.locator("input[name='number']").count() == 1
        _fill_payment_element(page, "4242 4242 4242 4242")
        screenshot(page, "payment-element-filled")
        page.click("#submit")
        page.wait_for_url(f"{store_site.origin}/complete?**")
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(page.url).query))
        assert query == {
            "from": "test",
            "payment_intent": intent.id,
            "payment_intent_client_secret": intent.client_secret,
            "redirect_status": "succeeded",
        }

    run_in_browser(scenario)
    assert client.v1.payment_intents.retrieve(intent.id).status == "succeeded"


def test_payment_element_decline_resolves_error_when_redirect_if_required(
    emulator, client, store_site
):
    intent = client.v1.payment_intents.create(params={"amount": 4200, "currency": "usd"})
    url = _payment_page(store_site, emulator, intent, "if_required")

    def scenario(page) -> None:
        page.goto(url)
        _fill_payment_element(page, "4000 0000 0000 0002")
        page.click("#submit")
        page.wait_for_selector("#result:not(:empty)")
        error = json.loads(page.locator("#result").inner_text())["error"]
        assert (error["type"], error["code"], error["decline_code"]) == (
            "card_error",
            "card_declined",
            "generic_decline",
        )
        assert error["message"] == "Your card was declined."
        assert page.locator("#payment-element-error").inner_text() == "Your card was declined."
        assert page.url == url
        screenshot(page, "payment-element-declined")
        page.fill("#payment-element-card-number", "4242424242424242")
        page.click("#submit")
        page.wait_for_selector("#result:has-text('succeeded')")

    run_in_browser(scenario)
    assert client.v1.payment_intents.retrieve(intent.id).status == "succeeded"


def test_payment_element_three_d_secure_goes_through_the_authentication_page(
    emulator, client, store_site
):
    intent = client.v1.payment_intents.create(params={"amount": 4200, "currency": "usd"})
    url = _payment_page(store_site, emulator, intent, "always")

    def scenario(page) -> None:
        page.goto(url)
        _fill_payment_element(page, "4000 0025 0000 3155")
        page.click("#submit")
        page.wait_for_url(f"{emulator.base_url}/3ds/{intent.id}")
        screenshot(page, "three-d-secure")
        page.get_by_role("button", name="Complete").click()
        page.wait_for_url(f"{store_site.origin}/complete?**")
        assert "redirect_status=succeeded" in page.url

    run_in_browser(scenario)
    assert client.v1.payment_intents.retrieve(intent.id).status == "succeeded"
