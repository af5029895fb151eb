"""Turning a cart into an order, and finding a shopper's own orders."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from wagtail.models import Site

from ..http import shopper_key
from ..identifiers import parse_page_id
from ..models import ItemPage, Order
from ..models.pages import LISTING_IMAGE_SPEC
from ..orders import PlacementRefused
from ..pricing import DiscountRefused
from .cart import Cart
from .pricing import find_discount


def place_cart_order(request: HttpRequest, cart: Cart) -> Order:
    """A pending order of the cart's lines, discount and the site's taxes.

    The order's open key names the cart and its version, so the same cart placed twice
    at once (a double click on Pay, two tabs) gives one order, and a cart changed since
    gives a new one. The cart keeps its lines until that order is paid. Raises
    `PlacementRefused` with a message for the shopper.
    """
    from ..orders.placement import place_order

    lines = cart.lines()
    if not lines or not cart.currency:
        raise PlacementRefused("Your cart is empty.")
    discount = None
    if cart.discount_code:
        try:
            discount = find_discount(cart.discount_code, cart.currency)
        except DiscountRefused as refusal:
            raise PlacementRefused(str(refusal)) from None
    order = place_order(
        currency=cart.currency,
        lines=lines,
        discount=discount,
        shopper_key=shopper_key(request),
        user=request.user,
        open_key=f"cart:{cart.cart_id}:{cart.version}",
        site=Site.find_for_request(request),
        request=request,
        placed_from_cart=True,
    )
    cart.remember_order(order)
    return order


def line_image_urls(request: HttpRequest, order: Order) -> dict[int, str]:
    """Absolute URLs of the pictures of the order's items, by item id, for Checkout's
    line items (three queries however many lines: items, images, renditions)."""
    item_ids = [line.item_id for line in order.lines.all() if line.item_id is not None]
    items = ItemPage.objects.for_listing().filter(pk__in=item_ids)
    return {
        item.pk: request.build_absolute_uri(item.image.get_rendition(LISTING_IMAGE_SPEC).url)
        for item in items
        if item.image is not None
    }


def orders_of(request: HttpRequest) -> QuerySet[Order]:
    """The orders this request may see: a signed-in user's own, and those placed by this
    browser session without signing in."""
    session_key = request.session.session_key
    mine = Q(user__isnull=True, shopper_key=session_key) if session_key else Q(pk__in=[])
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        mine |= Q(user=user)
    return Order.objects.filter(mine)


def owned_order(request: HttpRequest, order_id: str) -> Order | None:
    """The order `order_id` names if this request may see it; others' orders are answered
    like unknown ones, so an id leaks nothing."""
    pk = parse_page_id(order_id)
    return orders_of(request).filter(pk=pk).first() if pk is not None else None
