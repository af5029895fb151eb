"""Order state changes: placing an order, starting its payment, marking it paid or expired.

Each change runs in one transaction and locks the order row it changes, because
webhooks, the success page and the shopper's own retries may touch the same order at
the same moment. Stripe is never called while a row lock is held: the order is written
first (so a purchase exists whatever Stripe says), the Stripe call happens outside any
transaction, and its result is stored in a second, short one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from . import signals
from .models import ItemPage, Order, OrderLine, OrderStatus, PaymentFlow
from .payments import gateway
from .payments.accounts import StripeAccount, account_for_currency
from .payments.checkout import checkout_session_params
from .payments.exceptions import PaymentError

logger = logging.getLogger(__name__)

# A session about to expire is not handed out again: the shopper needs time to pay.
REUSE_MARGIN = timedelta(minutes=5)


class ItemNotForSale(Exception):
    """The item is unpublished or marked not for sale."""


@dataclass(frozen=True)
class CheckoutUrls:
    """Absolute URLs Stripe Checkout sends the shopper back to, and the item's picture."""

    success_url: str
    cancel_url: str
    image_url: str | None = None


def buy_now(item: ItemPage, shopper_key: str, urls: CheckoutUrls, user: Any = None) -> Order:
    """A pending one-item order with an open Checkout Session, reused while it stays open.

    The same shopper asking again for the same item (a reload, a double click, a
    crawler that ignored robots.txt) gets the same order and session back instead of a
    new pile of orders. Raises `ItemNotForSale` or a `PaymentError`; after a payment
    error the order is marked failed (nobody can pay it) and the next request starts a
    new one.
    """
    if not (item.live and item.available_for_sale):
        raise ItemNotForSale(item.pk)
    account = account_for_currency(item.currency)
    order = _open_buy_now_order(item, shopper_key, account, user)
    if _has_usable_session(order):
        return order
    return _start_checkout_session(order, account, [(order.lines.get(), urls.image_url)], urls)


def _has_usable_session(order: Order) -> bool:
    return bool(
        order.stripe_checkout_session_id
        and order.checkout_url
        and order.checkout_expires_at
        and order.checkout_expires_at > timezone.now() + REUSE_MARGIN
    )


def _open_buy_now_order(
    item: ItemPage, shopper_key: str, account: StripeAccount, user: Any
) -> Order:
    open_key = f"buy-now:{shopper_key}:{item.pk}"
    with transaction.atomic():
        existing = Order.objects.select_for_update().filter(open_key=open_key).first()
        if existing is not None:
            if _still_matches(existing, item):
                return existing
            # Price or currency changed, or its session is closing: leave it to its fate
            # (it can still be paid or expire) and start afresh.
            existing.open_key = None
            existing.save(update_fields=["open_key", "updated_at"])
        try:
            with transaction.atomic():
                order = Order.objects.create(
                    status=OrderStatus.PENDING,
                    currency=item.currency,
                    subtotal_amount=item.price_amount,
                    total_amount=item.price_amount,
                    shopper_key=shopper_key,
                    open_key=open_key,
                    user=user if getattr(user, "is_authenticated", False) else None,
                    payment_flow=PaymentFlow.CHECKOUT_SESSION,
                    stripe_account=account.label,
                )
                OrderLine.objects.create(
                    order=order,
                    item=item,
                    title=item.title,
                    sku=item.sku,
                    unit_amount=item.price_amount,
                    quantity=1,
                )
        except IntegrityError:
            # A concurrent request of the same shopper created it a moment ago.
            return Order.objects.get(open_key=open_key)
        transaction.on_commit(lambda: signals.order_placed.send(sender=Order, order=order))
        return order


def _still_matches(order: Order, item: ItemPage) -> bool:
    if order.status != OrderStatus.PENDING or order.currency != item.currency:
        return False
    if order.total_amount != item.price_amount:
        return False
    if order.stripe_checkout_session_id and not _has_usable_session(order):
        return False
    return True


