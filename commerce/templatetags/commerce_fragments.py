"""Tags for the parts of shopper pages kept in the shared cache (see `commerce.fragments`):

{% item_cards_html items heading_level=2 %}
{% page_fragments page "breadcrumbs" "item_media" as fragments %}
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.safestring import SafeString
from wagtail.models import Page

from commerce import fragments
from commerce.models import ItemPage

register = template.Library()


@register.simple_tag(takes_context=True)
def item_cards_html(
    context: template.Context, items: Iterable[ItemPage | int], heading_level: int = 2
) -> SafeString:
    """The cards of `items` for this request as one piece of HTML, for a grid."""
    return fragments.item_cards_html(context["request"], items or [], heading_level)


@register.simple_tag(takes_context=True)
def page_fragments(context: template.Context, page: Page, *names: str) -> dict[str, SafeString]:
    """The named parts of `page` for this request (see `PAGE_FRAGMENT_TEMPLATES`)."""
    return fragments.page_fragments(context.get("request"), page, names)
