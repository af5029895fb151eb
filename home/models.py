"""The home page: the root of the site's page tree."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from .branding import site_name


class HomePage(Page):
    """The site's root page.

    It holds a short welcome text and shows the catalogs below it with a few of their
    newest items, so a shopper lands on something to buy. There is only one per site,
    hence `max_count`.
    """

    heading = models.CharField(
        max_length=255,
        blank=True,
        help_text="The page's main heading. Empty: the site's name.",
    )
    intro = RichTextField(blank=True, help_text="A short welcome shown above the catalogs.")

    content_panels = Page.content_panels + [FieldPanel("heading"), FieldPanel("intro")]
    search_fields = Page.search_fields + [index.SearchField("intro")]
    max_count = 1
    subpage_types = ["commerce.CatalogPage"]

    def route(self, request: HttpRequest, path_components: list[str]) -> Any:
        # Items (catalog/item/ and deeper) by their URL path, the home page's own children
        # (catalogs) by their slug, each in one query.
        from commerce.models.pages import route_to_child, route_to_item

        if len(path_components) >= 2:
            return route_to_item(self, request, path_components)
        return route_to_child(self, request, path_components)

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from commerce.fragments import listed
        from commerce.models import CatalogPage, ItemPage
        from commerce.models.pages import PageLink, _restricted_q

        context = super().get_context(request, *args, **kwargs)
        context["heading"] = self.heading_for(request)

        # Links and ids only, kept in the cache as the cards are (commerce.fragments);
        # private catalogs stay out, as they do from the menu and from catalogs.
        def catalog_links() -> list[PageLink]:
            catalogs = CatalogPage.objects.live().child_of(self).exclude(_restricted_q(request))
            return [
                PageLink(catalog.get_url(request), catalog.title)
                for catalog in catalogs.order_by("path")
            ]

        def newest() -> list[int]:
            return list(
                ItemPage.objects.live()
                .visible_to(request)
                .descendant_of(self)
                .order_by("-first_published_at")
                .values_list("pk", flat=True)[:8]
            )

        lists = listed(request, {f"catalogs:{self.pk}": catalog_links, f"newest:{self.pk}": newest})
        context["catalog_links"] = lists[f"catalogs:{self.pk}"]
        context["featured_items"] = lists[f"newest:{self.pk}"]
        return context

    def heading_for(self, request: HttpRequest | None) -> str:
        """The editor's heading, else the site's name: the page's title ("Home") names it
        in the page tree, which is not what a shopper should read first."""
        return self.heading or site_name(request)

    class Meta:
        verbose_name = "home page"
