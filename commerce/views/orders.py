"""Orders from the cart: placing one, reading it back, and paying it through Checkout."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse

from ..cart import CartBusy, get_cart
from ..cart.ordering import owned_order, place_cart_order
from ..cart.serialize import quote_json
from ..http import allow_methods, json_endpoint, json_error
from ..models import Order, OrderStatus, PaymentMethod
from ..orders import PlacementRefused
from ..payments.exceptions import PaymentError
from ..throttling import rate_limit, refuse_prefetch
from .cart import BUSY_MESSAGE, wants_json

logger = logging.getLogger(__name__)

NO_ORDER_MESSAGE = "No order with this id."
NO_METHOD_MESSAGE = "No such way to pay."


@json_endpoint
@allow_methods("POST")
@refuse_prefetch
@rate_limit("cart", "COMMERCE_CART_RATE")
def cart_order(request: HttpRequest) -> HttpResponse:
    """`POST /v2/cart/order/`: `201 {"orderId", "orderCreated": true}`, or `400
    {"orderCreated": false, "error"}` (409 when a `BEFORE_PLACE_ORDER` hook refused the
    order, or the status it gave). The Pay form without JavaScript goes straight on to
    Stripe Checkout (303)."""
    try:
        order = place_cart_order(request, get_cart(request))
    except PlacementRefused as refusal:
        if not wants_json(request):
            return _payment_error(request, refusal.status, refusal.message)
        return json_error(refusal.status, refusal.message, orderCreated=False)
    except CartBusy:
        return json_error(503, BUSY_MESSAGE, orderCreated=False)
    if not wants_json(request) and request.POST.get("pay") == "card":
        return HttpResponseRedirect(
            reverse("commerce:order_payment_page", args=[order.pk]), status=303
        )
    if not wants_json(request):
        return _start_checkout(request, order)
    return JsonResponse({"orderId": order.pk, "orderCreated": True}, status=201)


@json_endpoint
@allow_methods("GET", "HEAD")
def order_detail(request: HttpRequest, order_id: str) -> HttpResponse:
    """`GET /v2/order/{id}/`: the order as JSON, for its owner only (anyone else: 404)."""
    order = owned_order(request, order_id)
    if order is None:
        return json_error(404, NO_ORDER_MESSAGE)
    response = JsonResponse(order_json(order))
    response["Cache-Control"] = "no-store"
    return response


@json_endpoint
@allow_methods("POST")
@refuse_prefetch
@rate_limit("cart", "COMMERCE_CART_RATE")
def order_checkout(request: HttpRequest, order_id: str) -> HttpResponse:
    """`POST /v2/order/{id}/checkout/`: `{"sessionId", "url"}` of a Checkout Session for
    the whole order; the same one again while it stays open."""
    order = owned_order(request, order_id)
    if order is None:
        return json_error(404, NO_ORDER_MESSAGE)
    return _start_checkout(request, order)


@json_endpoint
@allow_methods("POST")
@refuse_prefetch
@rate_limit("cart", "COMMERCE_CART_RATE")
def order_payment(request: HttpRequest, order_id: str, method: str) -> HttpResponse:
    """`POST /v2/order/{id}/payment/{method}/`: the order's attempt with any payment
    method the store has, a host app's too: `{"orderId", "method", "redirectUrl",
    "clientSecret"}`, whichever of the last two the method uses (the other is ""). An
    unknown order or method: 404."""
    from ..payments.methods.registry import UnknownPaymentMethod, method_named

    order = owned_order(request, order_id)
    if order is None:
        return json_error(404, NO_ORDER_MESSAGE)
    try:
        payment_method = method_named(method)
    except UnknownPaymentMethod:
        return json_error(404, NO_METHOD_MESSAGE)
    try:
        started = payment_method.start(order, request)
    except PaymentError as error:
        logger.warning("Payment %s for order %s failed: %s", method, order.pk, error.detail)
        return json_error(error.status, error.customer_message)
    response = JsonResponse(
        {
            "orderId": order.pk,
            "method": payment_method.name,
            "redirectUrl": started.redirect_url,
            "clientSecret": started.client_secret,
        }
    )
    response["Cache-Control"] = "no-store"
    return response


def order_json(order: Order) -> dict[str, Any]:
    """`{"orderId", "status", "paid", "currency", "lines", "subtotal", "discount",
    "taxes", "tax", "total"}` from the order's own snapshots."""
    from ..orders.placement import quote_order

    return {
        "orderId": order.pk,
        "status": order.status,
        "paid": order.status == OrderStatus.PAID,
        **quote_json(quote_order(order)),
    }


def _start_checkout(request: HttpRequest, order: Order) -> HttpResponse:
    from ..payments.methods.registry import method_named

    form_post = not wants_json(request)
    if order.status != OrderStatus.PENDING:
        message = "This order cannot be paid any more."
        if order.status == OrderStatus.PAID:
            message = "This order is already paid."
        if form_post:
            return _payment_error(request, 409, message)
        return json_error(409, message, orderStatus=order.status)
    try:
        payment = method_named(PaymentMethod.CHECKOUT_SESSION).start(order, request).payment
    except PaymentError as error:
        logger.warning("Checkout for order %s failed: %s", order.pk, error.detail)
        if form_post:
            return _payment_error(request, error.status, error.customer_message)
        return json_error(error.status, error.customer_message)
    if form_post:
        return HttpResponseRedirect(payment.url, status=303)
    return JsonResponse({"sessionId": payment.stripe_id, "url": payment.url, "orderId": order.pk})


def _payment_error(request: HttpRequest, status: int, message: str) -> HttpResponse:
    return TemplateResponse(
        request, "commerce/payment_error.html", {"message": message}, status=status
    )
