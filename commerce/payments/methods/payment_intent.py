"""Paying an order on the store's own page: one PaymentIntent per attempt, confirmed by
Stripe.js's Payment Element in the shopper's browser.

As with Checkout, Stripe is never called while the order's row is locked: the attempt is
written first (its number names the idempotency key and its amount is fixed), the intent
is created outside any transaction, and its id is stored in a second, short one. An
order has at most one live attempt, so it never has two live intents; coming back to the
payment page reuses the intent, with its amount brought in line with the order's total
while Stripe still allows that (before confirmation). The client secret is never stored:
whoever holds it can confirm the payment, so it is read from Stripe when needed.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.db import transaction

from ...identifiers import is_stripe_id
from ...models import LIVE_STATUSES, Order, OrderStatus, Payment, PaymentMethod, PaymentStatus
from ...orders.locking import lock_attempt
from ...orders.paying import ReportedPayment, settle_reported_payment
from ...orders.transitions import transition
from .. import gateway
from ..accounts import StripeAccount, account_by_label, account_for_currency, label_for_currency
from ..exceptions import NoAccountForCurrency, OrderNotPayable, PaymentError, PaymentInProgress
from .checkout_session import check_chargeable, in_flight, new_attempt, supersede

logger = logging.getLogger(__name__)

# Stripe lets an intent's amount change only before it is confirmed.
AMOUNT_UPDATABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
# Checkout Sessions make PaymentIntents too, naming the order the same way; their outcome
# is the session's business. The intents of this method carry this mark in their metadata.
OWN_INTENT_MARK = {"paid_through": "payment_intent"}


def start_payment_intent(order: Order) -> tuple[Payment, str]:
    """The order's live PaymentIntent attempt and the intent's client secret.

    Created in the account of the order's currency, or reused (its amount updated if the
    order's total changed). Raises `OrderNotPayable` (also when the intent turns out to be
    paid or canceled already: the order is brought up to date first),
    `AmountNotChargeable`, `PaymentInProgress` or another `PaymentError`.
    """
    if order.status != OrderStatus.PENDING:
        raise OrderNotPayable(f"Order {order.pk} is {order.status}.")
    check_chargeable(order)
    payment = _claim_attempt(order, account_for_currency(order.currency))
    account = _account_of(payment)
    if payment.stripe_id:
        intent = gateway.retrieve_payment_intent(account, payment.stripe_id)
    else:
        try:
            intent = gateway.create_payment_intent(
                account, _intent_params(order, payment), idempotency_key=_key(order, payment)
            )
        except PaymentError:
            _fail_attempt_without_intent(payment)
            raise
        payment = _record_intent(payment, intent)
    if intent.get("status") in ("succeeded", "canceled"):
        apply_payment_intent(account.label, intent, source="shopper")
        raise OrderNotPayable(f"Order {order.pk}'s payment intent is {intent['status']}.")
    intent = _follow_total(order, payment, account, intent)
    return payment, intent["client_secret"]


def _account_of(payment: Payment) -> StripeAccount:
    account = account_by_label(payment.stripe_account)
    if account is None:
        raise NoAccountForCurrency(payment.currency)
    return account


def _key(order: Order, payment: Payment) -> str:
    return f"order-{order.reference}-payment-intent-{payment.attempt}"


def _intent_params(order: Order, payment: Payment) -> dict[str, Any]:
    """Built from the attempt's stored amount, so every request joining the attempt sends
    Stripe the same parameters under the same idempotency key."""
    return {
        "amount": payment.amount,
        "currency": payment.currency.lower(),
        "automatic_payment_methods": {"enabled": True},
        "description": f"Order #{order.pk}",
        "metadata": {"order_reference": str(order.reference), **OWN_INTENT_MARK},
    }


def _claim_attempt(order: Order, account: StripeAccount) -> Payment:
    """Under the order's lock: the live PaymentIntent attempt of this account (to reuse,
    or to join while its intent is being created), else a new one. A live Checkout
    attempt gives way (its session is left to expire; reconcile_orders closes it) unless
    its session is being created right now."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status != OrderStatus.PENDING:
            raise OrderNotPayable(f"Order {order.pk} is {locked.status}.")
        live = locked.payments.filter(status__in=LIVE_STATUSES).first()
        if live is not None:
            if live.method == PaymentMethod.PAYMENT_INTENT and live.stripe_account == account.label:
                return live
            if in_flight(live):
                raise PaymentInProgress(f"Order {order.pk} has attempt {live.attempt} starting.")
            supersede(live)
        return new_attempt(locked, PaymentMethod.PAYMENT_INTENT, account)


def _record_intent(payment: Payment, intent: dict[str, Any]) -> Payment:
    with transaction.atomic():
        Order.objects.select_for_update().get(pk=payment.order_id)
        locked = Payment.objects.get(pk=payment.pk)
        if locked.stripe_id not in (None, intent["id"]):
            raise PaymentInProgress(
                f"Payment {locked.pk} already has intent {locked.stripe_id}, not {intent['id']}."
            )
        locked.stripe_id = intent["id"]
        locked.stripe_payment_intent_id = intent["id"]
        if locked.status == PaymentStatus.STARTING:
            locked.status = PaymentStatus.OPEN
        locked.save()
    return locked


def _fail_attempt_without_intent(payment: Payment) -> None:
    """Stripe made no intent: the attempt is failed so the next try starts a new one. The
    order stays pending (the shopper is still on the payment page and may retry)."""
    with transaction.atomic():
        Order.objects.select_for_update().get(pk=payment.order_id)
        Payment.objects.filter(pk=payment.pk, status=PaymentStatus.STARTING, stripe_id=None).update(
            status=PaymentStatus.FAILED
        )


