"""Paying an order through Stripe Checkout: one Checkout Session per payment attempt.

Each change runs in one transaction and locks the order's row, because webhooks, the
success page and the shopper's own retries may touch the same order at the same moment.
Stripe is never called while a row lock is held: the attempt is written first (so its
number and expiry are fixed), the Stripe call happens outside any transaction, and its
result is stored in a second, short one.
"""

from __future__ import annotations

import functools
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connections, router, transaction
from django.utils import timezone

from ... import fixed_sql, money
from ...conf import app_settings
from ...models import (
    LIVE_STATUSES,
    AdjustmentKind,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Refund,
    StatusChangeSource,
)
from ...orders.locking import lock_attempt
from ...orders.paying import ReportedPayment, settle_reported_payment
from ...orders.transitions import transition
from .. import gateway, pricing_objects
from ..accounts import StripeAccount, account_for_currency, label_for_currency
from ..checkout import checkout_session_params
from ..exceptions import AmountNotChargeable, OrderNotPayable, PaymentError
from .closing import close_after_commit

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckoutUrls:
    """Absolute URLs Stripe Checkout sends the shopper back to, and the items' pictures
    (`image_urls` by item id; `image_url` for an order of one line)."""

    success_url: str
    cancel_url: str
    image_url: str | None = None
    image_urls: dict[int, str] = field(default_factory=dict)

    def image_for(self, item_id: int | None, single_line: bool) -> str | None:
        if item_id is not None and item_id in self.image_urls:
            return self.image_urls[item_id]
        return self.image_url if single_line else None


def check_chargeable(order: Order) -> None:
    """Refuse, before asking Stripe, a total Stripe would refuse: a three-decimal amount
    not ending in 0, or a non-zero amount below the currency's minimum charge."""
    total, currency = order.total_amount, order.currency
    try:
        money.to_stripe_amount(total, currency)
    except money.InvalidAmount as error:
        raise AmountNotChargeable(f"This order's total cannot be charged: {error}") from error
    minimum = money.minimum_charge(currency)
    if 0 < total < minimum:
        raise AmountNotChargeable(
            f"This order's total is below {money.format_amount(minimum, currency)}, "
            "the smallest amount our payment provider charges."
        )


def start_checkout(order: Order, urls: CheckoutUrls, attempt: Payment | None = None) -> Payment:
    """The order's live Checkout Session payment, created or reused.

    Requests arriving together (a double click, two tabs) share one attempt, hence one
    idempotency key, so Stripe answers them all with one session; a session still open
    (and not about to expire) is handed out again. `attempt` is the first attempt of an
    order just placed (`first_attempt`), which needs no claiming. Raises
    `OrderNotPayable`, `AmountNotChargeable` or another `PaymentError`; when Stripe could
    not make the session, the attempt and the order are marked failed (nobody can pay
    them), so the shopper's next try starts cleanly.
    """
    account = account_for_currency(order.currency)
    if attempt is None:
        if order.status != OrderStatus.PENDING:
            raise OrderNotPayable(f"Order {order.pk} is {order.status}.")
        check_chargeable(order)
        # Coupons and tax rates first (outside any transaction): they are Stripe calls too.
        coupon, tax_rates = _pricing_objects(order, account)
        payment = _claim_attempt(order, account)
        if payment.is_usable():
            return payment
    else:
        payment = attempt
        try:
            coupon, tax_rates = _pricing_objects(order, account)
        except PaymentError:
            _fail_attempt_without_session(payment)
            raise
    lines = list(order.lines.all())
    params = checkout_session_params(
        order,
        [(line, urls.image_for(line.item_id, len(lines) == 1)) for line in lines],
        success_url=urls.success_url,
        cancel_url=urls.cancel_url,
        expires_at=payment.expires_at,
        coupon=coupon,
        tax_rates=tax_rates,
    )
    try:
        session = gateway.create_checkout_session(
            account,
            params,
            idempotency_key=f"order-{order.reference}-checkout-{payment.attempt}",
        )
    except PaymentError:
        _fail_attempt_without_session(payment)
        raise
    return _record_session(payment, session)


def _pricing_objects(order: Order, account: StripeAccount) -> tuple[str | None, list[str]]:
    coupon = None
    tax_rates = []
    for adjustment in order.adjustments.all():
        if adjustment.kind == AdjustmentKind.DISCOUNT:
            coupon = pricing_objects.coupon_for(account, adjustment, order.currency)
        else:
            tax_rates.append(pricing_objects.tax_rate_for(account, adjustment))
    return coupon, tax_rates


