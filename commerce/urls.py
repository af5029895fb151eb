"""URLs of the commerce app, including the assignment's contract (see README)."""

from django.urls import path

from . import views

app_name = "commerce"

urlpatterns = [
    path("v1/item/<int:item_id>/", views.item_detail, name="item_detail"),
    path("v1/buy/<str:item_id>/", views.buy, name="buy"),
    path("v2/item/list/", views.item_list, name="item_list"),
    path("checkout/success/", views.checkout_success, name="checkout_success"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
    path("search/", views.search, name="search"),
]