def _follow_total(
    order: Order, payment: Payment, account: StripeAccount, intent: dict[str, Any]
) -> dict[str, Any]:
    """The intent, its amount made the order's current total if that changed and Stripe
    still allows it."""
    total = order.total_amount
    if intent.get("amount") == total or intent.get("status") not in AMOUNT_UPDATABLE:
        return intent
    updated = gateway.update_payment_intent_amount(
        account, intent["id"], total, idempotency_key=f"{_key(order, payment)}-amount-{total}"
    )
    Payment.objects.filter(pk=payment.pk).update(amount=total)
    payment.amount = total
    return updated


def intent_id_from_secret(client_secret: str) -> str:
    """`pi_123` of `pi_123_secret_abc`; "" when it is no client secret."""
    intent_id, separator, rest = client_secret.partition("_secret_")
    return intent_id if separator and rest and is_stripe_id(intent_id, "pi_") else ""


def find_order_for_payment_intent(intent: dict[str, Any]) -> Order | None:
    """The order an intent of this method pays: by its attempt, else by the order
    reference we gave it (an attempt whose answer was lost). A Checkout Session's intent
    is not this method's: None."""
    intent_id = intent.get("id")
    if not is_stripe_id(intent_id, "pi_"):
        return None
    payment = (
        Payment.objects.select_related("order")
        .filter(method=PaymentMethod.PAYMENT_INTENT, stripe_id=intent_id)
        .first()
    )
    if payment is not None:
        return payment.order
    metadata = intent.get("metadata")
    if not isinstance(metadata, dict):
        return None
    if any(metadata.get(key) != value for key, value in OWN_INTENT_MARK.items()):
        return None
    try:
        reference = uuid.UUID(str(metadata.get("order_reference")))
    except ValueError:
        return None
    return Order.objects.filter(reference=reference).first()


def apply_payment_intent(
    account_label: str,
    intent: dict[str, Any],
    *,
    source: str,
    stripe_event_id: str | None = None,
) -> tuple[Order | None, str]:
    """Bring our order in line with what Stripe says about its PaymentIntent.

    Safe to call any number of times, in any order and at once, from webhooks, the status
    check and the returning shopper: the order's row is locked and it is paid once. A
    failed attempt leaves the order pending (the intent takes another card), so a late
    `payment_failed` never un-pays anything. Returns the order (if any) and an outcome.
    """
    # No savepoint of its own: inside a webhook's transaction, an error here rolls the
    # whole of it back anyway.
    with transaction.atomic(savepoint=False):
        order, payment = _lock_order_of_own_attempt(account_label, intent.get("id"))
        if payment is None:
            found = find_order_for_payment_intent(intent)
            if found is None:
                return None, "no matching order (or a Checkout Session's intent)"
            order = Order.objects.select_for_update().get(pk=found.pk)
            payment = order.payments.filter(stripe_id=intent.get("id")).first()
        expected = (
            payment.stripe_account if payment is not None else label_for_currency(order.currency)
        )
        if account_label != expected:
            logger.warning(
                "Payment intent %s came from account %s but order %s belongs to %s",
                intent.get("id"),
                account_label,
                order.pk,
                expected,
            )
            return None, "account mismatch"
        status = intent.get("status")
        if status == "succeeded":
            return order, _apply_success(
                order, payment, account_label, intent, source, stripe_event_id
            )
        if status == "canceled":
            return order, _apply_cancel(order, payment, source, stripe_event_id)
        if status == "requires_payment_method" and intent.get("last_payment_error"):
            return order, "no change (payment failed; the intent takes another payment method)"
        return order, f"no change (payment intent {status})"


def _lock_order_of_own_attempt(
    account_label: str, intent_id: Any
) -> tuple[Order | None, Payment | None]:
    """The usual case, in one indexed query: the account's attempt with this intent and
    its order, both locked; (None, None) when the intent is not one of the account's
    attempts of this method."""
    if not is_stripe_id(intent_id, "pi_"):
        return None, None
    payment = lock_attempt(account_label, intent_id, PaymentMethod.PAYMENT_INTENT)
    if payment is None:
        return None, None
    return payment.order, payment


def _apply_success(
    order: Order,
    payment: Payment | None,
    account_label: str,
    intent: dict[str, Any],
    source: str,
    stripe_event_id: str | None,
) -> str:
    reported = ReportedPayment(
        method=PaymentMethod.PAYMENT_INTENT,
        account_label=account_label,
        stripe_id=intent["id"],
        payment_intent_id=intent["id"],
        amount=intent.get("amount"),
        amount_received=intent.get("amount_received") or intent.get("amount"),
        currency=str(intent.get("currency") or "").upper(),
        email=intent.get("receipt_email") or "",
    )
    return settle_reported_payment(
        order, payment, reported, source=source, stripe_event_id=stripe_event_id
    )


def _apply_cancel(
    order: Order, payment: Payment | None, source: str, stripe_event_id: str | None
) -> str:
    """A canceled intent can never be paid: its attempt failed, and so did the order if
    this was its current attempt (the shopper places the cart again)."""
    if payment is None:
        return "no change (not one of the order's attempts)"
    if payment.status in LIVE_STATUSES:
        payment.status = PaymentStatus.FAILED
        payment.save(update_fields=["status", "updated_at"])
    latest = order.latest_payment()
    if latest is None or latest.pk != payment.pk:
        return "no change (not the order's current attempt)"
    return transition(
        order, OrderStatus.FAILED, source=source, stripe_event_id=stripe_event_id or ""
    )
