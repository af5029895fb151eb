"""The commerce app's models, one module per concern, re-exported here for Django."""

from .orders import (
    ALLOWED_TRANSITIONS,
    AdjustmentKind,
    Order,
    OrderAdjustment,
    OrderLine,
    OrderStatus,
    PaymentEvent,
    Refund,
    RefundReason,
    RefundStatus,
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
    "Payment",
    "PaymentEvent",
    "PaymentMethod",
    "PaymentStatus",
    "Refund",
    "RefundReason",
    "RefundStatus",
    "ShopSettings",
    "StripePricingObject",
    "Tax",
]
