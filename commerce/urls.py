"""URLs of the commerce app, including the assignment's contract (see README).

JSON endpoints are also routed without their trailing slash: a POST there would
otherwise meet APPEND_SLASH, which cannot redirect a body (a RuntimeError under DEBUG,
a 301 that drops the body in production), and Stripe does not follow redirects. Any
other path under their prefixes is a JSON 404 rather than the page tree's HTML one.
"""

from collections.abc import Callable

from django.urls import URLPattern, path, re_path

from . import views

app_name = "commerce"

NO_ITEM_FOR_SALE = {"message": "No item with this id is for sale."}


def json_route(route: str, view: Callable, name: str) -> list[URLPattern]:
    """A JSON endpoint at `route` (ending in "/", the form `reverse()` gives) and at the
    same route without its trailing slash."""
    return [path(route, view, name=name), path(route.removesuffix("/"), view)]


urlpatterns = [
    path("v1/item/<str:item_id>/", views.item_detail, name="item_detail"),
    *json_route("v1/buy/<str:item_id>/", views.buy, "buy"),
    re_path(r"^v1/buy(?:/[\s\S]*)?$", views.json_not_found, NO_ITEM_FOR_SALE),
    path("v2/item/list/", views.item_list, name="item_list"),
    path("checkout/success/", views.checkout_success, name="checkout_success"),
    *json_route("stripe/webhook/", views.stripe_webhook, "stripe_webhook"),
    re_path(r"^stripe/webhook/[\s\S]+$", views.json_not_found),
    path("search/", views.search, name="search"),
    *json_route("v2/cart/", views.cart_detail, "cart"),
    *json_route("v2/cart/add/", views.cart_add, "cart_add"),
    *json_route("v2/cart/remove/", views.cart_remove, "cart_remove"),
    *json_route("v2/cart/update/", views.cart_update, "cart_update"),
    *json_route("v2/cart/discount/", views.cart_discount, "cart_discount"),
    *json_route("v2/cart/order/", views.cart_order, "cart_order"),
    re_path(r"^v2/cart/[\s\S]+$", views.json_not_found),
    # Before v2/order/<id>/, which would take "status" for an order id.
    *json_route("v2/order/status/", views.payment_status, "payment_status"),
    *json_route("v2/order/status/check/", views.payment_status_check, "payment_status_check"),
    *json_route("v2/order/<str:order_id>/", views.order_detail, "order_detail"),
    *json_route("v2/order/<str:order_id>/checkout/", views.order_checkout, "order_checkout"),
    path("v2/order/<str:order_id>/pay/", views.order_payment_page, name="order_payment_page"),
    *json_route(
        "v2/order/<str:order_id>/payment/<str:method>/", views.order_payment, "order_payment"
    ),
    *json_route(
        "v2/order/<str:order_id>/payment-intent/",
        views.order_payment_intent,
        "order_payment_intent",
    ),
]
