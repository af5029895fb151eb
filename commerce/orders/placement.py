"""Placing an order: the basket priced once, written once, announced after commit.

Modelled on django-oscar's `OrderCreator.place_order`: one transaction; row locks taken
in a fixed order (the discount's row, then the order's open key) so two placements can
never wait on each other crosswise; the order, its lines and its adjustments written
together or not at all; `order_placed` sent only once the transaction has committed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import IntegrityError, router, transaction
from django.utils import timezone
from wagtail.models import Site

from .. import fixed_sql, hooks, signals
from ..http import write_new_session
from ..models import (
    AdjustmentKind,
    Discount,
    ItemPage,
    Order,
    OrderAdjustment,
    OrderLine,
    OrderStatus,
)
from ..pricing import (
    Basket,
    DiscountRefused,
    LineInput,
    PricingError,
    Quote,
    TaxTerms,
    quote,
    quote_basket,
)
from ..pricing.defaults import default_taxes, default_taxes_for_request
from . import PlacementRefused


def line_inputs(lines: Sequence[tuple[ItemPage, int]]) -> list[LineInput]:
    """Pricing lines for items and quantities, at the items' current prices."""
    return [
        LineInput(
            item_id=item.pk,
            title=item.title,
            unit_amount=item.price_amount,
            quantity=quantity,
            sku=item.sku,
        )
        for item, quantity in lines
    ]


def _check_lines(currency: str, lines: Sequence[tuple[ItemPage, int]]) -> None:
    if not lines:
        raise PlacementRefused("Your cart is empty.")
    for item, quantity in lines:
        if not (item.live and item.available_for_sale):
            raise PlacementRefused(f"“{item.title}” is no longer for sale.")
        if item.currency != currency:
            raise PlacementRefused(
                f"“{item.title}” is priced in {item.currency}, the order in {currency}: "
                "an order is paid in one currency."
            )
        if not isinstance(quantity, int) or quantity < 1:
            raise PlacementRefused(f"The quantity of “{item.title}” must be at least 1.")


def place_order(
    *,
    currency: str,
    lines: Sequence[tuple[ItemPage, int]],
    discount: Discount | None,
    shopper_key: str,
    user: Any,
    open_key: str | None = None,
    site: Site | None = None,
    taxes: Sequence[TaxTerms] | None = None,
    request: Any = None,
    start: Callable[[Order], Any] | None = None,
    placed_from_cart: bool = False,
) -> Order:
    """A pending order for `lines` (items and quantities) in `currency`.

    Taxes are the site's defaults for the currency unless `taxes` are given (`site`'s from
    the database; without `site`, the request's from the shared table the cart prices
    with). The basket
    goes through the `MODIFY_QUOTE` hooks, then the `BEFORE_PLACE_ORDER` hooks may refuse
    it (`OrderRefused`) before anything is written; `AFTER_PLACE_ORDER` runs after commit
    (`commerce.hooks`). With
    `open_key`, placing the same thing again returns the open order already placed under
    that key, however many requests arrive at once; if the prices or terms changed since,
    that order is left to its fate (it can still be paid or expire) and a new one placed.
    An open key names its shopper (their session, or a cart that is theirs alone), so
    none is looked for when the shopper's session is made with this order
    (`shopper_key(request, placing=True)`).
    `start`, if given, is called with a new order (not one found open) in the transaction
    that writes it, so what it writes (the first payment attempt) is committed with the
    order or not at all, in one commit; the order it gets knows its lines and adjustments
    without reading them back. `placed_from_cart` says a shopper's cart places it (see
    `commerce.cart.ordering`), whose lines are emptied when it is paid. Raises
    `PlacementRefused` (or its `OrderRefused`) with a message for the shopper.
    """
    currency = currency.upper()
    _check_lines(currency, lines)
    if taxes is not None:
        tax_terms = tuple(taxes)
    elif site is None and request is not None:
        tax_terms = tuple(default_taxes_for_request(request, currency))
    else:
        tax_terms = tuple(default_taxes(currency, site))
    context = hooks.QuoteContext("order", user=user, request=request, shopper_key=shopper_key)
    alias = router.db_for_write(Order)
    # The session, the order and its rows go to the database a few statements at a time
    # (`fixed_sql.sent_together`), all before the commit.
    with transaction.atomic(using=alias), fixed_sql.sent_together(alias):
        # A session made for this order is written with it: one commit for both.
        new_shopper = write_new_session(request)
        if discount is not None:
            # First lock: the discount, so redemptions are counted one placement at a time.
            discount = Discount.objects.select_for_update().get(pk=discount.pk)
        basket = Basket(
            currency, tuple(line_inputs(lines)), discount.terms() if discount else None, tax_terms
        )
        try:
            priced = quote_basket(hooks.modify_basket(basket, context))
        except PricingError as error:
            raise PlacementRefused(str(error)) from error
        hooks.check_order_allowed(priced, context)
        if open_key is not None and not new_shopper:
            # Second lock: the order already open under this key, if any (a shopper whose
            # session is written only now has none).
            existing = Order.objects.select_for_update().filter(open_key=open_key).first()
            if existing is not None:
                if _matches(existing, priced, discount):
                    return existing
                existing.open_key = None
                existing.save(update_fields=["open_key", "updated_at"])
        if discount is not None:
            try:
                discount.check_redeemable(currency, timezone.now())
            except DiscountRefused as error:
                raise PlacementRefused(error.message) from error
        try:
            # A new shopper's open key is theirs alone: no savepoint to come back to.
            with transaction.atomic(savepoint=not new_shopper):
                order = _write_order(
                    priced, lines, discount, shopper_key, user, open_key, placed_from_cart
                )
        except IntegrityError:
            if open_key is None or new_shopper:
                raise
            # A concurrent request placed it a moment ago (PostgreSQL made this insert
            # wait for that transaction, so its order is visible now).
            return Order.objects.select_for_update().get(open_key=open_key)
        if start is not None:
            fixed_sql.send_held_back(alias)  # a payment method's code may read the rows' keys
            start(order)
        transaction.on_commit(lambda: _announce_placed(order))
    return order


