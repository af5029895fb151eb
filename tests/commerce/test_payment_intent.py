"""Paying an order with a PaymentIntent through the emulator: the intent endpoint, the
status check and the status page, for every outcome a card can have."""

from __future__ import annotations

import urllib.parse
from datetime import timedelta

import pytest
import requests
import stripe
from django.test import Client

from commerce import signals
from commerce.models import Order, OrderStatus, Payment, PaymentMethod, PaymentStatus, ShopSettings
from commerce.payments import gateway
from commerce.payments.methods.payment_intent import apply_payment_intent
from commerce.reconciliation import reconcile
from tests.conftest import stripe_client
from tests.factories import ItemPageFactory

from .cart_helpers import add, post_json

pytestmark = pytest.mark.django_db

RETURN_URL = "http://testserver/v2/order/status/"


@pytest.fixture
def mug(catalog):
    return ItemPageFactory(parent=catalog, title="Enamel Mug", price_amount=1450)


@pytest.fixture
def order(client, mug, stripe_emulator) -> Order:
    add(client, mug, 2)
    response = post_json(client, "/v2/cart/order/")
    assert response.status_code == 201
    return Order.objects.get(pk=response.json()["orderId"])


@pytest.fixture
def usd(stripe_emulator):
    return stripe_client(stripe_emulator, "usd")


def start(client, order: Order):
    return post_json(client, f"/v2/order/{order.pk}/payment-intent/")


def check(client, secret: str):
    return client.get("/v2/order/status/check/", {"pi_secret": secret})


def confirm(usd, secret: str, payment_method: str):
    intent_id = secret.split("_secret_")[0]
    return usd.v1.payment_intents.confirm(
        intent_id, params={"payment_method": payment_method, "return_url": RETURN_URL}
    )


def authenticate(intent, action: str) -> str:
    """Press "Complete" or "Fail" on the emulator's 3-D Secure page; where it sends the
    shopper back to."""
    url = intent.next_action.redirect_to_url.url
    answer = requests.post(url, data={"action": action}, allow_redirects=False, timeout=5)
    assert answer.status_code == 303
    return answer.headers["Location"]


def test_the_intent_endpoint_creates_one_intent_for_the_order(client, order, usd):
    response = start(client, order)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"orderId", "clientSecret", "publishableKey", "amount", "currency"}
    assert (body["orderId"], body["amount"], body["currency"]) == (order.pk, 2900, "USD")
    assert body["publishableKey"] == "pk_test_usd"
    payment = Payment.objects.get(order=order)
    assert (payment.method, payment.status) == (PaymentMethod.PAYMENT_INTENT, PaymentStatus.OPEN)
    intent = usd.v1.payment_intents.retrieve(payment.stripe_id)
    assert body["clientSecret"] == intent.client_secret
    assert (intent.amount, intent.currency) == (2900, "usd")
    assert intent.metadata["order_reference"] == str(order.reference)
    assert intent.metadata["paid_through"] == "payment_intent"
    assert intent.automatic_payment_methods.enabled is True
    # The secret is read from Stripe each time, never kept in our database.
    assert body["clientSecret"] not in str(list(Payment.objects.values()))

    again = start(client, order)
    assert again.json()["clientSecret"] == body["clientSecret"]
    assert Payment.objects.filter(order=order).count() == 1
    assert len(usd.v1.payment_intents.list().data) == 1


def test_a_changed_total_updates_the_same_intent(client, order, usd):
    first = start(client, order).json()
    Order.objects.filter(pk=order.pk).update(total_amount=2500)

    second = start(client, order).json()

    assert second["clientSecret"] == first["clientSecret"]
    assert second["amount"] == 2500
    intent = usd.v1.payment_intents.retrieve(first["clientSecret"].split("_secret_")[0])
    assert intent.amount == 2500
    assert Payment.objects.get(order=order).amount == 2500