def _claim_attempt(order: Order, account: StripeAccount) -> Payment:
    """The attempt this request works on, under the order's lock: the usable live one,
    the one in flight (to join), or a new one (replacing one that is closing or whose
    worker died: Stripe still answers its key with its session if one was made, and
    reconcile_orders expires such strays)."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status != OrderStatus.PENDING:
            raise OrderNotPayable(f"Order {order.pk} is {locked.status}.")
        live = locked.payments.filter(status__in=LIVE_STATUSES).first()
        if live is not None:
            if live.is_usable() or in_flight(live):
                return live
            supersede(live)
        return _new_checkout_attempt(locked, account)


def first_attempt(order: Order, account: StripeAccount) -> Payment:
    """The first Checkout attempt of an order being placed, written in the transaction
    that writes the order (`place_order`'s `start`): nobody else sees the order before it
    commits, so there is no lock to take and no earlier attempt to look for. A total
    Stripe would refuse (`AmountNotChargeable`) undoes the placement."""
    check_chargeable(order)
    return _new_checkout_attempt(order, account, number=1)


def _new_checkout_attempt(order: Order, account: StripeAccount, number: int = 0) -> Payment:
    now = timezone.now()
    return new_attempt(
        order,
        PaymentMethod.CHECKOUT_SESSION,
        account,
        number=number,
        started_at=now,
        # Whole seconds: Stripe takes a Unix timestamp, and the value stored must be the
        # one every joining request sends.
        expires_at=(
            now + timedelta(minutes=app_settings.COMMERCE_CHECKOUT_SESSION_MINUTES)
        ).replace(microsecond=0),
    )


def supersede(live: Payment) -> None:
    """Retire the order's live attempt for a new one (under the order's lock), closing its
    Stripe object once the transaction commits so nobody pays it any more."""
    live.status = PaymentStatus.SUPERSEDED
    live.save(update_fields=["status", "updated_at"])
    close_after_commit(live)


def new_attempt(
    order: Order, method: str, account: StripeAccount, number: int = 0, **fields: Any
) -> Payment:
    """The order's next payment attempt, starting, for its total in `account` (under the
    order's lock, so concurrent requests cannot take the same attempt number); `number`
    when the caller knows it (1 for an order being placed)."""
    payment = Payment(
        order=order,
        method=method,
        attempt=number or order.next_payment_attempt(),
        status=PaymentStatus.STARTING,
        stripe_account=account.label,
        amount=order.total_amount,
        currency=order.currency,
        **fields,
    )
    fixed_sql.insert(payment)
    return payment


def in_flight(payment: Payment) -> bool:
    """Whether a request may still be waiting for Stripe to create this attempt's session:
    started less than one Stripe operation's deadline ago and not answered yet."""
    deadline = timedelta(seconds=gateway.operation_deadline_seconds())
    return bool(
        payment.status == PaymentStatus.STARTING
        and not payment.stripe_id
        and payment.started_at > timezone.now() - deadline
    )


def _record_session(payment: Payment, session: dict[str, Any]) -> Payment:
    expires_at = datetime.fromtimestamp(session["expires_at"], tz=UTC)
    url = session.get("url") or ""
    # The usual case in one statement, atomic under the payment row's own lock: the
    # attempt is still starting and has no session. Anything else (another request
    # recorded it, a webhook moved it on) is sorted out below, under the order's lock.
    alias = router.db_for_write(Payment)
    ops = connections[alias].ops
    with connections[alias].cursor() as cursor:
        cursor.execute(
            _record_sql(alias),
            [
                session["id"],
                url,
                ops.adapt_datetimefield_value(expires_at),
                PaymentStatus.OPEN.value,
                ops.adapt_datetimefield_value(timezone.now()),
                payment.pk,
                PaymentStatus.STARTING.value,
            ],
        )
        recorded = cursor.rowcount == 1
    if recorded:
        payment.stripe_id, payment.url, payment.expires_at = session["id"], url, expires_at
        payment.status = PaymentStatus.OPEN
        return payment
    with transaction.atomic():
        Order.objects.select_for_update().get(pk=payment.order_id)
        locked = Payment.objects.get(pk=payment.pk)
        if locked.stripe_id not in (None, session["id"]):
            logger.warning(
                "Payment %s already has session %s; session %s is left to expire",
                locked.pk,
                locked.stripe_id,
                session["id"],
            )
            return locked
        locked.stripe_id = session["id"]
        locked.url = url
        locked.expires_at = expires_at
        if locked.status == PaymentStatus.STARTING:
            locked.status = PaymentStatus.OPEN
        locked.save()
    return locked


