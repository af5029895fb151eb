"""The one wiring of "what shoppers see has changed" for the caches kept behind a stamp
(the cart's item offers, the parts of pages, whole pages).

Each cache names what it shows besides pages; the page events and view restrictions are
common to all, so a change an editor makes can never reach one cache and miss another.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move


def connect_page_changes(
    invalidate: Callable[[], None],
    uid: str,
    *,
    senders: Mapping[str, type[Model]] | None = None,
    renditions_of: type[Model] | None = None,
) -> None:
    """Call `invalidate` when a page is saved (a publish saves the live page; a price
    change arrives as one), deleted, published, unpublished or moved; when a view
    restriction or its groups change (which items visitors may see); when a model of
    `senders` is saved or deleted; and when a rendition of the image model `renditions_of`
    is deleted (a new file or focal point). `uid` keeps each cache's receivers apart."""

    def changed(sender: Any, **kwargs: Any) -> None:
        invalidate()

    def page_saved_or_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
        if isinstance(instance, Page):
            invalidate()

    # The receivers are closures: held strongly, or they would be collected at once.
    post_save.connect(page_saved_or_deleted, weak=False, dispatch_uid=uid + "page_saved")
    post_delete.connect(page_saved_or_deleted, weak=False, dispatch_uid=uid + "page_deleted")
    for signal, name in (
        (page_published, "published"),
        (page_unpublished, "unpublished"),
        (post_page_move, "moved"),
    ):
        signal.connect(changed, weak=False, dispatch_uid=uid + name)
    for name, sender in {"restriction": PageViewRestriction, **(senders or {})}.items():
        for signal, change in ((post_save, "saved"), (post_delete, "deleted")):
            signal.connect(changed, sender=sender, weak=False, dispatch_uid=f"{uid}{name}_{change}")
    m2m_changed.connect(
        changed,
        sender=PageViewRestriction.groups.through,
        weak=False,
        dispatch_uid=uid + "restriction_groups",
    )
    if renditions_of is not None:
        post_delete.connect(
            changed,
            sender=renditions_of.get_rendition_model(),
            weak=False,
            dispatch_uid=uid + "rendition_deleted",
        )
