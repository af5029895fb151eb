"""What a post refused by the CSRF check is answered with.

Pages kept in the shared cache carry no CSRF token (it would be one shopper's), so a
browser without JavaScript posts their Add to cart and Buy forms without one. Rather
than Django's bare 403, it gets a small page, never cached, that asks again with a fresh
token and the same item and quantity: one more click, and the form works. Scripts get a
JSON 403; any other refusal (a post from another site among them) Django's own page.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import REASON_CSRF_TOKEN_MISSING, REASON_NO_CSRF_COOKIE
from django.template.response import TemplateResponse
from django.views.csrf import csrf_failure as django_csrf_failure

from ..http import json_error, shopper_key
from ..identifiers import parse_page_id
from ..models import ItemPage

CSRF_MESSAGE = "The form's security token is missing or out of date. Reload the page and try again."
# A post without a token from the store's own page; a token from another site is refused.
CONFIRMABLE_REASONS = (REASON_NO_CSRF_COOKIE, REASON_CSRF_TOKEN_MISSING)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """`CSRF_FAILURE_VIEW`: a confirmation page for the cart's and Buy's plain forms."""
    if request.content_type == "application/json" or "application/json" in request.headers.get(
        "Accept", ""
    ):
        return json_error(403, CSRF_MESSAGE)
    action = _confirmable_action(request)
    if action is None or reason not in CONFIRMABLE_REASONS:
        return django_csrf_failure(request, reason)
    return confirmation_page(request, action)


def _confirmable_action(request: HttpRequest) -> str | None:
    from . import buy, cart_add

    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    return {cart_add: "add", buy: "buy"}.get(match.func)


def confirmation_page(request: HttpRequest, action: str) -> HttpResponse:
    """The same form again, with a token (and a session, so the click lands in one cart)."""
    shopper_key(request)
    if action == "add":
        item_id = request.POST.get("itemId", "")
        fields = {name: request.POST.get(name, "") for name in ("itemId", "quantity", "next")}
    else:
        item_id = request.resolver_match.kwargs.get("item_id", "")
        fields = {}
    page_id = parse_page_id(str(item_id))
    item = (
        ItemPage.objects.live().visible_to(request).filter(pk=page_id).first()
        if page_id is not None
        else None
    )
    context = {"action": action, "item": item, "fields": fields, "form_url": request.path}
    response = TemplateResponse(request, "commerce/confirm_post.html", context, status=403)
    response["Cache-Control"] = "no-store"
    return response