@functools.cache
def _record_sql(alias: str) -> str:
    """`_record_session`'s UPDATE (see `commerce.fixed_sql`): every buy runs it, as a
    transaction of its own. On PostgreSQL that transaction's commit does not wait for
    the disk flush (`ASYNCHRONOUS_COMMIT`)."""
    names = ("stripe_id", "url", "expires_at", "status", "updated_at", "id")
    table, column = fixed_sql.quoted_names(Payment, alias, *names)
    connection = connections[alias]
    asynchronous = f" FROM {ASYNCHRONOUS_COMMIT}" if connection.vendor == "postgresql" else ""
    return (
        f"UPDATE {table} SET {column['stripe_id']} = %s, "  # noqa: S608
        f"{column['url']} = %s, {column['expires_at']} = %s, {column['status']} = %s, "
        f"{column['updated_at']} = %s{asynchronous} WHERE {column['id']} = %s "
        f"AND {column['status']} = %s AND {column['stripe_id']} IS NULL"
    )


# On PostgreSQL, joined to a statement that runs as a transaction of its own (or to any
# statement of a transaction): that transaction's commit returns before PostgreSQL has
# flushed it to disk (`synchronous_commit` off for this transaction only, as SET LOCAL
# sets it, without the BEGIN, SET LOCAL and COMMIT round trips). Its changes are seen by
# others at once as ever; only a crash of the database server in the moment after the
# commit could lose them. For writes that record what Stripe already holds: lost, they
# leave what a worker dying right after its Stripe call leaves, which the store
# recovers from (the attempt's idempotency key gets the same session from Stripe again,
# a webhook finds the order by the reference the session carries, and
# `reconcile_orders` settles the rest). A flush costs a few milliseconds of a buy.
ASYNCHRONOUS_COMMIT = (
    "(SELECT set_config('synchronous_commit', 'off', true)) AS asynchronous_commit"
)


def _fail_attempt_without_session(payment: Payment) -> None:
    """No session was made, so nobody can pay this attempt: mark it (and the order, while
    this attempt is still its latest: a newer one speaks for itself) failed, freeing the
    order's place (the shopper's session cookie may not even have been set, since error
    responses do not save sessions)."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=payment.order_id)
        locked = Payment.objects.get(pk=payment.pk)
        if locked.status != PaymentStatus.STARTING or locked.stripe_id:
            return
        locked.status = PaymentStatus.FAILED
        locked.save(update_fields=["status", "updated_at"])
        latest = order.latest_payment()
        if order.status == OrderStatus.PENDING and latest is not None and latest.pk == locked.pk:
            transition(order, OrderStatus.FAILED, note="Stripe made no Checkout Session")


def fail_paymentless_order(order: Order) -> str:
    """A pending order whose latest attempt never got a session (or that never started
    one) cannot be paid: fail it, unless an attempt is in flight right now."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        latest = locked.latest_payment()
        session_id = latest.stripe_id if latest is not None else None
        if locked.status != OrderStatus.PENDING or session_id:
            return f"no change ({locked.status}, session {session_id})"
        if latest is not None and in_flight(latest):
            return "no change (its checkout attempt is in flight)"
        if latest is not None and latest.is_live:
            latest.status = PaymentStatus.FAILED
            latest.save(update_fields=["status", "updated_at"])
        return transition(
            locked,
            OrderStatus.FAILED,
            source=StatusChangeSource.RECONCILIATION,
            note="no Checkout Session was ever made for it",
        )


def attempt_in_flight(order: Order) -> bool:
    """Whether a request may still be waiting for Stripe to create the order's session."""
    latest = order.latest_payment()
    return latest is not None and in_flight(latest)


def find_order_for_checkout_session(session: dict[str, Any]) -> Order | None:
    """The order a session pays: by its payment, else by the order reference we gave it.

    Only the reference (a UUID) names an order to Stripe, never its pk, which repeats
    when a database is recreated; a session the order lost track of (an attempt whose
    answer was lost) is found by its reference.
    """
    payment = Payment.objects.select_related("order").filter(stripe_id=session.get("id")).first()
    if payment is not None:
        return payment.order
    reference = _order_reference(session)
    return Order.objects.filter(reference=reference).first() if reference else None


@dataclass(frozen=True)
class ReturningShopper:
    """What a shopper coming back from Checkout paid: the order, the payment (if the
    session is one of the order's attempts) and the refund of their payment if it was a
    second one."""

    order: Order
    payment: Payment | None
    refund: Refund | None

    @property
    def stripe_account(self) -> str:
        if self.payment is not None:
            return self.payment.stripe_account
        return self.refund.stripe_account if self.refund is not None else ""


def find_order_for_returning_shopper(session_id: str) -> ReturningShopper | None:
    """A session paid after the order already was is known through the refund it caused;
    its shopper still deserves the order's page and the news that the money went back."""
    refund = (
        Refund.objects.select_related("order").filter(stripe_checkout_session_id=session_id).first()
    )
    payment = Payment.objects.select_related("order").filter(stripe_id=session_id).first()
    if refund is not None:
        return ReturningShopper(refund.order, payment, refund)
    if payment is not None:
        return ReturningShopper(payment.order, payment, None)
    return None