def _announce_placed(order: Order) -> None:
    signals.order_placed.send(sender=Order, order=order)
    hooks.order_placed(order)


def _write_order(
    priced: Quote,
    lines: Sequence[tuple[ItemPage, int]],
    discount: Discount | None,
    shopper_key: str,
    user: Any,
    open_key: str | None,
    placed_from_cart: bool,
) -> Order:
    items = {item.pk: item for item, _ in lines}
    order = Order(
        status=OrderStatus.PENDING,
        currency=priced.currency,
        subtotal_amount=priced.subtotal,
        discount_amount=priced.discount,
        tax_amount=priced.tax,
        total_amount=priced.total,
        shopper_key=shopper_key,
        open_key=open_key,
        user=user if getattr(user, "is_authenticated", False) else None,
        placed_from_cart=placed_from_cart,
    )
    fixed_sql.insert(order)
    fixed_sql.send_held_back(order._state.db)  # the lines and adjustments refer to its key
    order_lines = [
        OrderLine(
            order=order,
            # A line a quote modifier added (a fee, a gift) is no item of the basket.
            item_id=quoted.line.item_id if quoted.line.item_id in items else None,
            title=quoted.line.title,
            sku=quoted.line.sku,
            unit_amount=quoted.line.unit_amount,
            quantity=quoted.line.quantity,
            discount_amount=quoted.discount,
            tax_amount=quoted.tax,
        )
        for quoted in priced.lines
    ]
    fixed_sql.insert_rows(order_lines)
    _known(order, "lines", order_lines)
    _known(order, "adjustments", write_adjustments(order, priced, discount))
    return order


def _known(order: Order, name: str, rows: list[Any]) -> None:
    """`rows`, just written, become what `order.<name>.all()` answers without reading
    them back: a queryset with its results filled in, kept where Django keeps prefetched
    rows (other queries on `order.<name>` still ask the database)."""
    queryset = getattr(order, name).all()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    order.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset


def linked_discount(priced: Quote, discount: Discount | None) -> Discount | None:
    """The Discount row the quote's discount came from: the shopper's, unless a quote
    modifier replaced it with terms of its own (which no row holds redemptions for)."""
    terms = priced.discount_terms
    if discount is None or terms is None or terms.discount_id != discount.pk:
        return None
    return discount


def write_adjustments(
    order: Order, priced: Quote, discount: Discount | None
) -> list[OrderAdjustment]:
    """Snapshot the quote's discount and taxes as the order's adjustment rows."""
    rows = []
    discount = linked_discount(priced, discount)
    if priced.discount_terms is not None:
        terms = priced.discount_terms
        rows.append(
            OrderAdjustment(
                order=order,
                kind=AdjustmentKind.DISCOUNT,
                name=terms.name,
                code=terms.code,
                percent_off=terms.percent_off,
                amount_off=terms.amount_off,
                amount=priced.discount,
                discount=discount,
            )
        )
    for position, total in enumerate(priced.taxes):
        rows.append(
            OrderAdjustment(
                order=order,
                kind=AdjustmentKind.TAX,
                position=position,
                name=total.tax.name,
                rate=total.tax.rate,
                inclusive=total.tax.inclusive,
                amount=total.amount,
                tax_id=total.tax.tax_id,
            )
        )
    fixed_sql.insert_rows(rows)
    return rows


def _matches(order: Order, priced: Quote, discount: Discount | None) -> bool:
    """Whether an open order still says what placing the basket now would say."""
    if order.status != OrderStatus.PENDING or order.currency != priced.currency:
        return False
    amounts = (order.subtotal_amount, order.discount_amount, order.tax_amount, order.total_amount)
    if amounts != (priced.subtotal, priced.discount, priced.tax, priced.total):
        return False
    ordered = [(line.item_id, line.unit_amount, line.quantity) for line in order.lines.all()]
    wanted = [(q.line.item_id, q.line.unit_amount, q.line.quantity) for q in priced.lines]
    if ordered != wanted:
        return False
    held = order.adjustments.filter(kind=AdjustmentKind.DISCOUNT).values_list(
        "discount_id", flat=True
    )
    linked = linked_discount(priced, discount)
    return list(held) == ([linked.pk] if linked is not None else [])


def quote_order(order: Order) -> Quote:
    """The order priced again from its own snapshots (lines and adjustments): the same
    numbers it was placed with, which is what Stripe is sent."""
    adjustments = list(order.adjustments.all())
    discount = next(
        (a.discount_terms() for a in adjustments if a.kind == AdjustmentKind.DISCOUNT), None
    )
    taxes = [a.tax_terms() for a in adjustments if a.kind == AdjustmentKind.TAX]
    lines = [
        LineInput(
            item_id=line.item_id,
            title=line.title,
            unit_amount=line.unit_amount,
            quantity=line.quantity,
            sku=line.sku,
        )
        for line in order.lines.all()
    ]
    return quote(order.currency, lines, discount, taxes)
