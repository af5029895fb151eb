"""Answers for paths under a JSON endpoint's prefix that name nothing."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from ..http import json_error


@csrf_exempt
def json_not_found(request: HttpRequest, message: str = "Nothing here.") -> HttpResponse:
    """Any other path under a JSON endpoint's prefix (`/v1/buy/a%2Fb/`, `/v1/buy/`):
    a JSON 404 for every method, where Wagtail's page tree would answer an HTML page.
    CSRF-exempt because it changes nothing, so a PUT without a token gets this 404 too."""
    return json_error(404, message)
