"""What happens when a shopper submits the hosted Checkout page or returns from 3-D Secure."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from stripe_emulator import cards, checkout, payment_intents, payment_methods
from stripe_emulator.context import RequestContext
from stripe_emulator.errors import StripeError

AUTHENTICATION_FAILED = (
    "We are unable to authenticate your payment method. Please choose a different payment "
    "method and try again."
)


@dataclass
class Outcome:
    """Either a place to send the browser, or an error to show on the page."""

    redirect: str | None = None
    error: str | None = None


@dataclass
class _CardForm:
    number: str
    month: int
    year: int
    email: str
    name: str


def _validate(form: dict[str, str], session: dict[str, Any], now: int) -> _CardForm | str:
    """The submitted card details, or the message explaining what is wrong with them."""
    email = (session["customer_email"] or form.get("email", "")).strip()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        return "Your email address is invalid."
    number = cards.normalise_number(form.get("cardNumber", ""))
    if not cards.passes_luhn(number):
        return "Your card number is invalid."
    expiry = re.fullmatch(r"\s*(\d{1,2})\s*/?\s*(\d{2}|\d{4})\s*", form.get("cardExpiry", ""))
    if not expiry:
        return "Your card's expiration date is incomplete."
    month, year = int(expiry.group(1)), int(expiry.group(2)) % 100 + 2000
    today = time.gmtime(now)
    if not 1 <= month <= 12:
        return "Your card's expiration date is invalid."
    if (year, month) < (today.tm_year, today.tm_mon):
        return "Your card's expiration year is in the past."
    if not re.fullmatch(r"\d{3,4}", form.get("cardCvc", "").strip()):
        return "Your card's security code is incomplete."
    name = form.get("billingName", "").strip()
    if not name:
        return "Your name is incomplete."
    return _CardForm(number, month, year, email, name)


def pay(ctx: RequestContext, session: dict[str, Any], form: dict[str, str]) -> Outcome:
    """Charge the card typed into the hosted page and complete the session if it succeeds."""
    if session["status"] != checkout.OPEN:
        return Outcome(error="This Checkout Session is no longer active.")
    checked = _validate(form, session, ctx.now())
    if isinstance(checked, str):
        return Outcome(error=checked)
    details = {
        "address": None,
        "business_name": None,
        "email": checked.email,
        "individual_name": None,
        "name": checked.name,
        "phone": None,
        "tax_exempt": "none",
        "tax_ids": [],
    }
    session["_customer_details"] = details
    if session["amount_total"] == 0:
        checkout.complete(ctx, session, None, details)
        return Outcome(redirect=checkout.success_redirect(session) or session_page(ctx, session))
    intent = _intent_for(ctx, session, checked.email)
    method = payment_methods.build(
        ctx,
        checked.number,
        checked.month,
        checked.year,
        {"email": checked.email, "name": checked.name},
    )
    try:
        payment_intents.attempt(ctx, intent, method)
    except StripeError as decline:
        return Outcome(error=decline.message)
    if intent["status"] == payment_intents.REQUIRES_ACTION:
        return Outcome(redirect=intent["next_action"]["redirect_to_url"]["url"])
    return _finish(ctx, session, intent)


def _intent_for(ctx: RequestContext, session: dict[str, Any], email: str) -> dict[str, Any]:
    if session["_payment_intent"]:
        intent = ctx.store.get(ctx.account, session["_payment_intent"], "payment_intent")
    else:
        intent_id = payment_intents.new_id("pi")
        intent = payment_intents.new_intent(
            ctx, intent_id, session["amount_total"], session["currency"]
        )
        intent.update(
            metadata=dict(session["_intent_metadata"]),
            description=session["_intent_description"],
        )
        ctx.store.add(ctx.account, intent)
        session["_payment_intent"] = intent_id
        ctx.emit("payment_intent.created", intent)
    intent["receipt_email"] = email
    intent["_return_url"] = f"{session_page(ctx, session)}/return"
    return intent


def _finish(ctx: RequestContext, session: dict[str, Any], intent: dict[str, Any]) -> Outcome:
    checkout.complete(ctx, session, intent, session["_customer_details"])
    return Outcome(redirect=checkout.success_redirect(session) or session_page(ctx, session))


def after_authentication(ctx: RequestContext, session: dict[str, Any]) -> Outcome:
    """The shopper is back from the 3-D Secure page: complete the session or explain."""
    intent_id = session["_payment_intent"]
    if session["status"] != checkout.OPEN or not intent_id:
        return Outcome(redirect=session_page(ctx, session))
    intent = ctx.store.get(ctx.account, intent_id, "payment_intent")
    if intent["status"] == payment_intents.SUCCEEDED:
        return _finish(ctx, session, intent)
    return Outcome(error=AUTHENTICATION_FAILED)


def session_page(ctx: RequestContext, session: dict[str, Any]) -> str:
    """The hosted page address of a session."""
    return f"{ctx.base_url}/c/pay/{session['id']}"
