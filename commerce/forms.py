"""Admin forms: editors type prices as decimals, the store keeps integer minor units."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from wagtail.admin.forms import WagtailAdminModelForm, WagtailAdminPageForm

from . import money


class ItemPageForm(WagtailAdminPageForm):
    """Adds a decimal `price` field that is stored as `ItemPage.price_amount`.

    The conversion needs the currency chosen in the same form, so it happens in
    `clean()`, where errors can name the exact problem: a negative price, more
    decimals than the currency has, a three-decimal amount Stripe cannot charge, or a
    price below Stripe's minimum charge (an item that could be published but never sold).

    A new item's price starts empty rather than at the model's default of zero, so a
    forgotten price is a "required" error instead of an item sold for nothing.
    """

    price = forms.DecimalField(
        label="Price",
        min_value=0,
        max_digits=15,
        help_text="Type the price as shoppers read it, e.g. 12.50 (USD), 1200 (JPY), 1.250 (KWD).",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        if instance is not None and instance.pk and instance.currency:
            self.initial.setdefault(
                "price", money.to_decimal(instance.price_amount, instance.currency)
            )

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        price = cleaned_data.get("price")
        currency_code = cleaned_data.get("currency")
        if price is None or not currency_code:
            return cleaned_data
        try:
            amount = money.parse_amount(price, currency_code)
            money.to_stripe_amount(amount, currency_code)
            money.check_minimum_charge(amount, currency_code)
        except money.MoneyError as error:
            self.add_error("price", str(error))
            return cleaned_data
        self.instance.price_amount = amount
        return cleaned_data


class DiscountForm(WagtailAdminModelForm):
    """Editors type an amount off as shoppers read it; the store keeps minor units."""

    amount_off_value = forms.DecimalField(
        label="Amount off",
        required=False,
        min_value=0,
        max_digits=15,
        help_text="E.g. 5.00 (USD) or 500 (JPY). Leave empty for a percentage.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        if instance is not None and instance.amount_off is not None and instance.currency:
            self.initial.setdefault(
                "amount_off_value", money.to_decimal(instance.amount_off, instance.currency)
            )

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        value = cleaned_data.get("amount_off_value")
        currency_code = cleaned_data.get("currency")
        self.instance.amount_off = None
        if value is None:
            return cleaned_data
        if not currency_code:
            self.add_error("currency", "An amount off needs its currency.")
            return cleaned_data
        try:
            amount = money.parse_amount(value, currency_code)
            money.to_stripe_amount(amount, currency_code)
        except money.MoneyError as error:
            self.add_error("amount_off_value", str(error))
            return cleaned_data
        if amount <= 0:
            self.add_error("amount_off_value", "The amount off must be more than zero.")
            return cleaned_data
        self.instance.amount_off = amount
        return cleaned_data


class ShopSettingsForm(WagtailAdminModelForm):
    """Refuses default taxes Stripe could not charge together."""

    def clean(self) -> dict[str, Any]:
        from .models.pricing import check_taxes_combine

        cleaned_data = super().clean()
        taxes = list(cleaned_data.get("default_taxes") or [])
        try:
            check_taxes_combine(taxes)
        except ValidationError as error:
            self.add_error("default_taxes", error)
        return cleaned_data
