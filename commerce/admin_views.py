"""How orders and payment events read in the Wagtail admin.

Editors check orders against what shoppers paid and what Stripe's dashboard says, so
money is shown the way both show it ("$33.50", "KWD 1.250"), never as the integer
minor units the database keeps; and a Stripe event's payload is shown as the JSON
Stripe sent, not as a Python dict's repr.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.views.generic import FormView
from wagtail.admin.auth import permission_denied
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn
from wagtail.admin.widgets.button import HeaderButton
from wagtail.snippets.views.snippets import IndexView, InspectView

from . import money
from .refunds import REFUNDABLE_STATUSES

# Labels of the order's money fields; any other integer field whose name says "amount"
# is formatted too, under its own label.
ORDER_MONEY_LABELS = {
    "subtotal_amount": "Subtotal",
    "discount_amount": "Discount",
    "tax_amount": "Tax",
    "total_amount": "Total",
    "amount_refunded": "Refunded",
}


def is_money_field(field: models.Field | None) -> bool:
    """Whether an order field holds minor units of the order's currency."""
    if field is None:
        return False
    return field.name in ORDER_MONEY_LABELS or (
        isinstance(field, models.BigIntegerField) and "amount" in field.name
    )


class ReadOnlyIndexView(IndexView):
    """A listing without the bulk-action checkboxes: nothing here may be deleted in bulk
    (or at all), so offering a Delete button that can only be refused would mislead."""

    @cached_property
    def columns(self) -> list[Any]:
        return [
            column
            for column in super().columns
            if not isinstance(column, BulkActionsCheckboxColumn)
        ]


class MoneyInspectView(InspectView):
    """An object's details with every amount formatted in the object's `currency`."""

    def get_field_label(self, field_name: str, field: models.Field | None) -> str:
        if field_name in ORDER_MONEY_LABELS:
            return ORDER_MONEY_LABELS[field_name]
        return super().get_field_label(field_name, field)

    def get_field_display_value(self, field_name: str, field: models.Field | None) -> Any:
        if is_money_field(field):
            amount = getattr(self.object, field_name)
            if amount is None:
                return "-"
            return money.format_amount(amount, self.object.currency)
        return super().get_field_display_value(field_name, field)


class OrderInspectView(MoneyInspectView):
    """An order's details, amounts formatted, and (while it waits for payment) the way to
    change its discount and taxes."""

    @cached_property
    def header_buttons(self) -> list[Any]:
        buttons = list(super().header_buttons)
        if self.object.status == "pending" and self.request.user.has_perm("commerce.change_order"):
            buttons.append(
                HeaderButton(
                    "Discount and taxes",
                    url=reverse("commerce_order_adjustments", args=[self.object.pk]),
                    icon_name="tag",
                )
            )
        if self.object.status in REFUNDABLE_STATUSES and self.request.user.has_perm(
            REFUND_PERMISSION
        ):
            buttons.append(
                HeaderButton(
                    "Refund",
                    url=reverse("commerce_order_refund", args=[self.object.pk]),
                    icon_name="arrow-left",
                )
            )
        return buttons


def pretty_json(value: Any) -> SafeString:
    """JSON indented for reading, escaped, in a <pre> so its layout survives."""
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    return format_html('<pre class="payment-event-payload">{}</pre>', text)


class PaymentEventInspectView(InspectView):
    """A stored Stripe event with its payload as readable JSON."""

    def get_payload_display_value(self) -> SafeString:
        return pretty_json(self.object.payload)


class OrderFormView(FormView):
    """A form about one order (`pk` in the URL) for users with `permission`; the form
    gets the order as its `order` argument."""

    permission: str  # each view names the one it needs

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from .models import Order

        if not request.user.has_perm(self.permission):
            return permission_denied(request)
        self.order = get_object_or_404(Order, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["order"] = self.order
        return kwargs


class OrderAdjustmentsForm(forms.Form):
    """The discount and taxes an editor gives an unpaid order."""

    discount = forms.ModelChoiceField(
        queryset=None, required=False, help_text="Leave empty for no discount."
    )
    taxes = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Every tax ticked applies to every line of the order.",
    )

    def __init__(self, *args: Any, order: Any, **kwargs: Any) -> None:
        from .models import Discount, Tax

        super().__init__(*args, **kwargs)
        self.fields["discount"].queryset = Discount.objects.filter(active=True).filter(
            models.Q(amount_off__isnull=True) | models.Q(currency=order.currency)
        )
        self.fields["taxes"].queryset = Tax.objects.filter(active=True)


