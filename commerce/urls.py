"""URLs of the commerce app, including the assignment's contract (see README).

JSON endpoints are also routed without their trailing slash: a POST there would
otherwise meet APPEND_SLASH, which cannot redirect a body (a RuntimeError under DEBUG,
a 301 that drops the body in production), and Stripe does not follow redirects. Any
other path under their prefixes is a JSON 404 rather than the page tree's HTML one.
"""

from django.urls import path, re_path

from . import views

app_name = "commerce"

NO_ITEM_FOR_SALE = {"message": "No item with this id is for sale."}

urlpatterns = [
    path("v1/item/<str:item_id>/", views.item_detail, name="item_detail"),
    path("v1/buy/<str:item_id>/", views.buy, name="buy"),
    re_path(r"^v1/buy/(?P<item_id>[^/]+)$", views.buy),
    re_path(r"^v1/buy(?:/[\s\S]*)?$", views.json_not_found, NO_ITEM_FOR_SALE),
    path("v2/item/list/", views.item_list, name="item_list"),
    path("checkout/success/", views.checkout_success, name="checkout_success"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
    re_path(r"^stripe/webhook$", views.stripe_webhook),
    re_path(r"^stripe/webhook/[\s\S]+$", views.json_not_found),
    path("search/", views.search, name="search"),
    path("v2/cart/", views.cart_detail, name="cart"),
    re_path(r"^v2/cart$", views.cart_detail),
    path("v2/cart/add/", views.cart_add, name="cart_add"),
    re_path(r"^v2/cart/add$", views.cart_add),
    path("v2/cart/remove/", views.cart_remove, name="cart_remove"),
    re_path(r"^v2/cart/remove$", views.cart_remove),
    path("v2/cart/update/", views.cart_update, name="cart_update"),
    re_path(r"^v2/cart/update$", views.cart_update),
    path("v2/cart/discount/", views.cart_discount, name="cart_discount"),
    re_path(r"^v2/cart/discount$", views.cart_discount),
    path("v2/cart/order/", views.cart_order, name="cart_order"),
    re_path(r"^v2/cart/order$", views.cart_order),
    re_path(r"^v2/cart/[\s\S]+$", views.json_not_found),
    # Before v2/order/<id>/, which would take "status" for an order id.
    path("v2/order/status/", views.payment_status, name="payment_status"),
    re_path(r"^v2/order/status$", views.payment_status),
    path("v2/order/status/check/", views.payment_status_check, name="payment_status_check"),
    re_path(r"^v2/order/status/check$", views.payment_status_check),
    path("v2/order/<str:order_id>/", views.order_detail, name="order_detail"),
    re_path(r"^v2/order/(?P<order_id>[^/]+)$", views.order_detail),
    path("v2/order/<str:order_id>/checkout/", views.order_checkout, name="order_checkout"),
    re_path(r"^v2/order/(?P<order_id>[^/]+)/checkout$", views.order_checkout),
    path("v2/order/<str:order_id>/pay/", views.order_payment_page, name="order_payment_page"),
    path(
        "v2/order/<str:order_id>/payment-intent/",
        views.order_payment_intent,
        name="order_payment_intent",
    ),
    re_path(r"^v2/order/(?P<order_id>[^/]+)/payment-intent$", views.order_payment_intent),
]
