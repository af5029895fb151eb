"""Every stored page goes out of date when anything it may show changes.

One stamp for all pages rather than a list of the pages each change touches: an item
shows on its own page, its catalogs, the item list, search results and the home page,
its price and title in every one of them, and a page's title in the header's menu of
every page. Changes made by editors are rare next to page views, so starting the whole
cache afresh is cheap, and it cannot miss a page.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from .store import invalidate_pages

UID = "commerce.page_cache."


def _out_of_date(sender: Any, **kwargs: Any) -> None:
    invalidate_pages()


def _page_saved_or_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    if isinstance(instance, Page):
        invalidate_pages()


def connect_receivers() -> None:
    """Pages: saved (a publish saves the live page; a price change arrives as one),
    published, unpublished, moved or deleted. What pages show beside them: images and
    documents, deleted renditions (a new file or focal point), sites (names, root pages),
    view restrictions (which items anonymous visitors may see), and the shop's
    discounts, taxes and settings."""
    from ..models import Discount, ShopSettings, Tax

    post_save.connect(_page_saved_or_deleted, dispatch_uid=UID + "page_saved")
    post_delete.connect(_page_saved_or_deleted, dispatch_uid=UID + "page_deleted")
    for signal, name in (
        (page_published, "published"),
        (page_unpublished, "unpublished"),
        (post_page_move, "moved"),
    ):
        signal.connect(_out_of_date, dispatch_uid=UID + name)
    image_model = get_image_model()
    senders = {
        "image": image_model,
        "document": get_document_model(),
        "site": Site,
        "restriction": PageViewRestriction,
        "discount": Discount,
        "tax": Tax,
        "shop_settings": ShopSettings,
    }
    for name, sender in senders.items():
        for signal, change in ((post_save, "saved"), (post_delete, "deleted")):
            signal.connect(_out_of_date, sender=sender, dispatch_uid=f"{UID}{name}_{change}")
    m2m_changed.connect(
        _out_of_date,
        sender=PageViewRestriction.groups.through,
        dispatch_uid=UID + "restriction_groups",
    )
    post_delete.connect(
        _out_of_date,
        sender=image_model.get_rendition_model(),
        dispatch_uid=UID + "rendition_deleted",
    )
