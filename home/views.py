"""Site-wide plain views that are not pages."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.templatetags.static import static
from django.views.decorators.http import require_GET

# Only paths some route serves (tests/home/test_site_files.py checks each one), so the
# file stays true as routes are added: list a path here when its route exists.
ROBOTS_TXT = """User-agent: *
Disallow: /admin/
Disallow: /django-admin/
Disallow: /v1/buy/
Disallow: /v2/cart/
Disallow: /v2/order/
Disallow: /search/
"""


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Keep crawlers away from URLs with side effects (buying creates orders) and the admin."""
    return HttpResponse(ROBOTS_TXT, content_type="text/plain")


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """`/favicon.ico`, which browsers and feed readers ask for whatever the page links.

    A redirect to the static file, so it gets the static files' hashed name and caching
    in production; temporary, because that hashed name changes when the icon does.
    """
    return HttpResponseRedirect(static("favicon.ico"))
