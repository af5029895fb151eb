"""What the shop offers a shopper right now for a set of item ids: the items that are
live, for sale and not in a private section the request has not been let into, with
what pricing needs of each.

The cart prices itself on every change, so these are kept in the shared cache
(`StampedCache`), made out of date by any change to a page, a page's place in the tree
or a view restriction (the receivers below); items not cached yet are read in one
query however many. A cached offer only says whether the item lies under a view
restriction: whether this request may see it is then checked on the database
(`ItemPageQuerySet.visible_to`), as it depends on the shopper.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.db.models.functions import Length, Substr
from django.http import HttpRequest
from wagtail.models import PageViewRestriction

from ..models import ItemPage
from ..page_changes import connect_page_changes
from ..stamped_cache import StampedCache

# How long an offer may be kept at most, should a change ever bypass the signals.
OFFER_SECONDS = 300
# Read on every cart change: each process keeps up to this many offers and carts' offer
# groups in memory too, behind the same stamp (see `StampedCache`).
OFFERS_KEPT_IN_PROCESS = 4096
OFFERS = StampedCache("offers", OFFER_SECONDS, kept_in_process=OFFERS_KEPT_IN_PROCESS)


@dataclass(frozen=True)
class Offer:
    """An item as a cart prices it; named like the item page's own fields, so order
    placement's `line_inputs` reads either. `restricted`: under a view restriction."""

    pk: int
    title: str
    price_amount: int
    currency: str
    sku: str
    restricted: bool = False


def under_view_restriction() -> Exists:
    """Whether a view restriction covers an item page of the outer query: one on the page
    or on any ancestor, whose path starts the item's path. Cached facts keep only this;
    whether a shopper may see the item is theirs, checked when they ask."""
    return Exists(
        PageViewRestriction.objects.filter(
            page__path=Substr(OuterRef("path"), 1, Length("page__path"))
        )
    )


def read_offers(ids: set[int]) -> dict[int, Offer]:
    """The live, for-sale items among `ids`, from the database, in one query."""
    rows = (
        ItemPage.objects.purchasable()
        .filter(pk__in=ids)
        .annotate(restricted=under_view_restriction())
        .values_list("pk", "title", "price_amount", "currency", "sku", "restricted")
    )
    return {row[0]: Offer(*row) for row in rows}


def find_offers(
    request: HttpRequest, ids: Iterable[int], group: str | None = None
) -> dict[int, Offer]:
    """The offers among `ids` this request may buy, by id. `group` names a set of ids
    asked for together again and again (a cart's), cached as one entry: one cache read
    instead of one per item."""
    ids = set(ids)
    offers = _group_offers(group, ids) if group else OFFERS.get_many(ids, read_offers)
    private = [pk for pk, offer in offers.items() if offer.restricted]
    if private:
        visible = set(
            ItemPage.objects.filter(pk__in=private).visible_to(request).values_list("pk", flat=True)
        )
        offers = {pk: offer for pk, offer in offers.items() if pk not in private or pk in visible}
    return offers


def _group_offers(group: str, ids: set[int]) -> dict[int, Offer]:
    stamp, stored = OFFERS.read(f"group:{group}")
    known: dict[int, Offer | None] = dict(stored or {})
    missing = ids - known.keys()
    if missing:
        found = OFFERS.get_many(missing, read_offers)
        known.update({pk: found.get(pk) for pk in missing})  # None: not for sale
        OFFERS.write(f"group:{group}", stamp, {pk: known[pk] for pk in ids})
    return {pk: offer for pk in ids if (offer := known.get(pk)) is not None}


def connect_receivers() -> None:
    """Offers go out of date when a page is saved (published, unpublished, edited),
    deleted or moved, and when a view restriction is made, changed or removed."""
    connect_page_changes(OFFERS.invalidate, "commerce.cart.offers.")
