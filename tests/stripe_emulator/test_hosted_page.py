"""The hosted Checkout page over plain HTTP: content, escaping, payment outcomes."""

import re

import requests

from .helpers import create_session, line


def _session(client, **params):
    vat = client.v1.tax_rates.create(
        params={"display_name": "VAT", "percentage": 20, "inclusive": True}
    )
    coupon = client.v1.coupons.create(params={"percent_off": 10, "name": "Welcome <10>"})
    return create_session(
        client,
        [
            line("usd", 1250, 2, "<b>Mug</b>", tax_rates=[vat.id]),
        ],
        discounts=[{"coupon": coupon.id}],
        **params,
    )


def _pay(session, number, **fields):
    form = {
        "email": "ann@example.com",
        "cardNumber": number,
        "cardExpiry": "12 / 34",
        "cardCvc": "123",
        "billingName": "Ann Example",
        **fields,
    }
    return requests.post(session.url, data=form, allow_redirects=False, timeout=5)


def test_page_lists_lines_discount_taxes_and_total_escaped(client):
    session = _session(client)
    page = requests.get(session.url, timeout=5).text
    # 2 x $12.50 = $25.00; 10% off = $2.50; VAT 20% included: 2250*20/120 = 375 -> $3.75
    assert "TEST MODE" in page
    assert "&lt;b&gt;Mug&lt;/b&gt;" in page and "<b>Mug</b>" not in page
    assert "Welcome &lt;10&gt;" in page
    assert "$12.50 each" in page and "Qty 2" in page
    assert "-$2.50" in page
    assert "VAT</span> (20% included)" in page and "$3.75" in page
    assert re.search(r"Total due</span><span>\$22\.50", page)
    for field in ("cardNumber", "cardExpiry", "cardCvc", "billingName", "email"):
        assert f"id='{field}'" in page
    assert "href='http://store.test/cart'" in page


def test_jpy_and_kwd_amounts_are_formatted_for_their_currency(client):
    jpy = create_session(client, [line("jpy", 1500, 2)])
    assert "¥3,000" in requests.get(jpy.url, timeout=5).text
    kwd = create_session(client, [line("kwd", 1250, 1)])
    assert "KWD 1.250" in requests.get(kwd.url, timeout=5).text


def test_decline_stays_on_the_page_with_the_message(client):
    session = _session(client)
    answer = _pay(session, "4000 0000 0000 0002")
    assert answer.status_code == 200
    assert "Your card was declined." in answer.text
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"
    insufficient = _pay(session, "4000000000009995")
    assert "Your card has insufficient funds." in insufficient.text


def test_success_completes_the_session_and_redirects(client):
    session = _session(client, metadata={"order_id": "42"})
    answer = _pay(session, "4242 4242 4242 4242")
    assert answer.status_code == 303
    assert answer.headers["Location"] == (f"http://store.test/success?session_id={session.id}")
    done = client.v1.checkout.sessions.retrieve(session.id)
    assert (done.status, done.payment_status, done.url) == ("complete", "paid", None)
    assert done.customer_details.email == "ann@example.com"
    intent = client.v1.payment_intents.retrieve(done.payment_intent)
    assert (intent.status, intent.amount) == ("succeeded", 2250)
    types = [e.type for e in client.v1.events.list().data]
    assert "checkout.session.completed" in types and "payment_intent.succeeded" in types
    assert "complete" in requests.get(session.url, timeout=5).text


def test_three_d_secure_on_the_hosted_page(client):
    session = _session(client)
    answer = _pay(session, "4000002500003155")
    assert answer.status_code == 303
    challenge = answer.headers["Location"]
    assert "/3ds/pi_" in challenge
    back = requests.post(challenge, data={"action": "complete"}, allow_redirects=False, timeout=5)
    assert f"/c/pay/{session.id}/return" in back.headers["Location"]
    final = requests.get(back.headers["Location"], allow_redirects=False, timeout=5)
    assert final.headers["Location"].endswith(session.id)
    assert client.v1.checkout.sessions.retrieve(session.id).status == "complete"


def test_failed_three_d_secure_returns_to_the_page_with_an_error(client):
    session = _session(client)
    challenge = _pay(session, "4000002500003155").headers["Location"]
    back = requests.post(challenge, data={"action": "fail"}, allow_redirects=False, timeout=5)
    page = requests.get(back.headers["Location"], timeout=5).text
    assert "unable to authenticate" in page
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"


def test_expired_session_page_says_so(client):
    session = _session(client)
    client.v1.checkout.sessions.expire(session.id)
    assert "expired" in requests.get(session.url, timeout=5).text


def test_invalid_card_details_are_explained(client):
    session = _session(client)
    assert "Your card number is invalid." in _pay(session, "1234").text
    assert "expiration" in _pay(session, "4242424242424242", cardExpiry="01 / 20").text


def test_control_endpoint_pays_without_a_browser(emulator, client):
    session = _session(client)
    answer = requests.post(
        f"{emulator.base_url}/_emulator/checkout/sessions/{session.id}/pay",
        json={"card_number": "4242424242424242"},
        timeout=5,
    )
    assert answer.json()["status"] == "complete"
