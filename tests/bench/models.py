"""The baseline every shopper page is compared with."""

from wagtail.models import Page


class BarePage(Page):
    """A Wagtail page with nothing of its own, rendered with the site's base template:
    what any page of this site costs before the store adds anything."""

    template = "bench/bare_page.html"
