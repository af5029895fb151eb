"""Site-wide plain views that are not pages."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

ROBOTS_TXT = """User-agent: *
Disallow: /admin/
Disallow: /v1/buy/
Disallow: /v2/cart/
Disallow: /v2/order/
Disallow: /search/
"""


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Keep crawlers away from URLs with side effects (buying creates orders) and the admin."""
    return HttpResponse(ROBOTS_TXT, content_type="text/plain")
