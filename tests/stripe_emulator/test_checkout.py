"""Checkout Sessions over the API: totals, expansion, errors, expiry."""

import time

import pytest
import stripe

from .helpers import create_session, line


def _tax(client, name, percentage, inclusive):
    return client.v1.tax_rates.create(
        params={"display_name": name, "percentage": percentage, "inclusive": inclusive}
    )


def test_usd_exclusive_tax_with_percent_coupon(client):
    tax = _tax(client, "Sales tax", 8.25, False)
    coupon = client.v1.coupons.create(params={"percent_off": 10, "name": "Ten off"})
    session = create_session(
        client,
        [
            line("usd", 1000, 2, "Mug", tax_rates=[tax.id]),
            line("usd", 500, 1, "Coaster", tax_rates=[tax.id]),
        ],
        discounts=[{"coupon": coupon.id}],
        expand=["line_items", "total_details.breakdown"],
    )
    # subtotal: 2*1000 + 500 = 2500; discount 10% = 250, spread 2000:500 -> 200 + 50
    # tax 8.25% on discounted lines: 1800*0.0825 = 148.5 -> 149; 450*0.0825 = 37.125 -> 37
    # total: 2500 - 250 + 186 = 2436
    assert session.amount_subtotal == 2500
    assert session.total_details.amount_discount == 250
    assert session.total_details.amount_tax == 186
    assert session.amount_total == 2436
    assert [i.amount_total for i in session.line_items.data] == [1949, 487]
    assert [i.amount_discount for i in session.line_items.data] == [200, 50]
    breakdown = session.total_details.breakdown
    assert breakdown.taxes[0].amount == 186
    assert breakdown.taxes[0].taxable_amount == 2250
    assert breakdown.discounts[0].discount.source.type == "coupon"
    assert breakdown.discounts[0].discount.source.coupon.id == coupon.id


def test_usd_inclusive_tax_with_amount_coupon(client):
    vat = _tax(client, "VAT", 20, True)
    coupon = client.v1.coupons.create(params={"amount_off": 500, "currency": "usd"})
    session = create_session(
        client,
        [line("usd", 1200, 3, tax_rates=[vat.id]), line("usd", 2400, 1, tax_rates=[vat.id])],
        discounts=[{"coupon": coupon.id}],
    )
    # subtotal 3600 + 2400 = 6000; $5.00 off spread 3600:2400 -> 300 + 200
    # inclusive VAT is inside the amount: 3300*20/120 = 550; 2200*20/120 = 366.67 -> 367
    # total is not increased by inclusive tax: 6000 - 500 = 5500
    assert session.amount_subtotal == 6000
    assert session.total_details.amount_discount == 500
    assert session.total_details.amount_tax == 917
    assert session.amount_total == 5500


def test_jpy_zero_decimal_exclusive_tax_with_percent_coupon(client):
    tax = _tax(client, "Consumption tax", 10, False)
    coupon = client.v1.coupons.create(params={"percent_off": 15})
    session = create_session(
        client,
        [line("jpy", 1980, 1, tax_rates=[tax.id]), line("jpy", 550, 2, tax_rates=[tax.id])],
        discounts=[{"coupon": coupon.id}],
    )
    # subtotal 1980 + 1100 = 3080 yen; 15% = 462, spread 1980:1100 -> 297 + 165
    # tax 10%: 1683 -> 168.3 -> 168; 935 -> 93.5 -> 94 (half up); total 3080 - 462 + 262
    assert session.amount_subtotal == 3080
    assert session.total_details.amount_discount == 462
    assert session.total_details.amount_tax == 262
    assert session.amount_total == 2880


def test_kwd_three_decimal_inclusive_tax_with_amount_coupon(client):
    vat = _tax(client, "VAT", 5, True)
    coupon = client.v1.coupons.create(params={"amount_off": 1500, "currency": "kwd"})
    session = create_session(
        client,
        [line("kwd", 4250, 2, tax_rates=[vat.id]), line("kwd", 2500, 1, tax_rates=[vat.id])],
        discounts=[{"coupon": coupon.id}],
    )
    # subtotal 8.500 + 2.500 = 11.000 KWD (11000 fils); 1.500 off spread 8500:2500:
    # 1159.09 and 340.91 -> floors 1159 + 340, leftover fils to the larger fraction -> 341
    # inclusive 5%: 7341*5/105 = 349.57 -> 350; 2159*5/105 = 102.81 -> 103
    # total 11000 - 1500 = 9500 fils = KWD 9.500
    assert session.total_details.amount_discount == 1500
    assert session.total_details.amount_tax == 453
    assert session.amount_total == 9500


