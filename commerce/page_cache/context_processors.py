"""Template context for pages rendered to be shared."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .store import is_shared_page_request


def shared_page(request: HttpRequest) -> dict[str, Any]:
    """On a page stored for everyone, `{% csrf_token %}` renders nothing.

    Django's own `csrf` context processor runs first and a later processor's value wins;
    with an empty value the tag renders nothing (Django's "NOTPROVIDED" would too, with a
    deprecation warning from Django 5.2's own tag). Forms on such pages get their token
    from the `csrftoken` cookie (cart.js) or from the confirmation page a post without
    one is answered with (`commerce.views.csrf.csrf_failure`).
    """
    if is_shared_page_request(request):
        return {"csrf_token": ""}
    return {}
