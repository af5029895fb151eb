"""The home page: the root of the site's page tree."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index


class HomePage(Page):
    """The site's root page.

    It holds a short welcome text and shows the catalogs below it with a few of their
    newest items, so a shopper lands on something to buy. There is only one per site,
    hence `max_count`.
    """

    intro = RichTextField(blank=True, help_text="A short welcome shown above the catalogs.")

    content_panels = Page.content_panels + [FieldPanel("intro")]
    search_fields = Page.search_fields + [index.SearchField("intro")]
    max_count = 1
    subpage_types = ["commerce.CatalogPage"]

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from commerce.models import CatalogPage, ItemPage

        context = super().get_context(request, *args, **kwargs)
        context["catalogs"] = CatalogPage.objects.live().child_of(self).order_by("path")
        context["featured_items"] = (
            ItemPage.objects.for_listing()
            .visible_to(request)
            .descendant_of(self)
            .order_by("-first_published_at")[:8]
        )
        return context

    class Meta:
        verbose_name = "home page"
