"""The cart's endpoints: `GET /v2/cart/` (JSON or the page), add, remove, update, and the
discount code. JSON bodies and plain form posts are both accepted; a form post (a browser
without JavaScript) is answered with a redirect back, or with the cart page and its error.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import get_token
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from ..cart import Cart, CartBusy, CartRefused, get_cart, max_quantity, price_cart
from ..cart.pricing import READ_BY_CART_PRICING, find_discount
from ..cart.serialize import cart_json
from ..http import allow_methods, json_endpoint, json_error, shopper_key
from ..identifiers import parse_page_id
from ..pricing import DiscountRefused
from ..stamped_cache import stamps_read_together
from ..throttling import rate_limit

BUSY_MESSAGE = "Your cart is busy with another change. Please try again."
MAX_QUANTITY_DIGITS = 9
MAX_CODE_LENGTH = 100


# Reading requests


def wants_json(request: HttpRequest) -> bool:
    """JSON in, or JSON asked for: a script. Anything else is a browser's form post."""
    return request.content_type == "application/json" or "application/json" in request.headers.get(
        "Accept", ""
    )


def read_body(request: HttpRequest) -> dict[str, Any]:
    """The fields of a JSON object body or of a form body."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise CartRefused("The request body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise CartRefused("The request body must be a JSON object.")
        return data
    return request.POST.dict()


def read_whole_number(value: Any, name: str) -> int:
    """An integer given as a JSON number or as digits (a form field); nothing else."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text.startswith("-") else text
        if digits.isascii() and digits.isdigit() and len(digits) <= MAX_QUANTITY_DIGITS:
            return int(text)
    raise CartRefused(f"{name} must be a whole number.")


def read_item_id(data: dict[str, Any]) -> int:
    value = data.get("itemId")
    if value is None or value == "":
        raise CartRefused("itemId is required.")
    item_id = parse_page_id(str(value)) if isinstance(value, int | str) else None
    if item_id is None or isinstance(value, bool):
        raise CartRefused("itemId must be an item's id (a positive whole number).")
    return item_id


def read_quantity(data: dict[str, Any], default: int | None = None) -> int:
    value = data.get("quantity")
    if value is None or value == "":
        if default is None:
            raise CartRefused("quantity is required.")
        return default
    return read_whole_number(value, "quantity")


def is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("1", "true", "on"))


# Answering


def cart_body(request: HttpRequest, cart: Cart) -> dict[str, Any]:
    return cart_json(price_cart(cart, request), cart.discount_code)


def cart_change(
    view: Callable[[HttpRequest, Cart, dict[str, Any]], dict[str, Any]],
) -> Callable[[HttpRequest], HttpResponse]:
    """Run a change of the cart and answer it: the view's JSON fields plus the cart, or a
    redirect back for a form post; a refusal as JSON 400/409 or the cart page."""

    @stamps_read_together(*READ_BY_CART_PRICING)
    def handle(request: HttpRequest) -> HttpResponse:
        cart = get_cart(request)
        try:
            fields = view(request, cart, read_body(request))
        except CartRefused as refusal:
            if wants_json(request):
                return json_error(refusal.status, refusal.message, **refusal.details)
            return cart_page(request, error=refusal.message, status=refusal.status)
        except CartBusy:
            return json_error(503, BUSY_MESSAGE)
        if not wants_json(request):
            return HttpResponseRedirect(back_url(request), status=303)
        return JsonResponse({**fields, "cart": cart_body(request, cart)})

    handle.__name__ = view.__name__
    handle.__doc__ = view.__doc__
    return handle


