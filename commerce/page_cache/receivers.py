"""Every stored page goes out of date when anything it may show changes.

One stamp for all pages rather than a list of the pages each change touches: an item
shows on its own page, its catalogs, the item list, search results and the home page,
its price and title in every one of them, and a page's title in the header's menu of
every page. Changes made by editors are rare next to page views, so starting the whole
cache afresh is cheap, and it cannot miss a page.
"""

from __future__ import annotations

from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Site

from ..page_changes import connect_page_changes
from .store import invalidate_pages

UID = "commerce.page_cache."


def connect_receivers() -> None:
    """Pages: saved (a publish saves the live page; a price change arrives as one),
    published, unpublished, moved or deleted. What pages show beside them: images and
    documents, deleted renditions (a new file or focal point), sites (names, root pages),
    view restrictions (which items anonymous visitors may see), and the shop's
    discounts, taxes and settings."""
    from ..models import Discount, ShopSettings, Tax

    image_model = get_image_model()
    connect_page_changes(
        invalidate_pages,
        UID,
        senders={
            "image": image_model,
            "document": get_document_model(),
            "site": Site,
            "discount": Discount,
            "tax": Tax,
            "shop_settings": ShopSettings,
        },
        renditions_of=image_model,
    )
