"""The shop's models in Django's own admin, as the Wagtail admin shows them.

Orders, their payments and Stripe's events are written by the store and by Stripe, so
here too they are read-only (looked at with the view permission, never added, changed
or deleted); discounts and taxes are edited like in the Shop menu.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .forms import DiscountForm
from .models import (
    Discount,
    Order,
    OrderAdjustment,
    OrderLine,
    OrderStatusChange,
    Payment,
    PaymentEvent,
    Refund,
    Tax,
)


class ReadOnlyMixin:
    """Nobody adds, changes or deletes these rows by hand."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OrderLineInline(ReadOnlyMixin, admin.TabularInline):
    model = OrderLine
    fields = ["title", "sku", "unit_amount", "quantity", "discount_amount", "tax_amount"]
    readonly_fields = fields
    extra = 0


class OrderAdjustmentInline(ReadOnlyMixin, admin.TabularInline):
    model = OrderAdjustment
    fields = ["kind", "name", "code", "percent_off", "amount_off", "rate", "inclusive", "amount"]
    readonly_fields = fields
    extra = 0


class PaymentInline(ReadOnlyMixin, admin.TabularInline):
    model = Payment
    fields = ["attempt", "method", "status", "stripe_account", "stripe_id", "amount", "expires_at"]
    readonly_fields = fields
    extra = 0


class RefundInline(ReadOnlyMixin, admin.TabularInline):
    model = Refund
    fields = ["reason", "status", "amount", "stripe_payment_intent_id", "stripe_refund_id"]
    readonly_fields = fields
    extra = 0


class StatusChangeInline(ReadOnlyMixin, admin.TabularInline):
    model = OrderStatusChange
    fields = ["created_at", "from_status", "to_status", "source", "stripe_event_id", "note"]
    readonly_fields = fields
    extra = 0


@admin.register(Order)
class OrderAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["__str__", "status", "formatted_total", "currency", "created_at"]
    list_filter = ["status", "currency", "created_at"]
    search_fields = ["reference", "email", "payments__stripe_id"]
    inlines = [
        OrderLineInline,
        OrderAdjustmentInline,
        PaymentInline,
        RefundInline,
        StatusChangeInline,
    ]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["__str__", "order", "status", "stripe_account", "started_at"]
    list_filter = ["status", "method", "stripe_account"]
    search_fields = ["stripe_id", "stripe_payment_intent_id"]


@admin.register(PaymentEvent)
class PaymentEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["type", "stripe_event_id", "stripe_account", "outcome", "received_at"]
    list_filter = ["type", "stripe_account"]


@admin.register(Discount)
class DiscountAdmin(admin.ModelAdmin):
    form = DiscountForm
    list_display = ["name", "code", "describe", "valid_until", "active"]
    list_filter = ["active", "currency"]
    search_fields = ["name", "code"]
    fields = [
        "name",
        "code",
        "percent_off",
        "amount_off_value",
        "currency",
        "valid_from",
        "valid_until",
        "max_redemptions",
        "active",
    ]


@admin.register(Tax)
class TaxAdmin(admin.ModelAdmin):
    list_display = ["__str__", "country", "jurisdiction", "currencies", "active"]
    list_filter = ["inclusive", "active"]
    search_fields = ["name", "jurisdiction"]
