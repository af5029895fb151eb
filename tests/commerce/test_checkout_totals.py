"""Our totals are Stripe's: random orders (USD, JPY, KWD; inclusive and exclusive taxes;
percent and amount coupons) go to Checkout through the emulator, with the Coupon and
TaxRates the store creates lazily, and Stripe's `amount_total` and `total_details` equal
our quote to the minor unit; where Stripe refuses the total, the store refuses it first.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from commerce import money
from commerce.models import Order, OrderLine, Payment, StripePricingObject
from commerce.orders.placement import write_adjustments
from commerce.payments import gateway
from commerce.payments.accounts import account_for_currency
from commerce.payments.checkout import checkout_session_params
from commerce.payments.exceptions import AmountNotChargeable, GatewayError
from commerce.payments.methods.checkout_session import CheckoutUrls, start_checkout
from commerce.pricing import DiscountTerms, LineInput, TaxTerms, quote
from tests.conftest import stripe_client

pytestmark = pytest.mark.django_db

URLS = CheckoutUrls(success_url="http://testserver/ok", cancel_url="http://testserver/cart")
ACCOUNT_OF = {"USD": "usd", "JPY": "usd", "KWD": "usd"}


@st.composite
def orders(draw):
    currency = draw(st.sampled_from(["USD", "JPY", "KWD"]))
    step = money.get_currency(currency).stripe_step
    lines = draw(
        st.lists(
            st.builds(
                LineInput,
                item_id=st.integers(1, 99),
                title=st.sampled_from(["Mug", "Tote", "Pen"]),
                unit_amount=st.integers(1, 20_000).map(lambda units: units * step),
                quantity=st.integers(1, 5),
            ),
            min_size=1,
            max_size=4,
        )
    )
    coupon = draw(st.sampled_from(["none", "percent", "amount"]))
    discount = None
    if coupon == "percent":
        percent = draw(st.decimals(min_value=Decimal("0.01"), max_value=100, places=2))
        discount = DiscountTerms("Percent off", "", percent, None, None)
    elif coupon == "amount":
        amount = draw(st.integers(1, 5_000).map(lambda units: units * step))
        discount = DiscountTerms("Amount off", "", None, amount, currency)
    inclusive = draw(st.booleans())
    rates = draw(st.lists(st.decimals(min_value=0, max_value=30, places=3), max_size=2))
    taxes = [TaxTerms(f"Tax {n}", rate, inclusive) for n, rate in enumerate(rates)]
    return currency, lines, discount, taxes


def order_for(currency, lines, discount, taxes) -> tuple[Order, object]:
    priced = quote(currency, lines, discount, taxes)
    order = Order.objects.create(
        currency=currency,
        subtotal_amount=priced.subtotal,
        discount_amount=priced.discount,
        tax_amount=priced.tax,
        total_amount=priced.total,
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            title=q.line.title,
            unit_amount=q.line.unit_amount,
            quantity=q.line.quantity,
        )
        for q in priced.lines
    )
    write_adjustments(order, priced, None)
    return order, priced


@hypothesis_settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(orders())
def test_stripe_charges_exactly_our_total(stripe_emulator, basket):
    order, priced = order_for(*basket)
    try:
        payment = start_checkout(order, URLS)
    except AmountNotChargeable:
        # Stripe would have refused it too: ask it, bypassing our check.
        account = account_for_currency(order.currency)
        params = checkout_session_params(
            order,
            [(line, None) for line in order.lines.all()],
            success_url=URLS.success_url,
            cancel_url=URLS.cancel_url,
            expires_at=timezone.now() + timedelta(hours=1),
            coupon=_coupon(account, order),
            tax_rates=_tax_rates(account, order),
        )
        with pytest.raises(GatewayError):
            gateway.create_checkout_session(account, params, idempotency_key=f"refusal-{order.pk}")
        return
    client = stripe_client(stripe_emulator, ACCOUNT_OF[order.currency])
    session = client.v1.checkout.sessions.retrieve(payment.stripe_id)
    assert session.currency == order.currency.lower()
    assert session.amount_subtotal == priced.subtotal
    assert session.amount_total == priced.total == order.total_amount
    assert session.total_details.amount_discount == priced.discount
    assert session.total_details.amount_tax == priced.tax
    items = client.v1.checkout.sessions.line_items.list(payment.stripe_id, params={"limit": 100})
    assert [(item.amount_discount, item.amount_tax) for item in items.data] == [
        (line.discount, line.tax) for line in priced.lines
    ]


def _coupon(account, order):
    from commerce.payments.pricing_objects import coupon_for

    adjustment = order.adjustments.filter(kind="discount").first()
    return coupon_for(account, adjustment, order.currency) if adjustment else None


def _tax_rates(account, order):
    from commerce.payments.pricing_objects import tax_rate_for

    return [tax_rate_for(account, a) for a in order.adjustments.filter(kind="tax")]


def test_coupons_and_tax_rates_are_made_once_per_account_and_terms(stripe_emulator):
    lines = [LineInput(1, "Mug", 1450, 2)]
    ten = DiscountTerms("Welcome", "WELCOME10", Decimal(10), None, None)
    vat = [TaxTerms("VAT", Decimal(20), True)]
    first, _ = order_for("USD", lines, ten, vat)
    second, _ = order_for("USD", lines, ten, vat)
    euro, _ = order_for("EUR", [LineInput(1, "Soap", 790, 1)], ten, vat)
    sessions = [start_checkout(order, URLS) for order in (first, second, euro)]

    usd = stripe_client(stripe_emulator, "usd")
    assert len(usd.v1.coupons.list().data) == 1
    assert len(usd.v1.tax_rates.list().data) == 1
    eur = stripe_client(stripe_emulator, "eur")
    [eur_coupon] = eur.v1.coupons.list().data
    assert eur_coupon.percent_off == 10 and eur_coupon.duration == "once"
    [eur_rate] = eur.v1.tax_rates.list().data
    assert (eur_rate.display_name, eur_rate.percentage, eur_rate.inclusive) == ("VAT", 20, True)
    remembered = StripePricingObject.objects.values_list("kind", "stripe_account")
    assert sorted(remembered) == [
        ("coupon", "EUR"),
        ("coupon", "default"),
        ("tax_rate", "EUR"),
        ("tax_rate", "default"),
    ]
    session = usd.v1.checkout.sessions.retrieve(sessions[0].stripe_id)
    assert session.amount_total == 2900 - 290

    # New terms (an editor changed the rate): a new TaxRate; the old one stays as it was.
    changed, _ = order_for("USD", lines, ten, [TaxTerms("VAT", Decimal(21), True)])
    start_checkout(changed, URLS)
    rates = sorted(rate.percentage for rate in usd.v1.tax_rates.list().data)
    assert rates == [20, 21]


@pytest.mark.parametrize(
    ("currency", "unit_amount", "message"),
    [
        ("KWD", 1255, "Stripe charges KWD in multiples of KWD 0.010"),
        ("USD", 30, "below $0.50, the smallest amount"),
    ],
)
def test_totals_stripe_would_refuse_are_refused_before_asking(
    stripe_emulator, currency, unit_amount, message
):
    order, _ = order_for(currency, [LineInput(1, "Dates", unit_amount, 1)], None, [])
    with pytest.raises(AmountNotChargeable, match=re.escape(message)) as refusal:
        start_checkout(order, URLS)
    assert refusal.value.status == 409 and message in refusal.value.customer_message
    assert not order.payments.exists()


def test_a_paid_order_is_not_sent_to_checkout_again(stripe_emulator):
    from commerce.payments.exceptions import OrderNotPayable

    order, _ = order_for("USD", [LineInput(1, "Mug", 1450, 1)], None, [])
    Order.objects.filter(pk=order.pk).update(status="paid")
    order.refresh_from_db()
    with pytest.raises(OrderNotPayable):
        start_checkout(order, URLS)


def test_a_session_about_to_expire_is_replaced_by_a_new_attempt(stripe_emulator):
    order, _ = order_for("USD", [LineInput(1, "Mug", 1450, 1)], None, [])
    first = start_checkout(order, URLS)
    assert start_checkout(order, URLS).pk == first.pk  # still open: handed out again
    Payment.objects.filter(pk=first.pk).update(expires_at=timezone.now() + timedelta(minutes=2))
    second = start_checkout(order, URLS)
    first.refresh_from_db()
    assert (first.status, second.status, second.attempt) == ("superseded", "open", 2)
    assert second.stripe_id != first.stripe_id
