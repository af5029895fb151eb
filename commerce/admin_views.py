"""How orders and payment events read in the Wagtail admin.

Editors check orders against what shoppers paid and what Stripe's dashboard says, so
money is shown the way both show it ("$33.50", "KWD 1.250"), never as the integer
minor units the database keeps; and a Stripe event's payload is shown as the JSON
Stripe sent, not as a Python dict's repr.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import SafeString
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn
from wagtail.snippets.views.snippets import IndexView, InspectView

from . import money

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


class OrderInspectView(InspectView):
    """An order's details with every amount formatted in the order's currency."""

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


def pretty_json(value: Any) -> SafeString:
    """JSON indented for reading, escaped, in a <pre> so its layout survives."""
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    return format_html('<pre class="payment-event-payload">{}</pre>', text)


class PaymentEventInspectView(InspectView):
    """A stored Stripe event with its payload as readable JSON."""

    def get_payload_display_value(self) -> SafeString:
        return pretty_json(self.object.payload)