def test_a_card_that_succeeds_pays_the_order_once(
    client, order, usd, django_capture_on_commit_callbacks
):
    secret = start(client, order).json()["clientSecret"]
    confirm(usd, secret, "pm_card_visa")
    paid_signals = []

    def receiver(sender, order, **kwargs):
        paid_signals.append(order.pk)

    signals.order_paid.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = check(client, secret)
            again = check(client, secret)
            page = client.get("/v2/order/status/", {"payment_intent_client_secret": secret})
    finally:
        signals.order_paid.disconnect(receiver)

    assert response.status_code == 200
    assert response.json() == {
        "intentSecret": secret,
        "orderId": order.pk,
        "status": "succeeded",
        "paid": True,
    }
    assert again.json()["paid"] is True
    assert paid_signals == [order.pk]
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    payment = order.payments.get()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.stripe_payment_intent_id == payment.stripe_id
    changes = list(order.status_changes.values_list("from_status", "to_status", "source"))
    assert changes[-1] == ("pending", "paid", "status_check")
    assert page.status_code == 200
    assert "your payment was received" in page.content.decode()


@pytest.mark.parametrize(
    ("payment_method", "message"),
    [
        ("pm_card_chargeDeclined", "Your card was declined."),
        ("pm_card_visa_chargeDeclinedInsufficientFunds", "Your card has insufficient funds."),
    ],
)
def test_a_declined_card_leaves_the_order_payable_and_another_card_pays_it(
    client, order, usd, payment_method, message
):
    secret = start(client, order).json()["clientSecret"]
    with pytest.raises(stripe.CardError):
        confirm(usd, secret, payment_method)

    response = check(client, secret)
    page = client.get("/v2/order/status/", {"payment_intent_client_secret": secret})

    assert response.json()["status"] == "requires_payment_method"
    assert response.json()["paid"] is False
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    html = page.content.decode()
    assert "did not go through" in html
    assert message in html
    assert f'href="/v2/order/{order.pk}/pay/"' in html

    # Trying again reuses the same intent, and another card pays it.
    assert start(client, order).json()["clientSecret"] == secret
    confirm(usd, secret, "pm_card_visa")
    assert check(client, secret).json()["paid"] is True


def test_three_d_secure_approved_pays_the_order_on_return(client, order, usd):
    secret = start(client, order).json()["clientSecret"]
    pending = confirm(usd, secret, "pm_card_authenticationRequired")
    assert pending.status == "requires_action"
    assert check(client, secret).json() == {
        "intentSecret": secret,
        "orderId": order.pk,
        "status": "requires_action",
        "paid": False,
    }

    back = urllib.parse.urlsplit(authenticate(pending, "complete"))
    page = client.get(back.path, dict(urllib.parse.parse_qsl(back.query)))

    assert back.path == "/v2/order/status/"
    assert page.status_code == 200
    assert "your payment was received" in page.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.status_changes.get(to_status="paid").source == "checkout_return"


def test_three_d_secure_failed_says_so_and_offers_another_try(client, order, usd):
    secret = start(client, order).json()["clientSecret"]
    pending = confirm(usd, secret, "pm_card_authenticationRequired")

    back = urllib.parse.urlsplit(authenticate(pending, "fail"))
    page = client.get(back.path, dict(urllib.parse.parse_qsl(back.query)))

    html = page.content.decode()
    assert "did not go through" in html
    assert f'href="/v2/order/{order.pk}/pay/"' in html
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


def test_a_canceled_intent_fails_the_order(client, order, usd):
    secret = start(client, order).json()["clientSecret"]
    usd.v1.payment_intents.cancel(secret.split("_secret_")[0])

    response = check(client, secret)
    page = client.get("/v2/order/status/", {"payment_intent_client_secret": secret})

    assert response.json() == {
        "intentSecret": secret,
        "orderId": order.pk,
        "status": "canceled",
        "paid": False,
    }
    order.refresh_from_db()
    assert order.status == OrderStatus.FAILED
    assert order.payments.get().status == PaymentStatus.FAILED
    assert 'href="/v2/cart/"' in page.content.decode()
    assert start(client, order).status_code == 409