def test_amount_coupon_must_match_session_currency(client):
    coupon = client.v1.coupons.create(params={"amount_off": 500, "currency": "eur"})
    with pytest.raises(stripe.InvalidRequestError) as refused:
        create_session(client, [line("usd", 1000)], discounts=[{"coupon": coupon.id}])
    assert refused.value.param == "discounts[0][coupon]"


def test_one_currency_per_session(client):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        create_session(client, [line("usd", 1000), line("eur", 1000)])
    assert refused.value.http_status == 400
    assert refused.value.param == "line_items[1][price_data][currency]"


def test_session_shape_and_retrieval(client, emulator):
    session = create_session(
        client,
        [line("usd", 1500, 1, "Poster")],
        client_reference_id="order-5",
        customer_email="ann@example.com",
        metadata={"order_id": "5"},
    )
    assert session.id.startswith("cs_test_")
    assert session.object == "checkout.session"
    assert session.livemode is False
    assert session.status == "open" and session.payment_status == "unpaid"
    assert session.url == f"{emulator.base_url}/c/pay/{session.id}"
    assert session.payment_intent is None
    assert session.metadata.to_dict() == {"order_id": "5"}
    fetched = client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["line_items.data.price.product"]}
    )
    assert fetched.client_reference_id == "order-5"
    assert fetched.line_items.data[0].price.product.name == "Poster"
    items = client.v1.checkout.sessions.line_items.list(session.id)
    assert [item.description for item in items.data] == ["Poster"]
    assert items.data[0].price.unit_amount == 1500


def test_expire_open_session_only_once(client):
    session = create_session(client, [line("usd", 1000)])
    expired = client.v1.checkout.sessions.expire(session.id)
    assert expired.status == "expired" and expired.url is None
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(session.id)
    events = client.v1.events.list(params={"type": "checkout.session.expired"})
    assert [e.data.object.id for e in events.data] == [session.id]


def test_sessions_expire_when_expires_at_passes(client, emulator):
    session = create_session(client, [line("usd", 1000)], expires_at=int(time.time()) + 1800)
    emulator.advance_clock(1801)
    assert client.v1.checkout.sessions.retrieve(session.id).status == "expired"
    events = client.v1.events.list(params={"type": "checkout.session.expired"})
    assert len(events.data) == 1


def test_expires_at_bounds_match_stripe(client):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        create_session(client, [line("usd", 1000)], expires_at=int(time.time()) + 60)
    assert refused.value.param == "expires_at"


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"automatic_tax": {"enabled": True}}, "automatic_tax[enabled]"),
        ({"payment_method_types": ["card"]}, "payment_method_types"),
        ({"mode": "subscription"}, "mode"),
    ],
)
def test_unsupported_or_removed_parameters_are_refused(client, extra, param):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        create_session(client, [line("usd", 1000)], **extra)
    assert refused.value.param == param


def test_unknown_tax_rate_and_coupon_are_404(client):
    with pytest.raises(stripe.InvalidRequestError) as missing:
        create_session(client, [line("usd", 1000, tax_rates=["txr_nope"])])
    assert missing.value.http_status == 404
    assert missing.value.param == "line_items[0][tax_rates][0]"
    with pytest.raises(stripe.InvalidRequestError) as missing_coupon:
        create_session(client, [line("usd", 1000)], discounts=[{"coupon": "NOPE"}])
    assert missing_coupon.value.http_status == 404


def test_coupons_and_tax_rates_crud(client):
    coupon = client.v1.coupons.create(
        params={"id": "SUMMER", "percent_off": 25, "duration": "once", "name": "Summer"}
    )
    assert client.v1.coupons.retrieve("SUMMER").percent_off == 25
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.coupons.create(params={"id": "SUMMER", "percent_off": 5})
    with pytest.raises(stripe.InvalidRequestError) as no_currency:
        client.v1.coupons.create(params={"amount_off": 100})
    assert no_currency.value.param == "currency"
    deleted = client.v1.coupons.delete(coupon.id)
    assert deleted.deleted is True
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.coupons.retrieve("SUMMER")
    rate = client.v1.tax_rates.create(
        params={
            "display_name": "VAT",
            "percentage": 19,
            "inclusive": True,
            "jurisdiction": "DE",
            "country": "DE",
            "description": "German VAT",
        }
    )
    fetched = client.v1.tax_rates.retrieve(rate.id)
    assert (fetched.percentage, fetched.inclusive, fetched.country) == (19.0, True, "DE")
    assert rate.id.startswith("txr_")
