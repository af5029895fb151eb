"""Paying an order on the store's own page (Stripe's Payment Element), and the pages that
say how the payment went.

The payment page itself calls no Stripe API: its script asks
`POST /v2/order/{id}/payment-intent/` for the intent, so loading or prefetching the page
creates nothing. The status page and the status check never trust the query string: they
ask Stripe about the intent, update the order, and answer only the order's owner.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET
from wagtail.models import Site

from ..cart.ordering import orders_of, owned_order
from ..conf import app_settings
from ..http import allow_methods, json_endpoint, json_error
from ..models import Order, OrderStatus, Payment, PaymentMethod, ShopSettings
from ..orders.transitions import PAID_STATUSES
from ..payments import gateway
from ..payments.accounts import account_by_label
from ..payments.exceptions import PaymentError
from ..payments.methods.payment_intent import apply_payment_intent, intent_id_from_secret
from ..payments.methods.registry import method_named
from ..throttling import rate_limit, refuse_prefetch
from .orders import NO_ORDER_MESSAGE

logger = logging.getLogger(__name__)

NO_PAYMENT_MESSAGE = "No payment with this secret."


def _shop_settings(request: HttpRequest) -> ShopSettings | None:
    site = Site.find_for_request(request)
    return ShopSettings.for_site(site) if site is not None else None


@require_GET
def order_payment_page(request: HttpRequest, order_id: str) -> HttpResponse:
    """`GET /v2/order/{id}/pay/`: the order's summary and the Payment Element (its owner
    only; anyone else gets a 404)."""
    order = owned_order(request, order_id)
    if order is None:
        raise Http404(NO_ORDER_MESSAGE)
    response = TemplateResponse(
        request,
        "commerce/payment.html",
        {
            "order": order,
            "lines": order.lines.all(),
            "adjustments": order.adjustments.all(),
            "payable": order.status == OrderStatus.PENDING,
            "shop_settings": _shop_settings(request),
            "stripe_js_url": app_settings.STRIPE_JS_URL,
            "intent_url": reverse("commerce:order_payment_intent", args=[order.pk]),
            "return_url": request.build_absolute_uri(reverse("commerce:payment_status")),
            "receipt_email": order.email or getattr(request.user, "email", "") or "",
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@json_endpoint
@allow_methods("POST")
@refuse_prefetch
@rate_limit("cart", "COMMERCE_CART_RATE")
def order_payment_intent(request: HttpRequest, order_id: str) -> HttpResponse:
    """`POST /v2/order/{id}/payment-intent/`: `{"orderId", "clientSecret",
    "publishableKey", "amount", "currency"}`, the order's one live PaymentIntent."""
    order = owned_order(request, order_id)
    if order is None:
        return json_error(404, NO_ORDER_MESSAGE)
    try:
        started = method_named(PaymentMethod.PAYMENT_INTENT).start(order, request)
        payment, client_secret = started.payment, started.client_secret
        account = account_by_label(payment.stripe_account)
    except PaymentError as error:
        logger.warning("Payment intent for order %s failed: %s", order.pk, error.detail)
        return json_error(error.status, error.customer_message)
    response = JsonResponse(
        {
            "orderId": order.pk,
            "clientSecret": client_secret,
            "publishableKey": account.publishable_key if account is not None else "",
            "amount": payment.amount,
            "currency": payment.currency,
        }
    )
    response["Cache-Control"] = "no-store"
    return response


def _check_secret(
    request: HttpRequest, client_secret: str, source: str
) -> tuple[Order, dict[str, Any]] | None:
    """The shopper's order and the intent Stripe reports for `client_secret`, with the
    order brought up to date; None when the secret names no intent of this shopper's.
    Raises `PaymentError` when Stripe cannot be asked."""
    intent_id = intent_id_from_secret(client_secret)
    if not intent_id:
        return None
    payment = (
        Payment.objects.select_related("order")
        .filter(method=PaymentMethod.PAYMENT_INTENT, stripe_id=intent_id)
        .first()
    )
    if payment is None or not orders_of(request).filter(pk=payment.order_id).exists():
        return None
    account = account_by_label(payment.stripe_account)
    if account is None:
        return None
    intent = gateway.retrieve_payment_intent(account, intent_id)
    if not hmac.compare_digest(str(intent.get("client_secret", "")), client_secret):
        return None
    order, _ = apply_payment_intent(account.label, intent, source=source)
    return order or payment.order, intent


def shopper_status(intent: dict[str, Any]) -> str:
    """What the shopper is told: succeeded, processing, requires_action or failed."""
    status = intent.get("status")
    if status in ("succeeded", "processing"):
        return status
    if status in ("requires_action", "requires_confirmation"):
        return "requires_action"
    return "failed"


@require_GET
def payment_status(request: HttpRequest) -> HttpResponse:
    """`GET /v2/order/status/`: where the Payment Element returns the shopper; Stripe adds
    `payment_intent_client_secret` to the URL."""
    client_secret = request.GET.get("payment_intent_client_secret", "")
    try:
        checked = _check_secret(request, client_secret, "checkout_return")
    except PaymentError as error:
        logger.warning("Status of a payment intent could not be read: %s", error.detail)
        return TemplateResponse(
            request, "commerce/payment_error.html", {"message": error.customer_message}, 503
        )
    if checked is None:
        raise Http404(NO_PAYMENT_MESSAGE)
    order, intent = checked
    error = intent.get("last_payment_error") or {}
    response = TemplateResponse(
        request,
        "commerce/payment_status.html",
        {
            "order": order,
            "status": shopper_status(intent),
            "paid": order.status in PAID_STATUSES,
            "error_message": error.get("message") or "",
            "retry_url": reverse("commerce:order_payment_page", args=[order.pk])
            if order.status == OrderStatus.PENDING
            else reverse("commerce:cart"),
            "check_url": reverse("commerce:payment_status_check"),
            "client_secret": client_secret,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@json_endpoint
@allow_methods("GET", "HEAD")
@rate_limit("payment_status", "COMMERCE_CART_RATE")
def payment_status_check(request: HttpRequest) -> HttpResponse:
    """`GET /v2/order/status/check/?pi_secret=`: `{"intentSecret", "orderId", "status",
    "paid"}` from Stripe's own answer; unknown or others' secrets: 404. Each check asks
    Stripe, so checks are rate limited per client like the cart's changes."""
    client_secret = request.GET.get("pi_secret", "")
    try:
        checked = _check_secret(request, client_secret, "status_check")
    except PaymentError as error:
        logger.warning("Status of a payment intent could not be read: %s", error.detail)
        return json_error(error.status, error.customer_message)
    if checked is None:
        return json_error(404, NO_PAYMENT_MESSAGE)
    order, intent = checked
    response = JsonResponse(
        {
            "intentSecret": client_secret,
            "orderId": order.pk,
            "status": intent.get("status"),
            "paid": order.status in PAID_STATUSES,
        }
    )
    response["Cache-Control"] = "no-store"
    return response
