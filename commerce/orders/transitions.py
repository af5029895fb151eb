"""Order status changes, checked against the table of allowed transitions.

Webhooks arrive late, twice and out of order, so nothing assumes where an order is:
each change asks `Order.can_become` and reports what it did, for the event log.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from .. import fixed_sql
from ..models import Order, OrderStatus, OrderStatusChange, StatusChangeSource

PAID_STATUSES = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED)


def transition(
    order: Order,
    status: str,
    *,
    source: str = StatusChangeSource.SYSTEM,
    stripe_event_id: str = "",
    note: str = "",
    also_save: Iterable[str] = (),
) -> str:
    """Move a locked order to `status` if the status table allows it; saves the order and
    records the change (who told us: `source`, and the Stripe event if one did).

    Only the fields the move changes are written, and `also_save`, those the caller
    changed on `order` to go with it.

    Leaving "pending" frees the order's `open_key`, so the shopper's next try places a
    new order instead of finding this one. A refused or repeated change is not recorded:
    the trail lists what happened to the order, the event log what was asked of it.
    """
    if order.status == status:
        return f"already {status}"
    if not order.can_become(status):
        return f"ignored: {order.status} cannot become {status}"
    previous = order.status
    order.status = status
    changed = ["status", "updated_at", *also_save]
    if status == OrderStatus.PAID:
        order.paid_at = timezone.now()
        changed.append("paid_at")
    if status != OrderStatus.PENDING and order.open_key is not None:
        order.open_key = None
        changed.append("open_key")
    # Fixed statements: every paying webhook writes these two rows (commerce.fixed_sql).
    fixed_sql.update_fields(order, changed)
    fixed_sql.insert(
        OrderStatusChange(
            order=order,
            from_status=previous,
            to_status=status,
            source=source,
            stripe_event_id=stripe_event_id,
            note=note[:255],
        )
    )
    return f"{previous} -> {status}"
