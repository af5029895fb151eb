"""Discounts and taxes editors manage, and the shop's site-wide settings.

These are the editable sources of a price; an order never points at them for its
amounts. At placement, their terms are copied into the order's adjustments, so editing
or deleting a Discount or Tax never changes an order already placed.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from .. import money
from ..forms import DiscountForm, ShopSettingsForm
from ..pricing import DiscountRefused, DiscountTerms, TaxTerms

# Statuses of an order that hold one redemption of its discount: a failed, expired or
# canceled order gives its redemption back.
REDEEMING_STATUSES = ("pending", "paid", "partially_refunded", "refunded")


def normalize_code(code: str) -> str:
    """Shoppers type codes in any case, with stray spaces."""
    return (code or "").strip().upper()


class DiscountQuerySet(models.QuerySet):
    def find_redeemable(self, code: str, currency: str, now: datetime) -> Discount:
        """The active discount with this shopper code, usable now in `currency`.

        Raises `DiscountRefused` with a message for the shopper. The redemption count is
        a snapshot here; order placement counts again under the discount's row lock.
        """
        normalized = normalize_code(code)
        discount = self.filter(code=normalized, active=True).first() if normalized else None
        if discount is None:
            raise DiscountRefused(f"The code {normalized or code!r} is not a valid discount code.")
        discount.check_redeemable(currency, now)
        return discount


class Discount(models.Model):
    """A price reduction: a percentage or a fixed amount in one currency, optionally
    behind a shopper code, for a period, for a limited number of orders.

    A redemption is held by every order placed with it that is pending or paid; a failed,
    expired or canceled order gives it back, so `max_redemptions` counts orders that can
    still be (or were) paid, and placement counts them under this row's lock.
    """

    name = models.CharField(max_length=40, help_text="Shown to shoppers and on Stripe Checkout.")
    code = models.CharField(
        max_length=40,
        blank=True,
        help_text="What shoppers type in the cart (any letter case). Leave empty for a "
        "discount only editors attach to orders.",
    )
    percent_off = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(100))],
        help_text="E.g. 10 for 10% off. Leave empty for an amount off.",
    )
    amount_off = models.BigIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="Amount off in the currency's minor units.",
    )
    currency = models.CharField(
        max_length=3,
        choices=money.CURRENCY_CHOICES,
        blank=True,
        help_text="The currency of an amount off (required with it).",
    )
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    max_redemptions = models.PositiveIntegerField(
        null=True, blank=True, help_text="How many orders may use it; empty for no limit."
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DiscountQuerySet.as_manager()

    base_form_class = DiscountForm

    panels = [
        FieldPanel("name"),
        FieldPanel("code"),
        MultiFieldPanel(
            [
                FieldPanel("percent_off"),
                FieldRowPanel([FieldPanel("amount_off_value"), FieldPanel("currency")]),
            ],
            heading="How much",
        ),
        FieldRowPanel([FieldPanel("valid_from"), FieldPanel("valid_until")]),
        FieldRowPanel([FieldPanel("max_redemptions"), FieldPanel("active")]),
    ]

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=~models.Q(code=""), name="commerce_discount_code_once"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(percent_off__isnull=False, amount_off__isnull=True)
                    | models.Q(percent_off__isnull=True, amount_off__gt=0)
                ),
                name="commerce_discount_percent_or_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.describe()})"

    def save(self, *args, **kwargs) -> None:
        self.code = normalize_code(self.code)
        super().save(*args, **kwargs)

    def describe(self) -> str:
        if self.percent_off is not None:
            return f"{self.percent_off.normalize():f}% off"
        if self.amount_off is not None and self.currency:
            return f"{money.format_amount(self.amount_off, self.currency)} off"
        return "no amount"

    def clean(self) -> None:
        super().clean()
        self.code = normalize_code(self.code)
        if (self.percent_off is None) == (self.amount_off is None):
            raise ValidationError("Give either a percentage or an amount off, not both.")
        if self.amount_off is not None and not self.currency:
            raise ValidationError({"currency": "An amount off needs its currency."})
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            raise ValidationError({"valid_until": "Must be after the start."})
        if self.code:
            clashes = Discount.objects.filter(code=self.code).exclude(pk=self.pk)
            if clashes.exists():
                raise ValidationError({"code": "Another discount already uses this code."})

    def redemptions(self) -> int:
        """Orders holding a redemption (pending or paid)."""
        return self.order_adjustments.filter(order__status__in=REDEEMING_STATUSES).count()

    def check_redeemable(self, currency: str, now: datetime) -> None:
        """Raise `DiscountRefused` if an order in `currency` cannot use it at `now`."""
        if not self.active:
            raise DiscountRefused(f"The code {self.code!r} is not a valid discount code.")
        if self.valid_from and now < self.valid_from:
            raise DiscountRefused(f"The code {self.code!r} is not valid yet.")
        if self.valid_until and now >= self.valid_until:
            raise DiscountRefused(f"The code {self.code!r} has expired.")
        if self.amount_off is not None and self.currency != currency.upper():
            raise DiscountRefused(
                f"The code {self.code!r} is for {self.currency} prices; this cart is in "
                f"{currency.upper()}."
            )
        if self.max_redemptions is not None and self.redemptions() >= self.max_redemptions:
            raise DiscountRefused(f"The code {self.code!r} has been used up.")

    def terms(self) -> DiscountTerms:
        return DiscountTerms(
            name=self.name,
            code=self.code,
            percent_off=self.percent_off,
            amount_off=self.amount_off,
            currency=self.currency or None,
            discount_id=self.pk,
        )


def normalize_currencies(value: str) -> str:
    """ "usd, eur" -> "EUR,USD"; unknown codes are an error."""
    codes = sorted({part.strip().upper() for part in (value or "").split(",") if part.strip()})
    unknown = [code for code in codes if code not in money.CURRENCIES]
    if unknown:
        raise ValidationError(f"Unknown currency codes: {', '.join(unknown)}.")
    return ",".join(codes)


class Tax(models.Model):
    """A tax rate: a percentage that is either part of the prices (inclusive, like EU VAT)
    or added on top (exclusive, like US sales tax), for the currencies it names."""

    name = models.CharField(
        max_length=50, help_text="Shown to shoppers, e.g. “VAT” or “Sales tax”."
    )
    rate = models.DecimalField(
        max_digits=7,
        decimal_places=4,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text="A percentage, e.g. 8.875.",
    )
    inclusive = models.BooleanField(
        default=False, help_text="Ticked: prices already include it. Unticked: added on top."
    )
    country = models.CharField(
        max_length=2, blank=True, help_text="Two-letter country code (ISO 3166-1), optional."
    )
    jurisdiction = models.CharField(max_length=50, blank=True, help_text="E.g. a state.")
    currencies = models.CharField(
        max_length=200,
        blank=True,
        help_text="Currency codes it applies to, separated by commas; empty for every one.",
    )
    active = models.BooleanField(default=True)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("rate"), FieldPanel("inclusive")]),
        FieldRowPanel([FieldPanel("country"), FieldPanel("jurisdiction")]),
        FieldPanel("currencies"),
        FieldPanel("active"),
    ]

    class Meta:
        ordering = ["name", "pk"]
        verbose_name_plural = "taxes"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate__gte=0, rate__lte=100), name="commerce_tax_rate_percent"
            ),
        ]

    def __str__(self) -> str:
        kind = "inclusive" if self.inclusive else "exclusive"
        return f"{self.name} {self.rate.normalize():f}% ({kind})"

    def clean(self) -> None:
        super().clean()
        self.currencies = normalize_currencies(self.currencies)
        self.country = (self.country or "").upper()
        if self.country and not (len(self.country) == 2 and self.country.isalpha()):
            raise ValidationError({"country": "Use a two-letter country code."})

    def applies_to(self, currency: str) -> bool:
        return not self.currencies or currency.upper() in self.currencies.split(",")

    def terms(self) -> TaxTerms:
        return TaxTerms(name=self.name, rate=self.rate, inclusive=self.inclusive, tax_id=self.pk)


def check_taxes_combine(taxes: list[Tax]) -> None:
    """Refuse a set of taxes that would mix inclusive and exclusive ones in a currency:
    Stripe cannot apply both kinds to one line."""
    for currency in money.CURRENCIES:
        kinds = {tax.inclusive for tax in taxes if tax.active and tax.applies_to(currency)}
        if len(kinds) > 1:
            raise ValidationError(
                f"Inclusive and exclusive taxes would both apply to {currency} orders; "
                "Stripe cannot charge both on one line."
            )


@register_setting(icon="tag")
class ShopSettings(BaseSiteSetting):
    """Per-site shop settings: the taxes every order of a currency gets by default, and
    the cart page's texts, so editors word them without a deploy."""

    default_taxes = models.ManyToManyField(
        Tax,
        blank=True,
        related_name="+",
        help_text="Applied to every cart and order in the currencies each tax names.",
    )
    cart_heading = models.CharField(max_length=100, default="Your cart")
    cart_intro = models.TextField(blank=True, help_text="Shown above the cart's lines.")
    empty_cart_text = models.CharField(
        max_length=255, default="Your cart is empty. Browse the shop and add something you like."
    )

    payment_heading = models.CharField(
        max_length=100,
        blank=True,
        help_text='Left blank, the payment page says "Pay for your order".',
    )
    payment_intro = models.TextField(
        blank=True, help_text="Shown above the card form on the payment page."
    )

    base_form_class = ShopSettingsForm

    panels = [
        FieldPanel("default_taxes"),
        MultiFieldPanel(
            [FieldPanel("cart_heading"), FieldPanel("cart_intro"), FieldPanel("empty_cart_text")],
            heading="Cart page",
        ),
        MultiFieldPanel(
            [FieldPanel("payment_heading"), FieldPanel("payment_intro")],
            heading="Payment page",
        ),
    ]

    class Meta:
        verbose_name = "shop settings"
