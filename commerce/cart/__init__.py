"""The shopper's cart: add, remove and change quantities, one currency, a discount code,
merged into the shopper's own cart on sign-in, emptied when its order is paid.

No Stripe here: the cart prices itself through `commerce.pricing` and hands its lines to
order placement.
"""

from .cart import (
    Cart,
    CartRefused,
    CurrencyMismatch,
    clear_cart_for_order,
    get_cart,
    max_lines,
    max_quantity,
)
from .pricing import PricedCart, cart_quote, price_cart
from .store import CartBusy

__all__ = [
    "Cart",
    "CartBusy",
    "CartRefused",
    "CurrencyMismatch",
    "PricedCart",
    "cart_quote",
    "clear_cart_for_order",
    "get_cart",
    "max_lines",
    "max_quantity",
    "price_cart",
]
