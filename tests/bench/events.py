"""Stripe events for the webhook rounds, signed as Stripe signs them, one per line of a
file the wrk script reads ("<Stripe-Signature>\t<JSON body>")."""

from __future__ import annotations

from pathlib import Path

from tests.stripe_signing import event_payload, signature_header

from .seed import PendingOrder


def checkout_completed(order: PendingOrder, number: int) -> tuple[str, bytes]:
    """The `checkout.session.completed` event that pays `order`: (event id, body)."""
    event_id = f"evt_bench_{number:07d}_{order.session_id[-12:]}"
    session = {
        "id": order.session_id,
        "object": "checkout.session",
        "status": "complete",
        "payment_status": "paid",
        "amount_total": order.amount,
        "currency": order.currency.lower(),
        "client_reference_id": order.reference,
        "metadata": {"order_reference": order.reference},
        "payment_intent": f"pi_bench_{number:07d}",
        "customer_details": {"email": "shopper@example.com"},
    }
    return event_id, event_payload(event_id, "checkout.session.completed", session)


def write_events_file(path: Path, bodies: list[bytes], secret: str) -> None:
    """Each body signed now (Stripe signs every delivery, a retry included, afresh)."""
    with path.open("w", encoding="utf-8") as lines:
        for body in bodies:
            if b"\n" in body or b"\t" in body:
                raise ValueError("an event body must fit on one line")
            lines.write(f"{signature_header(body, secret)}\t{body.decode()}\n")
