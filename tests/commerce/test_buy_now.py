"""`/v1/buy/{id}/`: one-item Stripe Checkout through the offline emulator, over real HTTP."""

import re
import urllib.request
from datetime import timedelta

import pytest
import stripe
from django.utils import timezone

from commerce.models import Order, OrderStatus
from tests.conftest import stripe_client
from tests.factories import ImageFactory, ItemPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def usd_item(catalog):
    return ItemPageFactory(
        parent=catalog, title="Enamel Mug", price_amount=1450, sku="MUG-1", image=ImageFactory()
    )


@pytest.fixture
def eur_item(catalog):
    return ItemPageFactory(parent=catalog, title="Olive Soap", price_amount=790, currency="EUR")


def buy(client, item_id, method="get"):
    response = getattr(client, method)(f"/v1/buy/{item_id}/")
    assert response["Content-Type"].startswith("application/json") or method == "post"
    return response


def test_buying_a_usd_item_creates_a_session_in_the_usd_account(client, stripe_emulator, usd_item):
    response = buy(client, usd_item.pk)
    assert response.status_code == 200
    body = response.json()
    assert body["sessionId"].startswith("cs_")
    assert body["url"].startswith(stripe_emulator.base_url)

    session = stripe_client(stripe_emulator, "usd").v1.checkout.sessions.retrieve(
        body["sessionId"], params={"expand": ["line_items"]}
    )
    assert session.mode == "payment"
    assert session.currency == "usd"
    assert session.amount_total == 1450
    line = session.line_items.data[0]
    assert line.quantity == 1 and line.description == "Enamel Mug"
    # Stripe knows the order by its reference only: pks repeat when a database is recreated.
    reference = str(Order.objects.get(pk=body["orderId"]).reference)
    assert session.client_reference_id == reference
    assert session.metadata.to_dict() == {"order_reference": reference}
    assert session.success_url.endswith("/checkout/success/?session_id={CHECKOUT_SESSION_ID}")
    assert session.cancel_url == f"http://testserver{usd_item.url}?checkout=canceled"

    with pytest.raises(stripe.InvalidRequestError):
        stripe_client(stripe_emulator, "eur").v1.checkout.sessions.retrieve(body["sessionId"])

    order = Order.objects.get(pk=body["orderId"])
    assert order.status == OrderStatus.PENDING
    assert order.latest_payment().stripe_account == "default"
    assert order.total_amount == 1450 and order.currency == "USD"
    assert list(order.lines.values_list("title", "unit_amount", "quantity", "sku")) == [
        ("Enamel Mug", 1450, 1, "MUG-1")
    ]


def test_buying_an_eur_item_uses_the_eur_account(client, stripe_emulator, eur_item):
    body = buy(client, eur_item.pk).json()
    session = stripe_client(stripe_emulator, "eur").v1.checkout.sessions.retrieve(body["sessionId"])
    assert (session.currency, session.amount_total) == ("eur", 790)
    with pytest.raises(stripe.InvalidRequestError, match=r"No such checkout\.session"):
        stripe_client(stripe_emulator, "usd").v1.checkout.sessions.retrieve(body["sessionId"])
    assert Order.objects.get(pk=body["orderId"]).latest_payment().stripe_account == "EUR"


def test_hosted_checkout_shows_the_line_with_its_absolute_image_url(
    client, stripe_emulator, usd_item
):
    body = buy(client, usd_item.pk).json()
    with urllib.request.urlopen(body["url"], timeout=5) as page:
        html = page.read().decode()
    assert "Enamel Mug" in html and "$14.50" in html
    assert re.search(r"src='http://testserver/media/images/[^']+\.png'", html)


def test_the_same_shopper_asking_again_gets_the_same_order_and_session(
    client, stripe_emulator, usd_item
):
    first = buy(client, usd_item.pk).json()
    second = buy(client, usd_item.pk).json()
    assert first == second
    assert Order.objects.count() == 1

    from django.test import Client

    other_shopper = buy(Client(), usd_item.pk).json()
    assert other_shopper["orderId"] != first["orderId"]
    assert other_shopper["sessionId"] != first["sessionId"]


def test_a_price_change_starts_a_new_order(client, stripe_emulator, usd_item):
    first = buy(client, usd_item.pk).json()
    usd_item.price_amount = 1600
    usd_item.save_revision().publish()
    second = buy(client, usd_item.pk).json()
    assert second["orderId"] != first["orderId"]
    assert Order.objects.get(pk=second["orderId"]).total_amount == 1600


def test_form_post_without_javascript_redirects_to_checkout(client, stripe_emulator, usd_item):
    response = client.post(f"/v1/buy/{usd_item.pk}/")
    assert response.status_code == 303
    order = Order.objects.get()
    assert response["Location"] == order.latest_payment().url


def test_item_page_has_a_buy_button_that_works_without_javascript(client, usd_item):
    html = client.get(usd_item.url).content.decode()
    assert f'action="/v1/buy/{usd_item.pk}/"' in html
    assert 'method="post"' in html and "csrfmiddlewaretoken" in html
    assert "commerce/buy" in html and "Buy now" in html


@pytest.mark.parametrize("item_id", ["999999", "abc", "-1", "99999999999999999999999", "１２"])
def test_unknown_item_is_a_json_404(client, home_page, item_id):
    response = client.get(f"/v1/buy/{item_id}/")
    assert response.status_code == 404
    assert response.json()["error"] == "No item with this id is for sale."


