"""Placing orders: one service, snapshots that later edits never change, one order per
open key, discount redemptions counted under the discount's lock."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from commerce.models import (
    Discount,
    Order,
    OrderStatus,
    Payment,
    ShopSettings,
    Tax,
)
from commerce.orders import PlacementRefused
from commerce.orders.placement import place_order, quote_order
from commerce.orders.transitions import transition
from commerce.signals import order_placed
from tests.factories import ItemPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mug(catalog):
    return ItemPageFactory(parent=catalog, title="Mug", price_amount=1450, sku="MUG-1")


@pytest.fixture
def tote(catalog):
    return ItemPageFactory(parent=catalog, title="Tote", price_amount=2400)


@pytest.fixture
def welcome():
    return Discount.objects.create(name="Welcome", code="welcome10", percent_off=Decimal(10))


@pytest.fixture
def sales_tax(home_page):
    tax = Tax.objects.create(name="Sales tax", rate=Decimal("8.875"), currencies="USD")
    settings = ShopSettings.for_site(home_page.get_site())
    settings.default_taxes.add(tax)
    return tax


def place(lines, discount=None, **kwargs):
    return place_order(
        currency=kwargs.pop("currency", "USD"),
        lines=lines,
        discount=discount,
        shopper_key=kwargs.pop("shopper_key", "shopper-1"),
        user=kwargs.pop("user", None),
        **kwargs,
    )


def test_an_order_snapshots_lines_discount_and_taxes(
    mug, tote, welcome, sales_tax, django_capture_on_commit_callbacks
):
    placed = []
    order_placed.connect(lambda **kw: placed.append(kw["order"].pk), weak=False, dispatch_uid="p")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            order = place([(mug, 2), (tote, 1)], welcome)
    finally:
        order_placed.disconnect(dispatch_uid="p")
    assert placed == [order.pk]
    assert order.status == OrderStatus.PENDING and order.currency == "USD"
    assert welcome.code == "WELCOME10"  # codes are kept in capitals
    # 5300 - 10% = 4770; 8.875% of 2610 and 2160 is 232 + 192.
    assert (order.subtotal_amount, order.discount_amount, order.tax_amount) == (5300, 530, 424)
    assert order.total_amount == 5300 - 530 + 424
    lines = list(order.lines.values_list("title", "sku", "unit_amount", "quantity"))
    assert lines == [("Mug", "MUG-1", 1450, 2), ("Tote", "", 2400, 1)]
    assert list(order.lines.values_list("discount_amount", "tax_amount")) == [
        (290, 232),
        (240, 192),
    ]
    rows = [
        (a.kind, a.name, a.code, a.percent_off, a.rate, a.inclusive, a.amount)
        for a in order.adjustments.all()
    ]
    assert rows == [
        ("discount", "Welcome", "WELCOME10", Decimal("10.00"), None, False, 530),
        ("tax", "Sales tax", "", None, Decimal("8.8750"), False, 424),
    ]

    # Editors change the discount, the tax and the prices: the order says what it said.
    Discount.objects.filter(pk=welcome.pk).update(percent_off=Decimal(50), name="Half")
    Tax.objects.filter(pk=sales_tax.pk).update(rate=Decimal(20), name="Other")
    mug.price_amount = 9999
    mug.save_revision().publish()
    order.refresh_from_db()
    assert order.total_amount == 5194
    again = quote_order(order)
    assert (again.subtotal, again.discount, again.tax, again.total) == (5300, 530, 424, 5194)


def test_the_same_open_key_gives_the_same_order_until_the_basket_changes(mug, tote):
    first = place([(mug, 1)], open_key="cart:1:1")
    assert place([(mug, 1)], open_key="cart:1:1").pk == first.pk
    changed = place([(mug, 2)], open_key="cart:1:1")
    assert changed.pk != first.pk
    first.refresh_from_db()
    assert first.open_key is None and first.status == OrderStatus.PENDING
    assert Order.objects.count() == 2


@pytest.mark.parametrize(
    ("problem", "message"),
    [
        ("empty", "Your cart is empty."),
        ("not_for_sale", "“Mug” is no longer for sale."),
        ("unpublished", "“Mug” is no longer for sale."),
        ("currency", "“Soap” is priced in EUR, the order in USD"),
        ("quantity", "The quantity of “Mug” must be at least 1."),
    ],
)
def test_what_cannot_be_placed_is_refused_with_a_reason_and_nothing_written(
    catalog, mug, problem, message
):
    lines = [(mug, 1)]
    if problem == "empty":
        lines = []
    elif problem == "not_for_sale":
        mug.available_for_sale = False
    elif problem == "unpublished":
        mug.live = False
    elif problem == "currency":
        soap = ItemPageFactory(parent=catalog, title="Soap", price_amount=790, currency="EUR")
        lines = [(mug, 1), (soap, 1)]
    elif problem == "quantity":
        lines = [(mug, 0)]
    with pytest.raises(PlacementRefused, match=message):
        place(lines)
    assert not Order.objects.exists()


def test_taxes_that_mix_inclusive_and_exclusive_are_refused(mug):
    from commerce.pricing import TaxTerms

    taxes = [TaxTerms("A", Decimal(5), True), TaxTerms("B", Decimal(5), False)]
    with pytest.raises(PlacementRefused, match="Inclusive and exclusive"):
        place([(mug, 1)], taxes=taxes)


def test_a_user_owns_the_order_and_a_guest_gets_none(mug):
    user = get_user_model().objects.create_user("shopper", password="x")
    assert place([(mug, 1)], user=user).user == user
    assert place([(mug, 1)], shopper_key="guest").user is None


def test_discount_codes_are_refused_with_the_shoppers_reason(mug, welcome):
    now = timezone.now()
    find = Discount.objects.find_redeemable
    from commerce.pricing import DiscountRefused

    assert find(" welcome10 ", "usd", now) == welcome
    with pytest.raises(DiscountRefused, match="not a valid discount code"):
        find("NOPE", "USD", now)
    Discount.objects.filter(pk=welcome.pk).update(valid_from=now + timedelta(days=1))
    with pytest.raises(DiscountRefused, match="not valid yet"):
        find("WELCOME10", "USD", now)
    Discount.objects.filter(pk=welcome.pk).update(valid_from=None, valid_until=now)
    with pytest.raises(DiscountRefused, match="has expired"):
        find("WELCOME10", "USD", now)
    five_off = Discount.objects.create(name="Five", code="FIVE", amount_off=500, currency="EUR")
    with pytest.raises(DiscountRefused, match="is for EUR prices"):
        find("five", "USD", now)
    assert find("five", "EUR", now) == five_off
    Discount.objects.filter(pk=welcome.pk).update(valid_until=None, active=False)
    with pytest.raises(DiscountRefused, match="not a valid discount code"):
        find("WELCOME10", "USD", now)


def test_redemptions_are_held_by_open_and_paid_orders_only(mug, tote, welcome):
    Discount.objects.filter(pk=welcome.pk).update(max_redemptions=1)
    welcome.refresh_from_db()
    first = place([(mug, 1)], welcome, open_key="a")
    # The same basket again is the same order: it holds the one redemption already.
    assert place([(mug, 1)], welcome, open_key="a").pk == first.pk
    with pytest.raises(PlacementRefused, match="has been used up"):
        place([(tote, 1)], welcome, shopper_key="other")
    transition(first, OrderStatus.EXPIRED)  # gives its redemption back
    assert place([(tote, 1)], welcome, shopper_key="other").discount_amount == 240
    assert welcome.redemptions() == 1


def test_at_most_one_live_payment_per_order(mug):
    order = place([(mug, 1)])
    fields = {"method": "checkout_session", "stripe_account": "default", "amount": 1450}
    Payment.objects.create(order=order, attempt=1, status="starting", currency="USD", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(order=order, attempt=2, status="open", currency="USD", **fields)
    Payment.objects.create(order=order, attempt=2, status="failed", currency="USD", **fields)
    assert order.latest_payment().attempt == 2
