"""The site's name as shoppers read it, in one place."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from wagtail.models import Site


def site_name(request: HttpRequest | None) -> str:
    """The name editors gave the Site in Wagtail's settings, else `WAGTAIL_SITE_NAME`.

    Each Site of a multi-site install may have its own name; the setting covers sites
    (and the migrations' default site) that have none.
    """
    site = Site.find_for_request(request) if request is not None else None
    if site is not None and site.site_name:
        return site.site_name
    return settings.WAGTAIL_SITE_NAME
