"""Order state changes: placing an order, starting its payment, marking it paid, failed or
expired (a payment taken twice is handed to `refunds`).

Each change runs in one transaction and locks the order row it changes, because
webhooks, the success page and the shopper's own retries may touch the same order at
the same moment. Stripe is never called while a row lock is held: the order is written
first (so a purchase exists whatever Stripe says), the Stripe call happens outside any
transaction, and its result is stored in a second, short one.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import refunds, signals
from .models import ItemPage, Order, OrderLine, OrderStatus, PaymentFlow, Refund
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
    new pile of orders, however many requests arrive at once: they share one order (its
    `open_key` is unique) and one checkout attempt, hence one idempotency key, so Stripe
    answers them all with one session. Raises `ItemNotForSale` or a `PaymentError`;
    after a payment error the order is marked failed (nobody can pay it) and the next
    request starts a new one.
    """
    if not (item.live and item.available_for_sale):
        raise ItemNotForSale(item.pk)
    account = account_for_currency(item.currency)
    order, attempt = _claim_buy_now_order(item, shopper_key, account, user)
    if attempt is None:
        return order
    return _start_checkout_session(
        order, account, attempt, [(order.lines.get(), urls.image_url)], urls
    )


@dataclass(frozen=True)
class CheckoutAttempt:
    """One try at creating an order's Checkout Session. Its number names the idempotency
    key and its expiry is fixed when it starts, so every request joining it sends Stripe
    byte-identical parameters."""

    number: int
    expires_at: datetime


def _has_usable_session(order: Order) -> bool:
    return bool(
        order.stripe_checkout_session_id
        and order.checkout_url
        and order.checkout_expires_at
        and order.checkout_expires_at > timezone.now() + REUSE_MARGIN
    )


def _claim_buy_now_order(
    item: ItemPage, shopper_key: str, account: StripeAccount, user: Any
) -> tuple[Order, CheckoutAttempt | None]:
    """The shopper's open order for `item`, locked, and the attempt to join (None when the
    order already has a usable session). One transaction, so concurrent requests queue on
    the order's row and see each other's attempt."""
    open_key = f"buy-now:{shopper_key}:{item.pk}"
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(open_key=open_key).first()
        if order is not None and not _still_matches(order, item):
            # Price or currency changed, or its session is closing: leave it to its fate
            # (it can still be paid or expire) and start afresh.
            order.open_key = None
            order.save(update_fields=["open_key", "updated_at"])
            order = None
        if order is None:
            order = _place_buy_now_order(item, shopper_key, open_key, account, user)
        return order, _checkout_attempt(order)


def _place_buy_now_order(
    item: ItemPage, shopper_key: str, open_key: str, account: StripeAccount, user: Any
) -> Order:
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
        # A concurrent request of the same shopper created it a moment ago (PostgreSQL
        # makes this insert wait for that transaction, so its order is visible now).
        return Order.objects.select_for_update().get(open_key=open_key)
    transaction.on_commit(lambda: signals.order_placed.send(sender=Order, order=order))
    return order


def _checkout_attempt(order: Order) -> CheckoutAttempt | None:
    """Join the order's attempt in flight, or start one; None if a session is usable.

    `order` is locked. An attempt without a session is in flight for at most one Stripe
    operation's deadline; past that, its worker died, and a new attempt starts (Stripe
    still answers the old key with its session if one was made; reconcile_orders expires
    such orphans).
    """
    if _has_usable_session(order):
        return None
    if order.checkout_attempts and order.checkout_expires_at and attempt_in_flight(order):
        return CheckoutAttempt(order.checkout_attempts, order.checkout_expires_at)
    now = timezone.now()
    order.checkout_attempts += 1
    order.checkout_attempt_started_at = now
    # Whole seconds: Stripe takes a Unix timestamp, and the stored value must be the one sent.
    order.checkout_expires_at = (
        now + timedelta(minutes=settings.COMMERCE_CHECKOUT_SESSION_MINUTES)
    ).replace(microsecond=0)
    order.save(
        update_fields=[
            "checkout_attempts",
            "checkout_attempt_started_at",
            "checkout_expires_at",
            "updated_at",
        ]
    )
    return CheckoutAttempt(order.checkout_attempts, order.checkout_expires_at)


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
    attempt: CheckoutAttempt,
    lines: list[tuple[OrderLine, str | None]],
    urls: CheckoutUrls,
) -> Order:
    # One idempotency key per attempt: requests joining the attempt, and stripe-python's
    # own retries, all get the attempt's one session back.
    params = checkout_session_params(
        order,
        lines,
        success_url=urls.success_url,
        cancel_url=urls.cancel_url,
        expires_at=attempt.expires_at,
    )
    try:
        session = gateway.create_checkout_session(
            account,
            params,
            idempotency_key=f"order-{order.reference}-checkout-{attempt.number}",
        )
    except PaymentError:
        _fail_order_without_session(order, attempt)
        raise
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.stripe_checkout_session_id not in (None, session["id"]):
            logger.warning(
                "Order %s already has session %s; session %s is left to expire",
                order.pk,
                locked.stripe_checkout_session_id,
                session["id"],
            )
            return locked
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