def _order_reference(session: dict[str, Any]) -> uuid.UUID | None:
    metadata = session.get("metadata") or {}
    for value in (session.get("client_reference_id"), metadata.get("order_reference")):
        try:
            return uuid.UUID(str(value))
        except ValueError:
            continue
    return None


def apply_checkout_session(
    account_label: str,
    session: dict[str, Any],
    stripe_event_id: str | None = None,
    *,
    source: str = StatusChangeSource.SYSTEM,
) -> tuple[Order | None, str]:
    """Bring our order in line with what Stripe says about its Checkout Session.

    Safe to call any number of times, in any order, from webhooks, the success page and
    reconcile_orders. Returns the order (if any) and a short outcome for the event log.
    """
    # No savepoint of its own: inside a webhook's transaction, an error here rolls the
    # whole of it back anyway.
    with transaction.atomic(savepoint=False):
        order, payment, refused = _lock_order_for_session(account_label, session)
        if order is None:
            return None, refused
        status = session.get("status")
        if status == "complete" and session.get("payment_status") in (
            "paid",
            "no_payment_required",
        ):
            return order, _apply_payment(
                order, payment, account_label, session, stripe_event_id, source
            )
        if status == "expired" and payment is not None:
            if payment.status == PaymentStatus.OPEN:
                payment.status = PaymentStatus.EXPIRED
                payment.save(update_fields=["status", "updated_at"])
            latest = order.latest_payment()
            if latest is not None and latest.pk == payment.pk:
                return order, transition(
                    order, OrderStatus.EXPIRED, source=source, stripe_event_id=stripe_event_id or ""
                )
        return order, f"no change (session {status}, payment {session.get('payment_status')})"


def fail_checkout_session(
    account_label: str,
    session: dict[str, Any],
    stripe_event_id: str | None = None,
    *,
    source: str = StatusChangeSource.SYSTEM,
) -> tuple[Order | None, str]:
    """A delayed payment method (a bank debit, say) failed after Checkout completed: the
    order's payment failed, and the shopper's next try starts a new order."""
    # No savepoint of its own: inside a webhook's transaction, an error here rolls the
    # whole of it back anyway.
    with transaction.atomic(savepoint=False):
        order, payment, refused = _lock_order_for_session(account_label, session)
        if order is None:
            return None, refused
        latest = order.latest_payment()
        if payment is None or latest is None or latest.pk != payment.pk:
            return order, "no change (not the order's current session)"
        if payment.status in LIVE_STATUSES:
            payment.status = PaymentStatus.FAILED
            payment.save(update_fields=["status", "updated_at"])
        return order, transition(
            order, OrderStatus.FAILED, source=source, stripe_event_id=stripe_event_id or ""
        )


def _lock_order_for_session(
    account_label: str, session: dict[str, Any]
) -> tuple[Order | None, Payment | None, str]:
    """The session's order, locked (inside the caller's transaction), its payment for
    this session if it has one, or a refusal."""
    session_id = session.get("id")
    # The usual case, in one indexed query: the account's attempt with this session and
    # its order, both locked.
    payment = lock_attempt(account_label, session_id)
    if payment is not None:
        return payment.order, payment, ""
    found = find_order_for_checkout_session(session)
    if found is None:
        return None, None, "no matching order"
    order = Order.objects.select_for_update().get(pk=found.pk)
    payment = order.payments.filter(stripe_id=session.get("id")).first()
    if payment is not None:
        accounts = {payment.stripe_account}
    else:
        accounts = set(order.payments.values_list("stripe_account", flat=True)) or {
            label_for_currency(order.currency)
        }
    if account_label not in accounts:
        logger.warning(
            "Checkout session %s came from account %s but order %s belongs to %s",
            session.get("id"),
            account_label,
            order.pk,
            ", ".join(sorted(accounts)),
        )
        return None, None, "account mismatch"
    return order, payment, ""


def _apply_payment(
    order: Order,
    payment: Payment | None,
    account_label: str,
    session: dict[str, Any],
    stripe_event_id: str | None,
    source: str,
) -> str:
    reported = ReportedPayment(
        method=PaymentMethod.CHECKOUT_SESSION,
        account_label=account_label,
        stripe_id=session.get("id"),
        payment_intent_id=_id_of(session.get("payment_intent")),
        amount=session.get("amount_total"),
        amount_received=session.get("amount_total"),
        currency=str(session.get("currency") or "").upper(),
        email=(session.get("customer_details") or {}).get("email") or "",
        checkout_session_id=session.get("id") or "",
    )
    return settle_reported_payment(
        order, payment, reported, source=source, stripe_event_id=stripe_event_id
    )


def _id_of(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("id")
    return value or None