def test_unknown_and_foreign_secrets_are_not_found(client, order, usd):
    secret = start(client, order).json()["clientSecret"]
    intent_id = secret.split("_secret_")[0]
    stranger = Client()

    assert check(stranger, secret).status_code == 404
    assert check(client, f"{intent_id}_secret_wrong").status_code == 404
    assert check(client, "pi_unknown_secret_abc").status_code == 404
    assert check(client, "nonsense").status_code == 404
    assert check(client, "").json() == {"error": "No payment with this secret."}
    page = stranger.get("/v2/order/status/", {"payment_intent_client_secret": secret})
    assert page.status_code == 404
    assert post_json(stranger, f"/v2/order/{order.pk}/payment-intent/").status_code == 404
    assert stranger.get(f"/v2/order/{order.pk}/pay/").status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


def test_status_routes_answer_with_and_without_the_slash(client, order):
    secret = start(client, order).json()["clientSecret"]
    assert client.get("/v2/order/status/check", {"pi_secret": secret}).status_code == 200
    bare = client.get("/v2/order/status", {"payment_intent_client_secret": secret})
    assert bare.status_code == 200
    assert post_json(client, f"/v2/order/{order.pk}/payment-intent").status_code == 200
    refused = client.post("/v2/order/status/check/")
    assert refused.status_code == 405
    assert refused.json()["allowed"] == ["GET", "HEAD"]


def test_applying_a_succeeded_intent_twice_pays_once(
    client, order, usd, django_capture_on_commit_callbacks
):
    secret = start(client, order).json()["clientSecret"]
    intent = confirm(usd, secret, "pm_card_visa").to_dict()
    paid_signals = []

    def receiver(sender, order, **kwargs):
        paid_signals.append(kwargs.get("stripe_event_id"))

    signals.order_paid.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            first = apply_payment_intent("default", intent, source="webhook", stripe_event_id="e1")
            second = apply_payment_intent("default", intent, source="status_check")
    finally:
        signals.order_paid.disconnect(receiver)

    assert first[1] == "pending -> paid"
    assert second[1] == "already paid"
    assert paid_signals == ["e1"]
    assert apply_payment_intent("EUR", intent, source="webhook") == (None, "account mismatch")


