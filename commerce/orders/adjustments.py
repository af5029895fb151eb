"""Editors changing the discount and taxes of an order not yet paid.

The order is priced again from its own line snapshots (the prices it was placed at,
not today's) with the new terms, and its totals, line shares and adjustment rows are
rewritten in one transaction. Only while no payment attempt is live: a shopper on an
open Checkout page would otherwise pay the old total, which Stripe would take and the
order could not accept.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from ..models import AdjustmentKind, Discount, Order, OrderLine, OrderStatus, Payment, Tax
from ..models.payments import LIVE_STATUSES
from ..pricing import DiscountRefused, LineInput, PricingError, quote
from . import PlacementRefused
from .placement import write_adjustments


def reprice_order(order: Order, discount: Discount | None, taxes: Sequence[Tax]) -> Order:
    """Give a pending order `discount` (or none) and exactly `taxes`; totals recomputed.

    Raises `PlacementRefused` with a message for the editor.
    """
    with transaction.atomic():
        if discount is not None:
            # The same lock order as placement: the discount first, then the order.
            discount = Discount.objects.select_for_update().get(pk=discount.pk)
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status != OrderStatus.PENDING:
            raise PlacementRefused(
                f"Order #{locked.pk} is {locked.get_status_display().lower()}: only an order "
                "waiting for payment can be changed."
            )
        if Payment.objects.filter(order=locked, status__in=LIVE_STATUSES).exists():
            raise PlacementRefused(
                f"Order #{locked.pk} has a payment in progress; it can be changed once that "
                "checkout has expired or failed."
            )
        held = locked.adjustments.filter(kind=AdjustmentKind.DISCOUNT).first()
        if discount is not None and (held is None or held.discount_id != discount.pk):
            try:
                discount.check_redeemable(locked.currency, timezone.now())
            except DiscountRefused as error:
                raise PlacementRefused(error.message) from error
        lines = list(locked.lines.all())
        try:
            priced = quote(
                locked.currency,
                [
                    LineInput(line.item_id, line.title, line.unit_amount, line.quantity)
                    for line in lines
                ],
                discount.terms() if discount is not None else None,
                [tax.terms() for tax in taxes],
            )
        except PricingError as error:
            raise PlacementRefused(str(error)) from error
        for line, quoted in zip(lines, priced.lines, strict=True):
            line.discount_amount = quoted.discount
            line.tax_amount = quoted.tax
        OrderLine.objects.bulk_update(lines, ["discount_amount", "tax_amount"])
        locked.adjustments.all().delete()
        write_adjustments(locked, priced, discount)
        locked.subtotal_amount = priced.subtotal
        locked.discount_amount = priced.discount
        locked.tax_amount = priced.tax
        locked.total_amount = priced.total
        locked.save()
    return locked