def _fail_order_without_session(order: Order, attempt: CheckoutAttempt) -> None:
    """No session was made, so nobody can pay this order: mark it failed and free its
    place, so the shopper's next try starts cleanly (their session cookie may not even
    have been set, since error responses do not save sessions). Only while the failed
    attempt is still the order's latest: a newer one speaks for itself."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if (
            locked.status == OrderStatus.PENDING
            and not locked.stripe_checkout_session_id
            and locked.checkout_attempts == attempt.number
        ):
            _transition(locked, OrderStatus.FAILED)


def fail_sessionless_order(order: Order) -> str:
    """A pending order that never got a session cannot be paid: fail it, unless an attempt
    is still in flight (a request is waiting for Stripe right now)."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status != OrderStatus.PENDING or locked.stripe_checkout_session_id:
            return f"no change ({locked.status}, session {locked.stripe_checkout_session_id})"
        if attempt_in_flight(locked):
            return "no change (its checkout attempt is in flight)"
        return _transition(locked, OrderStatus.FAILED)


def attempt_in_flight(order: Order) -> bool:
    """Whether a request may still be waiting for Stripe to create the order's session."""
    started = order.checkout_attempt_started_at
    deadline = timedelta(seconds=gateway.operation_deadline_seconds())
    return bool(
        started and not order.stripe_checkout_session_id and started > timezone.now() - deadline
    )


def find_order_for_checkout_session(session: dict[str, Any]) -> Order | None:
    """The order a session pays: by session id, else by the order reference we gave it.

    Only the reference (a UUID) names an order to Stripe, never its pk, which repeats
    when a database is recreated; a session of another order, even an old one of the
    same order, is found by its reference.
    """
    order = Order.objects.filter(stripe_checkout_session_id=session.get("id")).first()
    if order is not None:
        return order
    reference = _order_reference(session)
    return Order.objects.filter(reference=reference).first() if reference else None


def find_order_for_returning_shopper(session_id: str) -> tuple[Order | None, Refund | None]:
    """The order a shopper coming back from Checkout paid, and the refund of their
    payment if it was a second one.

    A session that is not (or no longer) the order's own, paid after the order already
    was, is known only through the refund it caused; its shopper still deserves the
    order's page and the news that the money went back, not a 404.
    """
    order = Order.objects.filter(stripe_checkout_session_id=session_id).first()
    if order is not None:
        return order, None
    refund = (
        Refund.objects.select_related("order").filter(stripe_checkout_session_id=session_id).first()
    )
    return (refund.order, refund) if refund is not None else (None, None)


def _order_reference(session: dict[str, Any]) -> uuid.UUID | None:
    metadata = session.get("metadata") or {}
    for value in (session.get("client_reference_id"), metadata.get("order_reference")):
        try:
            return uuid.UUID(str(value))
        except ValueError:
            continue
    return None


def apply_checkout_session(
    account_label: str, session: dict[str, Any], stripe_event_id: str | None = None
) -> tuple[Order | None, str]:
    """Bring our order in line with what Stripe says about its Checkout Session.

    Safe to call any number of times, in any order, from webhooks, the success page and
    reconcile_orders. Returns the order (if any) and a short outcome for the event log.
    """
    with transaction.atomic():
        order, refused = _lock_order_for_session(account_label, session)
        if order is None:
            return None, refused
        status = session.get("status")
        if status == "complete" and session.get("payment_status") in (
            "paid",
            "no_payment_required",
        ):
            return order, _apply_payment(order, session, stripe_event_id)
        if status == "expired" and order.stripe_checkout_session_id == session.get("id"):
            return order, _transition(order, OrderStatus.EXPIRED)
        return order, f"no change (session {status}, payment {session.get('payment_status')})"


def fail_checkout_session(account_label: str, session: dict[str, Any]) -> tuple[Order | None, str]:
    """A delayed payment method (a bank debit, say) failed after Checkout completed: the
    order's payment failed, and the shopper's next Buy starts a new one."""
    with transaction.atomic():
        order, refused = _lock_order_for_session(account_label, session)
        if order is None:
            return None, refused
        if order.stripe_checkout_session_id != session.get("id"):
            return order, "no change (not the order's current session)"
        return order, _transition(order, OrderStatus.FAILED)


def _lock_order_for_session(
    account_label: str, session: dict[str, Any]
) -> tuple[Order | None, str]:
    """The session's order, locked (inside the caller's transaction), or a refusal."""
    found = find_order_for_checkout_session(session)
    if found is None:
        return None, "no matching order"
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
    return order, ""


PAID_STATUSES = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED)


def _apply_payment(order: Order, session: dict[str, Any], stripe_event_id: str | None) -> str:
    payment_intent_id = _id_of(session.get("payment_intent"))
    if order.status in PAID_STATUSES:
        if session.get("id") == order.stripe_checkout_session_id:
            return "already paid"
        return refunds.record_duplicate_payment(order, session, payment_intent_id)
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
    order.stripe_checkout_session_id = session.get("id")
    order.stripe_payment_intent_id = payment_intent_id
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
