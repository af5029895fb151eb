"""The free gift: every basket whose items come to more than 100.00 in its currency gets
a gift line at no charge. It is a line like any other, so it shows in the cart, is
written on the order and is one of the Checkout Session's line items at Stripe."""

from __future__ import annotations

from wagtail import hooks

from commerce import money
from commerce.hooks import MODIFY_QUOTE, QuoteContext
from commerce.pricing import Basket, LineInput

GIFT_TITLE = "Free gift: enamel pin"
GIFT_SKU = "GIFT-PIN"
THRESHOLD_MAJOR_UNITS = 100


def gift_threshold(currency: str) -> int:
    """100.00 in `currency`'s minor units (10000 cents, 100 yen, 100000 fils)."""
    return THRESHOLD_MAJOR_UNITS * 10 ** money.get_currency(currency).exponent


@hooks.register(MODIFY_QUOTE)
def free_gift_over_100(basket: Basket, context: QuoteContext) -> Basket | None:
    if basket.subtotal <= gift_threshold(basket.currency):
        return None
    # item_id=None: no item of the catalog, so the shopper cannot change or remove it.
    gift = LineInput(item_id=None, title=GIFT_TITLE, unit_amount=0, quantity=1, sku=GIFT_SKU)
    return basket.with_line(gift)
