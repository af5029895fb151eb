"""The commerce app's HTTP surface, a module per area. Views stay thin: parse, call one
function, respond; the work lives in services and pure functions."""

from .cart import cart_add, cart_detail, cart_discount, cart_remove, cart_update
from .catalog import item_detail, item_list, search
from .checkout import buy, checkout_success
from .errors import json_not_found
from .orders import cart_order, order_checkout, order_detail, order_payment
from .payments import order_payment_intent, order_payment_page, payment_status, payment_status_check
from .webhooks import stripe_webhook

__all__ = [
    "buy",
    "cart_add",
    "cart_detail",
    "cart_discount",
    "cart_order",
    "cart_remove",
    "cart_update",
    "checkout_success",
    "item_detail",
    "item_list",
    "json_not_found",
    "order_checkout",
    "order_detail",
    "order_payment",
    "order_payment_intent",
    "order_payment_page",
    "payment_status",
    "payment_status_check",
    "search",
    "stripe_webhook",
]
