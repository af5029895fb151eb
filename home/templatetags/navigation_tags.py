"""The site header's navigation: the shop's top catalogs, as editors arrange them."""

from __future__ import annotations

from typing import Any

from django import template
from wagtail.models import Page, Site

from home.branding import site_name

register = template.Library()


@register.simple_tag(takes_context=True)
def current_site_name(context: template.Context) -> str:
    """The site's name for the header and the window title."""
    return site_name(context.get("request"))


def top_catalogs(request: Any) -> list[Page]:
    """Live catalogs directly under the site's home page that editors show in menus.

    The tree's order is the menu's order, so editors arrange the menu by moving pages.
    Private catalogs (under a view restriction the request has not passed) stay out of it,
    as they do from catalog listings. One query, however many catalogs there are: the
    site, its root page and the request's restrictions are cached on the request.
    """
    from commerce.models import CatalogPage
    from commerce.models.pages import _restricted_q

    site = Site.find_for_request(request) if request is not None else None
    if site is None:
        return []
    catalogs = CatalogPage.objects.child_of(site.root_page).live().in_menu()
    return list(catalogs.exclude(_restricted_q(request)).order_by("path"))


@register.inclusion_tag("home/includes/site_nav.html", takes_context=True)
def site_nav(context: template.Context) -> dict[str, Any]:
    """The header's links, with the catalog being read (or containing the page) marked."""
    current = context.get("page")
    current_path = current.path if isinstance(current, Page) else ""
    links = []
    for catalog in top_catalogs(context.get("request")):
        if catalog.path == current_path:
            state = "page"
        elif current_path.startswith(catalog.path):
            state = "true"
        else:
            state = ""
        links.append((catalog, state))
    return {"request": context.get("request"), "catalog_links": links}