def test_not_for_sale_and_unpublished_items_are_json_404s(client, catalog):
    museum = ItemPageFactory(parent=catalog, available_for_sale=False)
    draft = ItemPageFactory(parent=catalog)
    draft.unpublish()
    for item in (museum, draft):
        response = client.get(f"/v1/buy/{item.pk}/")
        assert response.status_code == 404
        assert "error" in response.json()
    assert not Order.objects.exists()


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_a_json_405(client, usd_item, method):
    response = getattr(client, method)(f"/v1/buy/{usd_item.pk}/")
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    assert "not allowed" in response.json()["error"]


def test_currency_without_an_account_is_a_clear_503(client, settings, usd_item):
    settings.STRIPE_ACCOUNTS = {"EUR": settings.STRIPE_ACCOUNTS["EUR"]}
    response = client.get(f"/v1/buy/{usd_item.pk}/")
    assert response.status_code == 503
    assert response.json()["error"] == "Payments in this currency are not available right now."
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("fault", "status"), [("500", 502), ("429", 503), ("timeout", 503), ("drop", 503)]
)
def test_stripe_failures_answer_502_or_503_and_a_retry_succeeds(
    client, stripe_emulator, usd_item, settings, fault, status, caplog
):
    # One more failure than the client's retries, so the store sees the failure.
    stripe_emulator.inject_fault(
        fault,
        count=settings.STRIPE_MAX_NETWORK_RETRIES + 1,
        path_prefix="/v1/checkout/sessions",
        delay_seconds=settings.STRIPE_TIMEOUT_SECONDS + 1,
    )
    response = client.get(f"/v1/buy/{usd_item.pk}/")
    assert response.status_code == status
    message = response.json()["error"]
    assert "try again" in message.lower()
    assert "Stripe checkout.sessions.create failed for account default" in caplog.text
    if fault in ("500", "429"):  # Stripe answered, so its request id is in the log
        assert re.search(r"request id req_\w+", caplog.text)
    # Nobody can pay an order without a session: it is marked failed, blocking nothing.
    failed = Order.objects.get()
    assert failed.status == OrderStatus.FAILED
    [failed_attempt] = failed.payments.all()
    assert failed_attempt.status == "failed" and failed_attempt.stripe_id is None
    assert failed.open_key is None

    retry = client.get(f"/v1/buy/{usd_item.pk}/")
    assert retry.status_code == 200
    retried = Order.objects.get(pk=retry.json()["orderId"])
    assert retried.pk != failed.pk and retried.status == OrderStatus.PENDING
    assert retried.latest_payment().stripe_id == retry.json()["sessionId"]


def test_a_failure_on_the_form_post_renders_a_page_not_json(client, settings, usd_item):
    settings.STRIPE_ACCOUNTS = {}
    response = client.post(f"/v1/buy/{usd_item.pk}/")
    assert response.status_code == 503
    assert "We could not start your payment" in response.content.decode()


def test_robots_txt_disallows_the_buy_urls(client, db):
    assert "Disallow: /v1/buy/" in client.get("/robots.txt").content.decode()


def test_a_database_outage_is_a_json_503_not_an_html_500(client, usd_item, monkeypatch):
    from django.db import OperationalError

    def broken(*args, **kwargs):
        raise OperationalError("database is down")

    monkeypatch.setattr("commerce.views.checkout.buy_now", broken)
    response = client.get(f"/v1/buy/{usd_item.pk}/")
    assert response.status_code == 503
    assert response.json()["error"].startswith("The store could not handle this request")


def lose_the_answer(order, started_at):
    """As if the worker died after Stripe made the session but before it was written down."""
    order.payments.update(stripe_id=None, url="", status="starting", started_at=started_at)


def test_a_request_joins_the_attempt_in_flight_and_gets_its_session(
    client, stripe_emulator, usd_item
):
    first = buy(client, usd_item.pk).json()
    order = Order.objects.get(pk=first["orderId"])
    lose_the_answer(order, started_at=timezone.now())

    # Same attempt, same idempotency key, same parameters (its expiry was stored with it):
    # Stripe replays the session it made instead of making another.
    again = buy(client, usd_item.pk).json()
    assert again == first
    [payment] = order.payments.all()
    assert payment.attempt == 1 and payment.stripe_id == first["sessionId"]
    sessions = stripe_client(stripe_emulator, "usd").v1.checkout.sessions.list().data
    # (Filtered: a late request of an earlier test's timeout fault may still land here.)
    ours = [
        session.id for session in sessions if session.client_reference_id == str(order.reference)
    ]
    assert ours == [first["sessionId"]]


def test_an_attempt_whose_worker_died_is_replaced_by_a_new_one(client, stripe_emulator, usd_item):
    first = buy(client, usd_item.pk).json()
    order = Order.objects.get(pk=first["orderId"])
    lose_the_answer(order, started_at=timezone.now() - timedelta(minutes=5))

    again = buy(client, usd_item.pk).json()
    assert again["orderId"] == first["orderId"]
    assert again["sessionId"] != first["sessionId"]
    first_attempt, second_attempt = order.payments.all()
    assert (first_attempt.attempt, first_attempt.status) == (1, "superseded")
    assert (second_attempt.attempt, second_attempt.status) == (2, "open")
    assert second_attempt.stripe_id == again["sessionId"]
