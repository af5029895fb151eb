"""Buy now: an order of one line, placed and sent to Stripe Checkout in one go.

What buying an item needs of it (its price and names, whether it is for sale and
private, its page's place on its site and its picture's URL) is kept in the shared
cache (`StampedCache`), made out of date by the one wiring of page changes (a page
saved, published, unpublished, moved or deleted, a view restriction changed) and by
changes to sites, images and renditions, so a buy reads no item, page or image row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from wagtail.images import get_image_model
from wagtail.models import Site

from ..cart.offers import Offer, under_view_restriction
from ..models import ItemPage, Payment
from ..models.pages import LISTING_IMAGE_SPEC
from ..page_changes import connect_page_changes
from ..payments import pricing_objects
from ..payments.accounts import account_for_currency
from ..payments.methods.checkout_session import CheckoutUrls, first_attempt, start_checkout
from ..pricing.defaults import TAX_TABLE
from ..stamped_cache import StampedCache
from .placement import place_order

# How long an item's facts may be kept at most, should a change ever bypass the signals.
BUYABLE_SECONDS = 300
BUYABLE = StampedCache("buyable", BUYABLE_SECONDS, kept_in_process=1024, works_without_cache=True)

# The kinds of cached values every buy reads, each behind its stamp: the item, the default
# taxes and the ids of Stripe's TaxRates and Coupons. The view reads their stamps in one
# round trip (`stamped_cache.stamps_read_together`).
READ_BY_EVERY_BUY = (BUYABLE, TAX_TABLE, pricing_objects.KNOWN)


@dataclass(frozen=True)
class Buyable(Offer):
    """An item for sale as buying it now needs it: the cart's offer of it plus where
    Checkout links back to. `url_parts`: Wagtail's `get_url_parts` of its page (site id,
    site root URL, path on that site), None if it has no URL; `image_url`: its picture's
    listing rendition, as the storage names it."""

    url_parts: tuple[int, str, str] | None = None
    image_url: str | None = None
    live: bool = True
    available_for_sale: bool = True


def read_buyables(ids: set[int]) -> dict[int, Buyable]:
    """The live, for-sale items among `ids`, from the database."""
    items = (
        ItemPage.objects.purchasable()
        .filter(pk__in=ids)
        .select_related("image")
        .annotate(restricted=under_view_restriction())
    )
    found = {}
    for item in items:
        parts = item.get_url_parts()
        found[item.pk] = Buyable(
            pk=item.pk,
            title=item.title,
            price_amount=item.price_amount,
            currency=item.currency,
            sku=item.sku,
            restricted=item.restricted,
            url_parts=parts if parts is not None and parts[2] is not None else None,
            image_url=(
                item.image.get_rendition(LISTING_IMAGE_SPEC).url if item.image is not None else None
            ),
        )
    return found


def find_buyable(request: HttpRequest, item_id: int) -> Buyable | None:
    """The item `item_id` names if this request may buy it. A private item is checked
    against the request's passes on the database; it answers like an unknown one, so its
    id leaks nothing."""
    item = BUYABLE.get_many([item_id], read_buyables).get(item_id)
    if item is not None and item.restricted:
        visible = ItemPage.objects.filter(pk=item_id).visible_to(request).exists()
        return item if visible else None
    return item


def buy_now(
    item: ItemPage | Buyable,
    shopper_key: str,
    urls: CheckoutUrls,
    user: Any = None,
    request: Any = None,
) -> Payment:
    """A pending one-line order with an open Checkout Session, reused while it stays open.

    The same shopper asking again for the same item (a reload, a double click, a
    crawler that ignored robots.txt) gets the same order and session back, however many
    requests arrive at once: the order's open key names the shopper and the item, and
    its one live payment attempt is shared. Raises `PlacementRefused` (`OrderRefused` when
    a `BEFORE_PLACE_ORDER` hook refuses) or a `PaymentError`
    (no order is written when no Stripe account takes the item's currency).
    """
    account = account_for_currency(item.currency)
    started: list[Payment] = []
    order = place_order(
        currency=item.currency,
        lines=[(item, 1)],
        discount=None,
        shopper_key=shopper_key,
        user=user,
        open_key=f"buy-now:{shopper_key}:{item.pk}",
        request=request,
        # A new order is written with its first attempt, in one transaction.
        start=lambda order: started.append(first_attempt(order, account)),
    )
    return start_checkout(order, urls, started[0] if started else None)


def connect_receivers() -> None:
    """Items' facts go out of date on any page change, and when a site (their URLs), an
    image or a rendition (their pictures) changes."""
    image_model = get_image_model()
    connect_page_changes(
        BUYABLE.invalidate,
        "commerce.orders.buy_now.",
        senders={"image": image_model, "site": Site},
        renditions_of=image_model,
    )
