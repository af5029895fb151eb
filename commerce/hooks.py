"""The extension hooks of `commerce`: their names, what they get, and when they run.

A host app registers functions through Wagtail's hook registry, usually from its own
`wagtail_hooks.py` (Wagtail imports every app's `wagtail_hooks` module on first use):

    from wagtail import hooks
    from commerce.hooks import MODIFY_QUOTE

    @hooks.register(MODIFY_QUOTE)
    def free_gift(basket, context): ...

Several functions may share a hook; they run in Wagtail's order (`order=` of
`hooks.register`, then registration order). Tests use `hooks.register_temporarily`.
With nothing registered a hook costs one dictionary lookup: the cart's pricing runs on
every change, and must stay that cheap.

The hooks (name: arguments -> what it may return; when it runs):

`MODIFY_QUOTE` ("commerce_modify_quote"): `(basket: Basket, context: QuoteContext) ->
    Basket | None`. Runs whenever a basket of items is priced: the cart's JSON and page on
    every change (`context.purpose == "cart"`, no transaction) and order placement
    (`"order"`, inside the placement transaction, before anything is written). Each
    modifier gets the previous one's basket and returns a new one (`basket.with_line`,
    `with_discount`, `with_tax`) or None to leave it. What it adds is priced by the one
    pipeline (`commerce.pricing.quote`), snapshotted on the order (a line added with
    `item_id=None` is an order line with no item; a discount or tax an adjustment) and
    sent to Stripe from that snapshot (a Checkout line item, the session's coupon, a
    TaxRate; a PaymentIntent's amount is the order's total), so the cart, the order and
    what Stripe charges always agree. It must be fast, pure and deterministic (placing
    the cart runs it again and must get what the cart showed); no Stripe calls. An order
    priced again from its snapshot (its page, Checkout, an editor's repricing) does not
    run it.

`BEFORE_PLACE_ORDER` ("commerce_before_place_order"): `(quote: Quote, context:
    QuoteContext) -> None`. Runs in `place_order` inside its transaction, after the
    basket is priced (modifiers included) and before any row is written or an open
    order is reused. Raise `OrderRefused(message)` to refuse: the transaction rolls back,
    nothing is written, and the cart's order endpoint and buy-now answer JSON with that
    message and the refusal's status (409 unless given).

`AFTER_PLACE_ORDER` ("commerce_after_place_order"): `(order: Order) -> None`. After the
    placement transaction commits, once per order written (not when an open order is
    reused), right after the `order_placed` signal.

`AFTER_ORDER_PAID` ("commerce_after_order_paid"): `(order: Order, payment: Payment,
    stripe_event_id: str | None) -> None`. After the transaction that marked the order
    paid commits, once per order however many times Stripe reports the payment (webhook,
    status check, returning shopper, reconciliation), right after the `order_paid`
    signal. `stripe_event_id` is None when the payment was learned by asking Stripe.

`AFTER_REFUND` ("commerce_after_refund"): `(order: Order, amount: int, stripe_event_id:
    str) -> None`. After the transaction that recorded more of a paid order refunded
    (Stripe's `charge.refunded` for the charge that paid it, whoever asked: the admin or
    Stripe's dashboard; a duplicate payment given back leaves the order as it was) commits;
    `amount` is the newly refunded part in minor units (`order.amount_refunded` the
    total), once per increase.

`REGISTER_PAYMENT_METHOD` ("commerce_register_payment_method"): `() -> BasePaymentMethod`.
    Called whenever the payment-method registry is read
    (`commerce.payments.methods.registry`); returns an instance of a
    `commerce.payments.methods.BasePaymentMethod` subclass. A method named like a built-in
    one (`checkout_session`, `payment_intent`) replaces it.

Stripe webhook handlers are registered with `commerce.webhooks.register_handler(type)`,
a decorator that is the one way to add them (a handler per event type, several per type,
the store's own first); a payment method brings its own through `webhook_handlers()`.

Functions of the after-commit hooks run one by one; one that raises is logged and the
others still run: the change they follow has committed and cannot be undone by them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wagtail.hooks import get_hooks

from .orders import OrderRefused
from .pricing import Basket, Quote

if TYPE_CHECKING:
    from django.http import HttpRequest

    from .models import Order, Payment
    from .payments.methods.base import BasePaymentMethod

logger = logging.getLogger(__name__)

MODIFY_QUOTE = "commerce_modify_quote"
BEFORE_PLACE_ORDER = "commerce_before_place_order"
AFTER_PLACE_ORDER = "commerce_after_place_order"
AFTER_ORDER_PAID = "commerce_after_order_paid"
AFTER_REFUND = "commerce_after_refund"
REGISTER_PAYMENT_METHOD = "commerce_register_payment_method"

__all__ = [
    "AFTER_ORDER_PAID",
    "AFTER_PLACE_ORDER",
    "AFTER_REFUND",
    "BEFORE_PLACE_ORDER",
    "MODIFY_QUOTE",
    "REGISTER_PAYMENT_METHOD",
    "OrderRefused",
    "QuoteContext",
    "check_order_allowed",
    "modify_basket",
    "order_paid",
    "order_placed",
    "order_refunded",
    "registered_payment_methods",
]


@dataclass(frozen=True)
class QuoteContext:
    """Who a basket is priced for, and why.

    `purpose` is "cart" (shown to the shopper) or "order" (being placed). `request` is
    None when no request is at hand (an order placed by code); `user` may be anonymous.
    """

    purpose: str
    user: Any = None
    request: HttpRequest | None = None
    shopper_key: str = ""


def modify_basket(basket: Basket, context: QuoteContext) -> Basket:
    """`basket` passed through every `MODIFY_QUOTE` function, in order."""
    for modifier in get_hooks(MODIFY_QUOTE):
        changed = modifier(basket, context)
        if changed is None:
            continue
        if not isinstance(changed, Basket):
            raise TypeError(f"{modifier!r} returned {type(changed).__name__}, not a Basket.")
        basket = changed
    return basket


def check_order_allowed(quote: Quote, context: QuoteContext) -> None:
    """Run every `BEFORE_PLACE_ORDER` function; the first `OrderRefused` propagates."""
    for check in get_hooks(BEFORE_PLACE_ORDER):
        check(quote, context)


def order_placed(order: Order) -> None:
    """Run the `AFTER_PLACE_ORDER` functions (call after commit)."""
    _run_each(AFTER_PLACE_ORDER, order)


def order_paid(order: Order, payment: Payment, stripe_event_id: str | None) -> None:
    """Run the `AFTER_ORDER_PAID` functions (call after commit)."""
    _run_each(AFTER_ORDER_PAID, order, payment, stripe_event_id)


def order_refunded(order: Order, amount: int, stripe_event_id: str) -> None:
    """Run the `AFTER_REFUND` functions (call after commit)."""
    _run_each(AFTER_REFUND, order, amount, stripe_event_id)


def registered_payment_methods() -> list[BasePaymentMethod]:
    """The payment methods host apps register through `REGISTER_PAYMENT_METHOD`."""
    return [register() for register in get_hooks(REGISTER_PAYMENT_METHOD)]


def _run_each(hook_name: str, *args: Any) -> None:
    functions: list[Callable[..., Any]] = get_hooks(hook_name)
    for function in functions:
        try:
            function(*args)
        except Exception:
            logger.exception("The %s hook %r failed", hook_name, function)
