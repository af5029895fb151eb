"""The commerce app's models, one module per concern, re-exported here for Django."""

from .orders import (
    ALLOWED_TRANSITIONS,
    Order,
    OrderLine,
    OrderStatus,
    PaymentEvent,
    PaymentFlow,
    Refund,
    RefundReason,
    RefundStatus,
)
from .pages import CatalogPage, ItemPage, ItemPageQuerySet

__all__ = [
    "ALLOWED_TRANSITIONS",
    "CatalogPage",
    "ItemPage",
    "ItemPageQuerySet",
    "Order",
    "OrderLine",
    "OrderStatus",
    "PaymentEvent",
    "PaymentFlow",
    "Refund",
    "RefundReason",
    "RefundStatus",
]
