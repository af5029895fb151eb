"""HTML of the hosted Checkout page and of the 3-D Secure test page.

Element ids mirror Stripe's own hosted Checkout (``cardNumber``, ``cardExpiry``, ``cardCvc``,
``billingName``, ``email``) so browser tests written against the emulator read naturally.
Every string that came from an API caller goes through :func:`html.escape`.
"""

from __future__ import annotations

from html import escape
from typing import Any

from stripe_emulator.currencies import format_amount

_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;background:#f6f9fc;color:#1a1f36}
.test-mode-banner{background:#ffde92;color:#a04f00;text-align:center;font-weight:700;
  padding:6px;letter-spacing:.1em}
main{display:flex;flex-wrap:wrap;gap:32px;max-width:960px;margin:24px auto;padding:0 16px}
section{flex:1 1 380px;background:#fff;border-radius:8px;padding:24px;
  box-shadow:0 1px 3px rgba(0,0,0,.1)}
.line-item{display:flex;gap:12px;align-items:center;margin-bottom:12px}
.line-image{width:48px;height:48px;object-fit:cover;border-radius:4px}
.line-details{flex:1}.line-description{color:#697386;font-size:.9em}
.summary-row{display:flex;justify-content:space-between;margin:6px 0}
.total-row{font-weight:700;font-size:1.2em;border-top:1px solid #e3e8ee;padding-top:8px}
label{display:block;margin-top:12px;font-size:.9em;color:#3c4257}
input{width:100%;box-sizing:border-box;padding:10px;border:1px solid #cfd7df;border-radius:6px;
  font-size:1em}
.card-row{display:flex;gap:8px}.SubmitButton{margin-top:20px;width:100%;padding:12px;
  background:#0074d4;color:#fff;border:0;border-radius:6px;font-size:1.1em;cursor:pointer}
.error{color:#df1b41;margin-top:12px}.notice{max-width:560px;margin:48px auto;text-align:center}
"""


def _document(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        "<div class='test-mode-banner' id='test-mode-banner'>TEST MODE</div>"
        f"{body}</body></html>"
    )


def _percent(value: float) -> str:
    return f"{value:g}%"


def _line_html(item: dict[str, Any]) -> str:
    product = item["_product"]
    currency = item["currency"]
    image = ""
    if product["images"]:
        image = f"<img class='line-image' src='{escape(product['images'][0])}' alt=''>"
    description = ""
    if product.get("description"):
        description = f"<div class='line-description'>{escape(product['description'])}</div>"
    return (
        f"<div class='line-item' data-line-item-id='{escape(item['id'])}'>{image}"
        f"<div class='line-details'><div class='line-name'>{escape(product['name'])}</div>"
        f"{description}<div class='line-quantity'>Qty {item['quantity']}</div>"
        f"<div class='line-unit-price'>"
        f"{escape(format_amount(item['price']['unit_amount'], currency))} each</div></div>"
        f"<div class='line-amount'>{escape(format_amount(item['amount_subtotal'], currency))}"
        "</div></div>"
    )


def _summary_html(session: dict[str, Any]) -> str:
    currency = session["currency"]
    rows = [
        "<div class='summary-row' id='subtotal'><span>Subtotal</span>"
        f"<span>{escape(format_amount(session['amount_subtotal'], currency))}</span></div>"
    ]
    breakdown = session["_breakdown"]
    for entry in breakdown["discounts"]:
        coupon = entry["discount"]["source"]["coupon"]
        name = coupon["name"] or coupon["id"]
        rows.append(
            "<div class='summary-row' id='discount'>"
            f"<span>Discount (<span class='discount-name'>{escape(name)}</span>)</span>"
            f"<span>-{escape(format_amount(entry['amount'], currency))}</span></div>"
        )
    for entry in breakdown["taxes"]:
        rate = entry["rate"]
        kind = "included" if rate["inclusive"] else "added"
        rows.append(
            f"<div class='summary-row tax-row' id='tax-{escape(rate['id'])}'>"
            f"<span><span class='tax-name'>{escape(rate['display_name'])}</span> "
            f"({_percent(rate['percentage'])} {kind})</span>"
            f"<span>{escape(format_amount(entry['amount'], currency))}</span></div>"
        )
    rows.append(
        "<div class='summary-row total-row' id='total'><span>Total due</span>"
        f"<span>{escape(format_amount(session['amount_total'], currency))}</span></div>"
    )
    return "".join(rows)


def checkout_page(
    session: dict[str, Any],
    items: list[dict[str, Any]],
    *,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> str:
    """The payment page of an open session, with an optional error from the last attempt."""
    values = values or {}
    back = ""
    if session["cancel_url"]:
        back = f"<a id='back-link' href='{escape(session['cancel_url'])}'>&larr; Back</a>"
    email = session["customer_email"] or values.get("email", "")
    email_lock = " readonly" if session["customer_email"] else ""

    def field(field_id: str, label: str, placeholder: str, autocomplete: str) -> str:
        return (
            f"<label for='{field_id}'>{label}</label><input id='{field_id}' name='{field_id}' "
            f"placeholder='{placeholder}' autocomplete='{autocomplete}' "
            f"value='{escape(values.get(field_id, ''))}'>"
        )

    error_html = f"<div id='card-errors' class='error' role='alert'>{escape(error or '')}</div>"
    body = (
        f"<main><section id='order-summary'>{back}<h1>Order summary</h1>"
        + "".join(_line_html(item) for item in items)
        + _summary_html(session)
        + f"</section><section id='payment'><h2>Pay with card</h2>"
        f"<form method='post' action='/c/pay/{escape(session['id'])}' id='payment-form'>"
        f"<label for='email'>Email</label><input id='email' name='email' type='email' "
        f"autocomplete='email' value='{escape(email)}'{email_lock}>"
        + field("cardNumber", "Card number", "1234 1234 1234 1234", "cc-number")
        + "<div class='card-row'><div>"
        + field("cardExpiry", "Expiration", "MM / YY", "cc-exp")
        + "</div><div>"
        + field("cardCvc", "CVC", "CVC", "cc-csc")
        + "</div></div>"
        + field("billingName", "Name on card", "Full name", "cc-name")
        + error_html
        + "<button type='submit' class='SubmitButton' "
        "data-testid='hosted-payment-submit-button'>Pay</button>"
        "</form></section></main>"
    )
    return _document("Checkout", body)


def notice_page(title: str, message: str) -> str:
    """A page with a single message: expired, completed or unknown sessions."""
    body = f"<div class='notice'><h1>{escape(title)}</h1><p id='notice'>{escape(message)}</p></div>"
    return _document(title, body)


def closed_session_page(session: dict[str, Any]) -> str:
    """What the session's link shows once it can no longer be paid."""
    if session["status"] == "complete":
        return notice_page("Payment complete", "This Checkout Session is complete. Thank you!")
    return notice_page(
        "Session expired", "This Checkout Session has expired. Please return to the store."
    )


def receipt_page(charge: dict[str, Any]) -> str:
    """What a charge's ``receipt_url`` shows: the amount paid, refunds and the card used."""
    currency = charge["currency"]
    card = charge["payment_method_details"]["card"]
    rows = [
        f"<p>Amount paid <strong id='receipt-amount'>"
        f"{escape(format_amount(charge['amount_captured'], currency))}</strong></p>",
        f"<p>Payment method <span id='receipt-card'>{escape(card['brand'].title())} "
        f"ending in {escape(card['last4'])}</span></p>",
    ]
    if charge["description"]:
        rows.append(f"<p id='receipt-description'>{escape(charge['description'])}</p>")
    if charge["amount_refunded"]:
        refunded = format_amount(charge["amount_refunded"], currency)
        rows.append(f"<p>Refunded <strong id='receipt-refunded'>{escape(refunded)}</strong></p>")
    body = "<div class='notice'><h1>Receipt</h1>" + "".join(rows) + "</div>"
    return _document("Receipt", body)


def authentication_page(intent: dict[str, Any]) -> str:
    """Stripe's 3-D Secure test page: the shopper approves or fails the challenge."""
    amount = format_amount(intent["amount"], intent["currency"])
    action = f"/3ds/{escape(intent['id'])}"
    body = (
        "<div class='notice'><h1>3D Secure 2 Test Page</h1>"
        f"<p>Authenticate a payment of <strong id='auth-amount'>{escape(amount)}</strong>. "
        "This is a test page: choose how the authentication ends.</p>"
        f"<form method='post' action='{action}'>"
        "<button type='submit' name='action' value='complete' id='test-source-authorize-3ds' "
        "class='SubmitButton'>Complete</button>"
        "<button type='submit' name='action' value='fail' id='test-source-fail-3ds' "
        "class='SubmitButton' style='background:#697386'>Fail</button></form></div>"
    )
    return _document("3D Secure 2 Test Page", body)
