"""Buying now through Stripe Checkout, and the page Checkout sends the shopper back to."""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from ..http import allow_methods, json_endpoint, json_error, shopper_key
from ..identifiers import is_stripe_id, parse_page_id
from ..models import OrderStatus, StatusChangeSource
from ..orders import OrderRefused, PlacementRefused
from ..orders.buy_now import READ_BY_EVERY_BUY, Buyable, buy_now, find_buyable
from ..payments import gateway
from ..payments.accounts import account_by_label
from ..payments.exceptions import PaymentError
from ..payments.methods.builtin import checkout_success_url
from ..payments.methods.checkout_session import (
    CheckoutUrls,
    apply_checkout_session,
    find_order_for_returning_shopper,
)
from ..pricing.defaults import site_for_request
from ..stamped_cache import stamps_read_together
from ..throttling import rate_limit, refuse_prefetch

logger = logging.getLogger(__name__)

NOT_FOR_SALE = "No item with this id is for sale."


@json_endpoint
@allow_methods("GET", "POST")
@refuse_prefetch
@rate_limit("buy", "COMMERCE_BUY_RATE")
@stamps_read_together(*READ_BY_EVERY_BUY)
def buy(request: HttpRequest, item_id: str) -> HttpResponse:
    """`GET /v1/buy/{id}/`: a Checkout Session for one item, as `{"sessionId", "url"}`.

    `POST` (the Buy button's form, for browsers without JavaScript) answers a 303
    redirect to the same session. The same shopper asking again while the session is
    open gets the same order and session back.
    """
    item = _item_for_sale(request, item_id)
    if item is None:
        return _buy_error(request, 404, NOT_FOR_SALE)

    urls = CheckoutUrls(
        success_url=checkout_success_url(request),
        cancel_url=_item_url(request, item) + "?checkout=canceled",
        image_url=_absolute_image_url(request, item),
    )
    try:
        payment = buy_now(
            item, shopper_key(request, placing=True), urls, user=request.user, request=request
        )
    except OrderRefused as refusal:
        return _buy_error(request, refusal.status, refusal.message)
    except PlacementRefused:
        return _buy_error(request, 404, NOT_FOR_SALE)
    except PaymentError as error:
        logger.warning("Buying item %s failed: %s", item.pk, error.detail)
        return _buy_error(request, error.status, error.customer_message)

    if request.method == "POST":
        return HttpResponseRedirect(payment.url, status=303)
    return JsonResponse(
        {"sessionId": payment.stripe_id, "url": payment.url, "orderId": payment.order_id}
    )


def _item_for_sale(request: HttpRequest, item_id: str) -> Buyable | None:
    """The item `item_id` names if this request may buy it (`find_buyable`)."""
    page_id = parse_page_id(item_id)
    return None if page_id is None else find_buyable(request, page_id)


def _item_url(request: HttpRequest, item: Buyable) -> str:
    """The item page's absolute URL, as `request.build_absolute_uri(page.get_url(request))`
    gives it, with the request's site taken from the cached table of sites instead of
    looked up: on the request's own site, its path on the request's host; on another
    site, that site's root URL."""
    if item.url_parts is None:
        return request.build_absolute_uri("/")
    site_id, root_url, path = item.url_parts
    site = site_for_request(request)
    if site is not None and site.site_id != site_id:
        return root_url + path
    return request.build_absolute_uri(path)


def _buy_error(request: HttpRequest, status: int, message: str) -> HttpResponse:
    if request.method == "POST":
        return TemplateResponse(
            request, "commerce/payment_error.html", {"message": message}, status=status
        )
    return json_error(status, message)


def _absolute_image_url(request: HttpRequest, item: Buyable) -> str | None:
    return request.build_absolute_uri(item.image_url) if item.image_url else None


@require_GET
def checkout_success(request: HttpRequest) -> HttpResponse:
    """Where Stripe Checkout returns the shopper. Asks Stripe, then says honestly whether
    the order is paid (the webhook may not have arrived yet)."""
    session_id = request.GET.get("session_id", "")
    found = (
        find_order_for_returning_shopper(session_id) if is_stripe_id(session_id, "cs_") else None
    )
    if found is None:
        raise Http404("Unknown checkout session.")
    order = found.order
    confirmation_failed = False
    account = account_by_label(found.stripe_account)
    if account is not None and order.status != OrderStatus.PAID and found.refund is None:
        try:
            session = gateway.retrieve_checkout_session(account, session_id)
            refreshed, _ = apply_checkout_session(
                account.label, session, source=StatusChangeSource.CHECKOUT_RETURN
            )
            order = refreshed or order
        except PaymentError:
            confirmation_failed = True
    return TemplateResponse(
        request,
        "commerce/checkout_success.html",
        {
            "order": order,
            "lines": order.lines.all(),
            "adjustments": order.adjustments.all(),
            "confirmation_failed": confirmation_failed,
            "refund": found.refund,
        },
    )