class OrderAdjustmentsView(OrderFormView):
    """`/admin/commerce/order/<id>/adjustments/`: attach a discount and taxes to an order
    waiting for payment; its totals are computed again. Needs the `change_order`
    permission, which the read-only snippet policy never grants by itself."""

    template_name = "commerce/admin/order_adjustments.html"
    form_class = OrderAdjustmentsForm

    permission = "commerce.change_order"

    def get_initial(self) -> dict[str, Any]:
        adjustments = list(self.order.adjustments.all())
        return {
            "discount": next((a.discount_id for a in adjustments if a.kind == "discount"), None),
            "taxes": [a.tax_id for a in adjustments if a.kind == "tax" and a.tax_id],
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["order"] = self.order
        context["inspect_url"] = reverse(
            "wagtailsnippets_commerce_order:inspect", args=[self.order.pk]
        )
        return context

    def form_valid(self, form: OrderAdjustmentsForm) -> HttpResponse:
        from .orders import PlacementRefused
        from .orders.adjustments import reprice_order

        try:
            order = reprice_order(
                self.order, form.cleaned_data["discount"], list(form.cleaned_data["taxes"])
            )
        except PlacementRefused as refusal:
            form.add_error(None, refusal.message)
            return self.form_invalid(form)
        messages.success(self.request, f"Order #{order.pk} now totals {order.formatted_total}.")
        return redirect("wagtailsnippets_commerce_order:inspect", order.pk)


REFUND_PERMISSION = "commerce.refund_order"


class RefundForm(forms.Form):
    """How much of a paid order to give back, typed as money ("12.50"), never as cents."""

    amount = forms.CharField(max_length=32, help_text="In the order's currency, e.g. 12.50.")
    # Filled in by the confirmation step: the refund's idempotency key.
    idempotency_key = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, order: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order = order
        self.fields["amount"].label = f"Amount to refund ({order.currency})"

    def clean_amount(self) -> int:
        try:
            amount = money.parse_amount(self.cleaned_data["amount"], self.order.currency)
        except money.MoneyError as error:
            raise forms.ValidationError(str(error)) from error
        if amount <= 0:
            raise forms.ValidationError("The amount to refund must be more than zero.")
        return amount

    def clean(self) -> dict[str, Any]:
        from .refunds import refundable_amount

        cleaned = super().clean()
        amount, key = cleaned.get("amount"), cleaned.get("idempotency_key")
        if amount is None or (key and self.order.refunds.filter(idempotency_key=key).exists()):
            # A confirmation sent again: the refund it made is shown, not refused.
            return cleaned
        remaining = refundable_amount(self.order)
        if amount > remaining:
            self.add_error(
                "amount",
                f"{money.format_amount(amount, self.order.currency)} is more than the "
                f"{money.format_amount(remaining, self.order.currency)} that remains to refund.",
            )
        return cleaned


class OrderRefundView(OrderFormView):
    """`/admin/commerce/order/<id>/refund/`: give back all or part of a paid order.

    Two steps: the amount, then a confirmation page naming the amount, which carries the
    refund's idempotency key so confirming twice refunds once. Needs the
    `commerce.refund_order` permission; the order's status follows Stripe's
    `charge.refunded` event.
    """

    template_name = "commerce/admin/order_refund.html"
    form_class = RefundForm

    permission = REFUND_PERMISSION

    def get_initial(self) -> dict[str, Any]:
        from .refunds import refundable_amount

        remaining = refundable_amount(self.order)
        return {"amount": money.to_decimal(remaining, self.order.currency)} if remaining else {}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from .refunds import refundable_amount, refunded_so_far

        context = super().get_context_data(**kwargs)
        currency = self.order.currency
        context.update(
            order=self.order,
            paid=money.format_amount(self.order.total_amount, currency),
            refunded=money.format_amount(refunded_so_far(self.order), currency),
            remaining=money.format_amount(refundable_amount(self.order), currency),
            refundable=self.order.status in REFUNDABLE_STATUSES,
            inspect_url=reverse("wagtailsnippets_commerce_order:inspect", args=[self.order.pk]),
        )
        return context

    def form_valid(self, form: RefundForm) -> HttpResponse:
        from .refunds import RefundRefused, next_idempotency_key, request_refund

        amount = form.cleaned_data["amount"]
        key = form.cleaned_data["idempotency_key"]
        if "confirm" not in self.request.POST or not key:
            # First step: show what will happen, and ask again.
            return self.render_to_response(
                self.get_context_data(
                    form=form,
                    confirming=True,
                    amount=money.format_amount(amount, self.order.currency),
                    amount_value=money.to_decimal(amount, self.order.currency),
                    idempotency_key=next_idempotency_key(self.order),
                )
            )
        try:
            refund = request_refund(self.order, amount, self.request.user, idempotency_key=key)
        except RefundRefused as refusal:
            form.add_error(None, refusal.message)
            return self.form_invalid(form)
        if refund.stripe_refund_id:
            messages.success(
                self.request,
                f"{refund.formatted_amount} refunded to the shopper ({refund.stripe_refund_id}). "
                "The order's status follows once Stripe confirms.",
            )
        else:
            messages.warning(
                self.request,
                f"The refund of {refund.formatted_amount} is recorded but Stripe did not accept "
                f"it yet ({refund.last_error or 'no answer'}); it is sent again by "
                "reconcile_orders.",
            )
        return redirect("wagtailsnippets_commerce_order:inspect", self.order.pk)
