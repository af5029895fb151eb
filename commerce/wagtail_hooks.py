"""Wagtail admin registration: one Shop group with orders, payments and payment events
(read-only), and the discounts and taxes editors manage."""

from __future__ import annotations

from typing import Any

import django_filters
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.functional import classproperty
from wagtail import hooks
from wagtail.admin.auth import permission_denied
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import policy_registry, register_permission_policy
from wagtail.snippets.bulk_actions.delete import DeleteBulkAction
from wagtail.snippets.models import get_snippet_models, register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .admin_views import (
    MoneyInspectView,
    OrderAdjustmentsView,
    OrderInspectView,
    OrderRefundView,
    PaymentEventInspectView,
    ReadOnlyIndexView,
)
from .models import Discount, Order, Payment, PaymentEvent, Tax

READ_ONLY_INDEX_TEMPLATE = "commerce/admin/read_only_index.html"


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """Orders and events are written by the store and by Stripe, never typed in by hand:
    editors may look (with the model's view permission), nobody may add, edit or delete."""

    def user_has_permission(self, user: Any, action: str) -> bool:
        if action in ("add", "change", "delete"):
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user: Any, actions: Any) -> bool:
        return any(self.user_has_permission(user, action) for action in actions)


class RefusedBulkDelete(DeleteBulkAction):
    """Wagtail's bulk delete, refused outright for read-only models.

    Wagtail's own confirmation page lists every selected object by name, including the
    ones the user may not delete, so anyone with admin access could read order summaries
    through `/admin/bulk/commerce/order/delete/?id=...`. Nobody may delete these models, so
    the page is refused before any object is loaded.
    """

    @classproperty
    def models(cls) -> list[type]:
        return [
            model
            for model in get_snippet_models()
            if isinstance(
                policy_registry.get_by_type(model, fallback=False), ReadOnlyPermissionPolicy
            )
        ]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return permission_denied(request)


class OrderFilterSet(WagtailFilterSet):
    created_at = django_filters.DateFromToRangeFilter(label="Placed", widget=DateRangePickerWidget)

    class Meta:
        model = Order
        fields = ["status", "currency", "created_at"]


class OrderViewSet(SnippetViewSet):
    model = Order
    icon = "list-ul"
    menu_label = "Orders"
    list_display = ["__str__", "status", "formatted_total", "currency", "created_at"]
    filterset_class = OrderFilterSet
    search_fields = ["email", "payments__stripe_id", "payments__stripe_payment_intent_id"]
    inspect_view_enabled = True
    inspect_view_class = OrderInspectView
    index_view_class = ReadOnlyIndexView
    index_template_name = READ_ONLY_INDEX_TEMPLATE
    inspect_view_fields = [
        "status",
        "items_summary",
        "adjustments_summary",
        "currency",
        "subtotal_amount",
        "discount_amount",
        "tax_amount",
        "total_amount",
        "amount_refunded",
        "refunds_summary",
        "payments_summary",
        "status_history",
        "disputed_at",
        "dispute_reason",
        "email",
        "created_at",
        "paid_at",
    ]
    copy_view_enabled = False


class PaymentViewSet(SnippetViewSet):
    model = Payment
    icon = "credit-card"
    menu_label = "Payments"
    list_display = ["__str__", "order", "status", "stripe_account", "started_at"]
    list_filter = ["status", "method", "stripe_account"]
    search_fields = ["stripe_id", "stripe_payment_intent_id"]
    inspect_view_enabled = True
    inspect_view_class = MoneyInspectView
    index_view_class = ReadOnlyIndexView
    index_template_name = READ_ONLY_INDEX_TEMPLATE
    copy_view_enabled = False


class DiscountViewSet(SnippetViewSet):
    model = Discount
    icon = "tag"
    menu_label = "Discounts"
    list_display = ["name", "code", "describe", "valid_until", "active"]
    list_filter = ["active", "currency"]
    search_fields = ["name", "code"]


class TaxViewSet(SnippetViewSet):
    model = Tax
    icon = "table"
    menu_label = "Taxes"
    list_display = ["__str__", "country", "jurisdiction", "currencies", "active"]
    list_filter = ["inclusive", "active"]
    search_fields = ["name", "jurisdiction"]


class PaymentEventViewSet(SnippetViewSet):
    model = PaymentEvent
    icon = "history"
    menu_label = "Payment events"
    list_display = ["type", "stripe_event_id", "stripe_account", "outcome", "received_at"]
    list_filter = ["type", "stripe_account"]
    inspect_view_enabled = True
    inspect_view_class = PaymentEventInspectView
    index_view_class = ReadOnlyIndexView
    index_template_name = READ_ONLY_INDEX_TEMPLATE
    copy_view_enabled = False


class CommerceViewSetGroup(SnippetViewSetGroup):
    items = (OrderViewSet, PaymentViewSet, PaymentEventViewSet, DiscountViewSet, TaxViewSet)
    menu_icon = "tag"
    menu_label = "Shop"
    menu_name = "shop"


register_permission_policy(Order, ReadOnlyPermissionPolicy(Order))
register_permission_policy(PaymentEvent, ReadOnlyPermissionPolicy(PaymentEvent))
register_permission_policy(Payment, ReadOnlyPermissionPolicy(Payment))
register_snippet(CommerceViewSetGroup)
# After Wagtail's own bulk delete (order 0), so this one replaces it for read-only models.
hooks.register("register_bulk_action", RefusedBulkDelete, order=1)


@hooks.register("register_admin_urls")
def register_order_adjustments_url() -> list[Any]:
    return [
        path(
            "commerce/order/<int:pk>/adjustments/",
            OrderAdjustmentsView.as_view(),
            name="commerce_order_adjustments",
        ),
        path(
            "commerce/order/<int:pk>/refund/",
            OrderRefundView.as_view(),
            name="commerce_order_refund",
        ),
    ]