def _start_checkout_session(
    order: Order,
    account: StripeAccount,
    lines: list[tuple[OrderLine, str | None]],
    urls: CheckoutUrls,
) -> Order:
    # Every attempt gets its own idempotency key; stripe-python's own retries of one
    # attempt reuse it, so a retried request never creates a second session.
    Order.objects.filter(pk=order.pk).update(checkout_attempts=F("checkout_attempts") + 1)
    order.refresh_from_db(fields=["checkout_attempts"])
    expires_at = timezone.now() + timedelta(minutes=settings.COMMERCE_CHECKOUT_SESSION_MINUTES)
    params = checkout_session_params(
        order,
        lines,
        success_url=urls.success_url,
        cancel_url=urls.cancel_url,
        expires_at=expires_at,
    )
    try:
        session = gateway.create_checkout_session(
            account,
            params,
            idempotency_key=f"order-{order.reference}-checkout-{order.checkout_attempts}",
        )
    except PaymentError:
        _fail_order_without_session(order)
        raise
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        locked.stripe_checkout_session_id = session["id"]
        locked.checkout_url = session.get("url") or ""
        locked.checkout_expires_at = datetime.fromtimestamp(session["expires_at"], tz=UTC)
        locked.save(
            update_fields=[
                "stripe_checkout_session_id",
                "checkout_url",
                "checkout_expires_at",
                "updated_at",
            ]
        )
    return locked


def _fail_order_without_session(order: Order) -> None:
    """No session was made, so nobody can pay this order: mark it failed and free its
    place, so the shopper's next try starts cleanly (their session cookie may not even
    have been set, since error responses do not save sessions)."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status == OrderStatus.PENDING and not locked.stripe_checkout_session_id:
            _transition(locked, OrderStatus.FAILED)


def find_order_for_checkout_session(session: dict[str, Any]) -> Order | None:
    """The order a session pays: by session id, else by the order id we put in it."""
    order = Order.objects.filter(stripe_checkout_session_id=session.get("id")).first()
    if order is not None:
        return order
    reference = session.get("client_reference_id") or (session.get("metadata") or {}).get(
        "order_id"
    )
    if reference and str(reference).isdigit():
        return Order.objects.filter(pk=int(reference)).first()
    return None


def apply_checkout_session(
    account_label: str, session: dict[str, Any], stripe_event_id: str | None = None
) -> tuple[Order | None, str]:
    """Bring our order in line with what Stripe says about its Checkout Session.

    Safe to call any number of times, in any order, from webhooks and from the success
    page. Returns the order (if any) and a short outcome for the event log.
    """
    found = find_order_for_checkout_session(session)
    if found is None:
        return None, "no matching order"
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=found.pk)
        if order.stripe_account != account_label:
            logger.warning(
                "Checkout session %s came from account %s but order %s belongs to %s",
                session.get("id"),
                account_label,
                order.pk,
                order.stripe_account,
            )
            return None, "account mismatch"
        status = session.get("status")
        if status == "complete" and session.get("payment_status") in (
            "paid",
            "no_payment_required",
        ):
            return order, _mark_paid(order, session, stripe_event_id)
        if status == "expired" and order.stripe_checkout_session_id == session.get("id"):
            return order, _transition(order, OrderStatus.EXPIRED)
        return order, f"no change (session {status}, payment {session.get('payment_status')})"


def _mark_paid(order: Order, session: dict[str, Any], stripe_event_id: str | None) -> str:
    currency = str(session.get("currency") or "").upper()
    if session.get("amount_total") != order.total_amount or currency != order.currency:
        logger.error(
            "Order %s: Stripe says %s %s was paid, the order expects %s %s",
            order.pk,
            session.get("amount_total"),
            currency,
            order.total_amount,
            order.currency,
        )
        return "amount mismatch"
    if order.status == OrderStatus.PAID:
        return "already paid"
    order.stripe_checkout_session_id = session.get("id")
    order.stripe_payment_intent_id = _id_of(session.get("payment_intent"))
    if session.get("customer_details") and not order.email:
        order.email = (session["customer_details"] or {}).get("email") or ""
    outcome = _transition(order, OrderStatus.PAID)
    if order.status == OrderStatus.PAID:
        transaction.on_commit(
            lambda: signals.order_paid.send(
                sender=Order, order=order, stripe_event_id=stripe_event_id
            )
        )
    return outcome


def _id_of(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("id")
    return value or None


def _transition(order: Order, status: str) -> str:
    """Move a locked order to `status` if the status table allows it; saves the order."""
    if order.status == status:
        return f"already {status}"
    if not order.can_become(status):
        return f"ignored: {order.status} cannot become {status}"
    previous = order.status
    order.status = status
    if status == OrderStatus.PAID:
        order.paid_at = timezone.now()
    if status != OrderStatus.PENDING:
        order.open_key = None
    order.save()
    return f"{previous} -> {status}"
