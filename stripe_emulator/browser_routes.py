"""Pages a browser visits: hosted Checkout, the 3-D Secure test page, and Stripe.js."""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from stripe_emulator import checkout, hosted_checkout, pages, payment_intents
from stripe_emulator.responses import Response, html_response, redirect

if TYPE_CHECKING:
    from stripe_emulator.emulator import Emulator

STRIPE_JS_PATHS = ("/v3", "/v3/", "/v3/stripe.js", "/clover/stripe.js")
_STRIPE_JS = resources.files("stripe_emulator").joinpath("static/stripe.js").read_bytes()


def stripe_js() -> Response:
    """The Stripe.js stand-in, loadable from any origin."""
    return Response(
        200,
        _STRIPE_JS,
        {
            "Content-Type": "application/javascript; charset=utf-8",
            "Access-Control-Allow-Origin": "*",
            "Cache-Control": "no-cache",
        },
    )


def _not_found() -> Response:
    return html_response(
        pages.notice_page(
            "Something went wrong", "The page you were looking for could not be found."
        ),
        404,
    )


def checkout_page(
    emulator: Emulator, method: str, rest: str, body: bytes, base_url: str
) -> Response:
    """``/c/pay/{session_id}`` (GET shows, POST pays) and ``/c/pay/{id}/return`` after 3DS."""
    session_id, _, tail = rest.partition("/")
    with emulator.store.lock:
        found = emulator.store.find_anywhere(session_id)
        if found is None or found[1]["object"] != "checkout.session":
            return _not_found()
        account, session = found
        ctx = emulator.context(account, base_url)
        if session["status"] == checkout.OPEN and session["expires_at"] <= ctx.now():
            emulator.sweep()
        if session["status"] != checkout.OPEN:
            return html_response(pages.closed_session_page(session))
        error, values = None, {}
        if tail == "return" and method == "GET":
            outcome = hosted_checkout.after_authentication(ctx, session)
            if outcome.redirect:
                return redirect(outcome.redirect)
            error = outcome.error
        elif tail:
            return _not_found()
        elif method == "POST":
            values = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            outcome = hosted_checkout.pay(ctx, session, values)
            if outcome.redirect:
                return redirect(outcome.redirect)
            error = outcome.error
        items = checkout.items_of(ctx, session)
        return html_response(pages.checkout_page(session, items, error=error, values=values))


def receipt_page(emulator: Emulator, charge_id: str) -> Response:
    """``/receipts/payment/{charge}``: the page a succeeded charge's ``receipt_url`` opens."""
    with emulator.store.lock:
        found = emulator.store.find_anywhere(charge_id)
        if found is None or found[1]["object"] != "charge" or found[1]["status"] != "succeeded":
            return _not_found()
        return html_response(pages.receipt_page(found[1]))


def authentication_page(
    emulator: Emulator, method: str, intent_id: str, body: bytes, base_url: str
) -> Response:
    """``/3ds/{payment_intent}``: GET shows the challenge, POST completes or fails it."""
    with emulator.store.lock:
        found = emulator.store.find_anywhere(intent_id)
        if found is None or found[1]["object"] != "payment_intent":
            return _not_found()
        account, intent = found
        if method == "GET":
            if intent["status"] != payment_intents.REQUIRES_ACTION:
                return html_response(
                    pages.notice_page("Nothing to authenticate", "This payment needs no action.")
                )
            return html_response(pages.authentication_page(intent))
        form = dict(parse_qsl(body.decode("utf-8", "replace")))
        ctx = emulator.context(account, base_url)
        target = payment_intents.finish_authentication(
            ctx, intent, form.get("action") == "complete"
        )
        if target:
            return redirect(target)
        status = "succeeded" if intent["status"] == payment_intents.SUCCEEDED else "failed"
        return html_response(pages.notice_page("Authentication finished", f"Payment {status}."))
