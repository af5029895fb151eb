"""The commerce app's models, one module per concern, re-exported here for Django."""

from .orders import (
    ALLOWED_TRANSITIONS,
    AdjustmentKind,
    Order,
    OrderAdjustment,
    OrderLine,
    OrderStatus,
    OrderStatusChange,
    PaymentEvent,
    Refund,
    RefundReason,
    RefundStatus,
    StatusChangeSource,
)
from .pages import CatalogPage, ItemPage, ItemPageQuerySet
from .payments import (
    LIVE_STATUSES,
    Payment,
    PaymentMethod,
    PaymentStatus,
    StripePricingObject,
)
from .pricing import Discount, ShopSettings, Tax

__all__ = [
    "ALLOWED_TRANSITIONS",
    "LIVE_STATUSES",
    "AdjustmentKind",
    "CatalogPage",
    "Discount",
    "ItemPage",
    "ItemPageQuerySet",
    "Order",
    "OrderAdjustment",
    "OrderLine",
    "OrderStatus",
    "OrderStatusChange",
    "Payment",
    "PaymentEvent",
    "PaymentMethod",
    "PaymentStatus",
    "Refund",
    "RefundReason",
    "RefundStatus",
    "ShopSettings",
    "StatusChangeSource",
    "StripePricingObject",
    "Tax",
]
