"""The commerce app's HTTP surface, a module per area. Views stay thin: parse, call one
function, respond; the work lives in services and pure functions."""

from .catalog import item_detail, item_list, search
from .checkout import buy, checkout_success
from .errors import json_not_found
from .webhooks import stripe_webhook

__all__ = [
    "buy",
    "checkout_success",
    "item_detail",
    "item_list",
    "json_not_found",
    "search",
    "stripe_webhook",
]
