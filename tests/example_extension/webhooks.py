"""A webhook handler for an event the store itself ignores: a welcome mail for each
customer Stripe creates. It runs in the transaction that stores the event, and its
outcome is written in the store's event log."""

from __future__ import annotations

from typing import Any

from django.core.mail import send_mail

from commerce.webhooks import register_handler

WELCOME_SUBJECT = "Welcome to the store"


@register_handler("customer.created")
def welcome_customer(account: Any, customer: dict[str, Any], event_id: str) -> tuple[None, str]:
    email = customer.get("email")
    if not email:
        return None, "example: customer without an email"
    send_mail(WELCOME_SUBJECT, "Thank you for joining us.", None, [email])
    return None, f"example: welcomed {customer['id']}"