def back_url(request: HttpRequest) -> str:
    """Where a form post returns: its `next` field, else the page it came from, when
    either is on this site; else the cart."""
    for candidate in (request.POST.get("next"), request.headers.get("Referer")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return reverse("commerce:cart")


@stamps_read_together(*READ_BY_CART_PRICING)
def cart_page(request: HttpRequest, error: str | None = None, status: int = 200) -> HttpResponse:
    """The cart page. Its heading and texts come from the site's Shop settings."""
    from ..models.pricing import ShopSettings

    cart = get_cart(request)
    items = {item.pk: item for item, _ in cart.lines()}  # the pages, which pricing reuses
    priced = price_cart(cart, request)
    body = cart_json(priced, cart.discount_code)
    context = {
        "cart": cart,
        "body": body,
        "quote": priced.quote,
        "discount_problem": priced.discount_problem,
        # A line a quote modifier added (a fee, a gift) has no item: no link, no buttons.
        "lines": [(line, items.get(line["itemId"])) for line in body["lines"]],
        "shop_settings": ShopSettings.for_request(request),
        "max_quantity": max_quantity(),
        "error": error,
    }
    response = TemplateResponse(request, "commerce/cart.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


# Views


@allow_methods("GET", "HEAD")
def cart_detail(request: HttpRequest) -> HttpResponse:
    """`GET /v2/cart/`: the cart as JSON for `Accept: application/json`, else its page."""
    if "application/json" in request.headers.get("Accept", ""):
        return _cart_json(request)
    return cart_page(request)


@json_endpoint
@stamps_read_together(*READ_BY_CART_PRICING)
def _cart_json(request: HttpRequest) -> HttpResponse:
    # The header's badge asks this on a first visit: the session it gets here makes the
    # adds that follow, from any of its tabs, land in one cart.
    shopper_key(request)
    # ...and its CSRF cookie: pages from the shared cache carry no token, so cart.js sends
    # this cookie's with their forms.
    get_token(request)
    response = JsonResponse(cart_body(request, get_cart(request)))
    response["Cache-Control"] = "no-store"
    return response


def _add(request: HttpRequest, cart: Cart, data: dict[str, Any]) -> dict[str, Any]:
    """`POST /v2/cart/add/` `{"itemId", "quantity"?, "replace"?}`: add to the cart.
    `replace` empties the cart first (to start a cart in another currency)."""
    item_id = read_item_id(data)
    quantity = read_quantity(data, default=1)
    total = cart.add(item_id, quantity, replace=is_true(data.get("replace")))
    return {"itemId": item_id, "added": True, "quantity": total}


def _remove(request: HttpRequest, cart: Cart, data: dict[str, Any]) -> dict[str, Any]:
    """`POST /v2/cart/remove/` `{"itemId"}`: `removed` says whether it was in the cart."""
    item_id = read_item_id(data)
    return {"itemId": item_id, "removed": cart.remove(item_id)}


def _update(request: HttpRequest, cart: Cart, data: dict[str, Any]) -> dict[str, Any]:
    """`POST /v2/cart/update/` `{"itemId", "quantity"}`: set the line's quantity."""
    item_id = read_item_id(data)
    quantity = read_quantity(data)
    cart.set_quantity(item_id, quantity)
    return {"itemId": item_id, "updated": True, "quantity": quantity}


def _discount(request: HttpRequest, cart: Cart, data: dict[str, Any]) -> dict[str, Any]:
    """`POST /v2/cart/discount/` `{"code"}` applies a code; `DELETE` (or a form's
    `remove`) removes it."""
    if request.method == "DELETE" or is_true(data.get("remove")):
        cart.set_discount_code(None)
        return {"removed": True}
    code = data.get("code")
    if not isinstance(code, str) or not code.strip():
        raise CartRefused("code is required.")
    if len(code) > MAX_CODE_LENGTH or "\x00" in code:
        # Longer than any code, or a NUL, which PostgreSQL refuses even to compare.
        raise CartRefused("This is not a valid discount code.")
    if cart.is_empty() or not cart.currency:
        raise CartRefused("Add an item to your cart before entering a discount code.")
    try:
        discount = find_discount(code, cart.currency)
    except DiscountRefused as refusal:
        raise CartRefused(str(refusal)) from None
    cart.set_discount_code(discount.code)
    return {"discountCode": discount.code, "applied": True}


def _guarded(*methods: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        return json_endpoint(
            allow_methods(*methods)(rate_limit("cart", "COMMERCE_CART_RATE")(view))
        )

    return decorate


cart_add = _guarded("POST")(cart_change(_add))
cart_remove = _guarded("POST")(cart_change(_remove))
cart_update = _guarded("POST")(cart_change(_update))
cart_discount = _guarded("POST", "DELETE")(cart_change(_discount))

__all__ = [
    "cart_add",
    "cart_detail",
    "cart_discount",
    "cart_remove",
    "cart_update",
]