def test_the_payment_page_shows_the_order_and_the_editors_texts(client, order, home_page):
    shop = ShopSettings.for_site(home_page.get_site())
    shop.payment_heading = "Card payment"
    shop.payment_intro = "We never see your card number."
    shop.save()

    page = client.get(f"/v2/order/{order.pk}/pay/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "<h1>Card payment</h1>" in html
    assert "We never see your card number." in html
    assert "Enamel Mug" in html and "$29.00" in html
    assert f'data-intent-url="/v2/order/{order.pk}/payment-intent/"' in html
    assert 'data-return-url="http://testserver/v2/order/status/"' in html
    assert "/clover/stripe.js" in html
    # Loading the page asks Stripe for nothing.
    assert not Payment.objects.exists()


def test_the_cart_without_javascript_goes_to_the_payment_page(client, mug, stripe_emulator):
    add(client, mug)
    response = client.post("/v2/cart/order/", {"pay": "card"})

    order = Order.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"/v2/order/{order.pk}/pay/"
    cart_page = client.get("/v2/cart/").content.decode()
    assert "Pay by card on this page" in cart_page


def test_a_checkout_sessions_intent_is_left_to_the_session(client, order, usd):
    # Checkout's intent names the order the same way, but its outcome is the session's.
    intent = usd.v1.payment_intents.create(
        params={
            "amount": 2900,
            "currency": "usd",
            "metadata": {"order_reference": str(order.reference)},
            "payment_method": "pm_card_visa",
            "confirm": True,
            "return_url": RETURN_URL,
        }
    ).to_dict()

    assert apply_payment_intent("default", intent, source="webhook")[0] is None
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert not order.refunds.exists()


def test_an_intent_whose_answer_was_lost_still_pays_its_order(client, order, usd):
    intent = usd.v1.payment_intents.create(
        params={
            "amount": 2900,
            "currency": "usd",
            "metadata": {"order_reference": str(order.reference), "paid_through": "payment_intent"},
            "payment_method": "pm_card_visa",
            "confirm": True,
            "return_url": RETURN_URL,
        }
    ).to_dict()

    _, outcome = apply_payment_intent("default", intent, source="webhook")

    assert outcome == "pending -> paid"
    payment = order.payments.get()
    assert (payment.method, payment.stripe_id, payment.status) == (
        PaymentMethod.PAYMENT_INTENT,
        intent["id"],
        PaymentStatus.SUCCEEDED,
    )


def test_a_processing_payment_is_shown_as_processing_and_polled(client, order, usd, monkeypatch):
    # The emulator settles cards at once; a bank debit would answer "processing" for days.
    secret = start(client, order).json()["clientSecret"]
    retrieve = gateway.retrieve_payment_intent

    def processing(account, intent_id):
        return {**retrieve(account, intent_id), "status": "processing"}

    monkeypatch.setattr(gateway, "retrieve_payment_intent", processing)
    page = client.get("/v2/order/status/", {"payment_intent_client_secret": secret})
    checked = check(client, secret).json()

    html = page.content.decode()
    assert "Your payment is processing" in html
    assert "data-check-url=" in html and "payment_status.js" in html
    assert (checked["status"], checked["paid"]) == ("processing", False)
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


def test_a_stripe_failure_answers_502_json_and_leaves_no_live_attempt(
    client, order, stripe_emulator
):
    stripe_emulator.inject_fault("500", count=2, method="POST", path_prefix="/v1/payment_intents")

    response = start(client, order)

    assert response.status_code == 502
    assert response.json() == {
        "error": "The payment provider could not handle the request. Please try again."
    }
    assert order.payments.get().status == PaymentStatus.FAILED
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    # The next try starts a new attempt (a new idempotency key) and works.
    assert start(client, order).status_code == 200
    assert order.payments.filter(status=PaymentStatus.OPEN).count() == 1


def test_status_checks_are_rate_limited(client, order, settings):
    secret = start(client, order).json()["clientSecret"]
    settings.COMMERCE_CART_RATE = "2/m"

    answers = [check(client, secret) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert int(answers[-1]["Retry-After"]) >= 1


def test_reconciliation_settles_a_paid_intent_whose_news_never_came(client, order, usd):
    secret = start(client, order).json()["clientSecret"]
    confirm(usd, secret, "pm_card_visa")  # no webhook endpoint: the store hears nothing

    reconcile(older_than=timedelta(0))

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.status_changes.get(to_status="paid").source == "reconciliation"


def test_switching_ways_to_pay_closes_the_other_at_stripe(
    client, order, usd, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        secret = start(client, order).json()["clientSecret"]
        session_id = post_json(client, f"/v2/order/{order.pk}/checkout/").json()["sessionId"]

    intent = usd.v1.payment_intents.retrieve(secret.split("_secret_")[0])
    assert (intent.status, intent.cancellation_reason) == ("canceled", "abandoned")

    with django_capture_on_commit_callbacks(execute=True):
        second_secret = start(client, order).json()["clientSecret"]

    assert second_secret != secret
    assert usd.v1.checkout.sessions.retrieve(session_id).status == "expired"
    assert [(p.method, p.status) for p in order.payments.all()] == [
        (PaymentMethod.PAYMENT_INTENT, PaymentStatus.SUPERSEDED),
        (PaymentMethod.CHECKOUT_SESSION, PaymentStatus.SUPERSEDED),
        (PaymentMethod.PAYMENT_INTENT, PaymentStatus.OPEN),
    ]
    # The canceled intent's news changes nothing: the order has moved on.
    assert apply_payment_intent("default", intent.to_dict(), source="webhook")[1] == (
        "no change (not the order's current attempt)"
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


def test_the_receipt_email_given_at_confirmation_becomes_the_orders(client, order, usd):
    secret = start(client, order).json()["clientSecret"]
    assert 'id="receipt-email"' in client.get(f"/v2/order/{order.pk}/pay/").content.decode()
    usd.v1.payment_intents.confirm(
        secret.split("_secret_")[0],
        params={
            "payment_method": "pm_card_visa",
            "return_url": RETURN_URL,
            "receipt_email": "ann@example.com",
        },
    )

    assert check(client, secret).json()["paid"] is True
    order.refresh_from_db()
    assert order.email == "ann@example.com"
