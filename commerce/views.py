"""The commerce app's HTTP surface. Views stay thin: parse, call one function, respond."""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from . import services, webhooks
from .http import allow_methods, json_endpoint, json_error, shopper_key
from .identifiers import is_stripe_id, parse_page_id
from .models import ItemPage, OrderStatus
from .models.pages import LISTING_IMAGE_SPEC, paginate
from .payments import gateway
from .payments.accounts import account_by_label
from .payments.exceptions import PaymentError
from .search import clean_query, search_items
from .throttling import rate_limit, refuse_prefetch

logger = logging.getLogger(__name__)


@require_GET
def item_detail(request: HttpRequest, item_id: str) -> HttpResponse:
    """`GET /v1/item/{id}/`: the assignment's item URL, sent to the item's page in the tree.

    Redirecting (rather than rendering a copy) keeps one canonical URL per item, so
    previews, caching and search engines see a single page.
    """
    page_id = parse_page_id(item_id)
    if page_id is None:
        raise Http404("No item with this id.")
    item = get_object_or_404(ItemPage.objects.live().visible_to(request), pk=page_id)
    url = item.get_url(request)
    if not url:
        raise Http404("This item is not part of a site.")
    return HttpResponseRedirect(url)


@require_GET
def item_list(request: HttpRequest) -> HttpResponse:
    """`GET /v2/item/list/`: every live item of every catalog, paginated."""
    items = paginate(request, ItemPage.objects.for_listing().visible_to(request))
    return TemplateResponse(request, "commerce/item_list.html", {"items": items})


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """`GET /search/?query=`: items matching the shopper's words."""
    query = clean_query(request.GET.get("query", ""))
    items = paginate(request, search_items(query, request)) if query else None
    return TemplateResponse(request, "commerce/search.html", {"query": query, "items": items})


@json_endpoint
@allow_methods("GET", "POST")
@refuse_prefetch
@rate_limit("buy", "COMMERCE_BUY_RATE")
def buy(request: HttpRequest, item_id: str) -> HttpResponse:
    """`GET /v1/buy/{id}/`: a Checkout Session for one item, as `{"sessionId", "url"}`.

    `POST` (the Buy button's form, for browsers without JavaScript) answers a 303
    redirect to the same session. The same shopper asking again while the session is
    open gets the same order and session back.
    """
    item = None
    page_id = parse_page_id(item_id)
    if page_id is not None:
        # A private item answers like an unknown one, so its id leaks nothing.
        items = ItemPage.objects.purchasable().visible_to(request)
        item = items.filter(pk=page_id).first()
    if item is None:
        return _buy_error(request, 404, "No item with this id is for sale.")

    urls = services.CheckoutUrls(
        success_url=request.build_absolute_uri(reverse("commerce:checkout_success"))
        + "?session_id={CHECKOUT_SESSION_ID}",
        cancel_url=request.build_absolute_uri(item.get_url(request) or "/") + "?checkout=canceled",
        image_url=_absolute_image_url(request, item),
    )
    try:
        order = services.buy_now(item, shopper_key(request), urls, user=request.user)
    except services.ItemNotForSale:
        return _buy_error(request, 404, "No item with this id is for sale.")
    except PaymentError as error:
        logger.warning("Buying item %s failed: %s", item.pk, error.detail)
        return _buy_error(request, error.status, error.customer_message)

    if request.method == "POST":
        return HttpResponseRedirect(order.checkout_url, status=303)
    return JsonResponse(
        {
            "sessionId": order.stripe_checkout_session_id,
            "url": order.checkout_url,
            "orderId": order.pk,
        }
    )


def _buy_error(request: HttpRequest, status: int, message: str) -> HttpResponse:
    if request.method == "POST":
        return TemplateResponse(
            request, "commerce/payment_error.html", {"message": message}, status=status
        )
    return json_error(status, message)


def _absolute_image_url(request: HttpRequest, item: ItemPage) -> str | None:
    if item.image is None:
        return None
    return request.build_absolute_uri(item.image.get_rendition(LISTING_IMAGE_SPEC).url)


@require_GET
def checkout_success(request: HttpRequest) -> HttpResponse:
    """Where Stripe Checkout returns the shopper. Asks Stripe, then says honestly whether
    the order is paid (the webhook may not have arrived yet)."""
    session_id = request.GET.get("session_id", "")
    order, refund = (
        services.find_order_for_returning_shopper(session_id)
        if is_stripe_id(session_id, "cs_")
        else (None, None)
    )
    if order is None:
        raise Http404("Unknown checkout session.")
    confirmation_failed = False
    account = account_by_label(order.stripe_account)
    if account is not None and order.status != OrderStatus.PAID and refund is None:
        try:
            session = gateway.retrieve_checkout_session(account, session_id)
            refreshed, _ = services.apply_checkout_session(account.label, session)
            order = refreshed or order
        except PaymentError:
            confirmation_failed = True
    return TemplateResponse(
        request,
        "commerce/checkout_success.html",
        {
            "order": order,
            "lines": order.lines.all(),
            "confirmation_failed": confirmation_failed,
            "refund": refund,
        },
    )


@json_endpoint
@allow_methods("POST", csrf_protected=False)
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """`POST /stripe/webhook/`: Stripe's events, for every configured account."""
    # Anything unexpected becomes a 503 (json_endpoint): Stripe then delivers the event
    # again later, and nothing of it was committed.
    try:
        result = webhooks.receive(request.body, request.headers.get("Stripe-Signature", ""))
    except gateway.InvalidSignature as error:
        return json_error(400, f"Invalid webhook signature: {error}")
    except webhooks.MalformedEvent as error:
        return json_error(400, f"Not a Stripe event: {error}")
    return JsonResponse({"received": True, "id": result.event_id, "duplicate": result.duplicate})


@csrf_exempt
def json_not_found(request: HttpRequest, message: str = "Nothing here.") -> HttpResponse:
    """Any other path under a JSON endpoint's prefix (`/v1/buy/a%2Fb/`, `/v1/buy/`):
    a JSON 404 for every method, where Wagtail's page tree would answer an HTML page.
    CSRF-exempt because it changes nothing, so a PUT without a token gets this 404 too."""
    return json_error(404, message)
