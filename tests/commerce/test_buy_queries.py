"""Buy costs a fixed, small number of SQL queries around its Stripe call.

A first buy reads nothing but the shared cache (the item as buying needs it, the default
taxes, the Stripe TaxRate's id) and writes the shopper's new session, the order, its line,
its tax and its first payment attempt in one transaction, then records the Checkout
Session Stripe made in one statement (on PostgreSQL, in a transaction that does not wait
for the disk); a second click of the same shopper finds the open order and hands out its
session again. A test's transaction never commits, so here the session middleware asks
once whether the session's row exists (test_first_session.py shows it is written once).
"""

import pytest
from django.db import connection, transaction

from commerce.models import Order, Payment, ShopSettings, Tax
from commerce.payments.methods.checkout_session import _record_session
from tests.factories import ImageFactory, ItemPageFactory

pytestmark = pytest.mark.django_db

FIRST_BUY_QUERIES = 10
REPEATED_BUY_QUERIES = 10


@pytest.fixture
def taxed_item(catalog, home_page):
    shop = ShopSettings.for_site(home_page.get_site())
    shop.save()
    shop.default_taxes.add(Tax.objects.create(name="Sales tax", rate="8.875"))
    return ItemPageFactory(parent=catalog, title="Mug", price_amount=1450, image=ImageFactory())


def test_a_buy_and_its_repeat_stay_within_their_query_budgets(
    client, stripe_emulator, taxed_item, django_assert_max_num_queries
):
    client.get(f"/v1/buy/{taxed_item.pk}/")  # the tax's Stripe TaxRate, the picture's rendition
    client.cookies.clear()

    with django_assert_max_num_queries(FIRST_BUY_QUERIES):
        first = client.get(f"/v1/buy/{taxed_item.pk}/")
    with django_assert_max_num_queries(REPEATED_BUY_QUERIES):
        again = client.get(f"/v1/buy/{taxed_item.pk}/")

    assert first.status_code == 200 and again.status_code == 200
    assert again.json() == first.json()
    order = Order.objects.get(pk=first.json()["orderId"])
    assert order.tax_amount > 0
    [payment] = order.payments.all()
    assert payment.status == "open" and payment.stripe_id == first.json()["sessionId"]


def test_a_first_buy_sends_its_rows_to_the_database_a_few_at_a_time(
    client, stripe_emulator, taxed_item, batches_sent
):
    client.get(f"/v1/buy/{taxed_item.pk}/")  # the tax's Stripe TaxRate, the picture's rendition
    client.cookies.clear()
    batches_sent.clear()

    response = client.get(f"/v1/buy/{taxed_item.pk}/")

    assert response.status_code == 200
    order = Order.objects.get(pk=response.json()["orderId"])
    assert (order.lines.count(), order.adjustments.count(), order.payments.count()) == (1, 1, 1)
    if connection.vendor == "postgresql":
        # The new session with the order (whose key the rows below refer to); the line
        # with the tax (sent before the payment method's code runs); the first payment
        # attempt, before the commit.
        assert batches_sent == [2, 2, 1]
    else:
        assert batches_sent == []


def starting_attempt(order: Order, attempt: int) -> Payment:
    return Payment.objects.create(
        order=order,
        method="checkout_session",
        attempt=attempt,
        status="starting",
        stripe_account="default",
        amount=order.total_amount,
        currency=order.currency,
    )


def session_made(session_id: str) -> dict:
    return {"id": session_id, "url": f"https://checkout.example/{session_id}", "expires_at": 2e9}


@pytest.mark.django_db(transaction=True)  # so each statement is a transaction of its own
def test_recording_a_session_is_one_statement_whose_commit_does_not_wait_for_the_disk(
    django_assert_num_queries,
):
    order = Order.objects.create(currency="USD", subtotal_amount=1450, total_amount=1450)
    payment = starting_attempt(order, 1)

    with django_assert_num_queries(1):  # no BEGIN, SET LOCAL or COMMIT around it
        recorded = _record_session(payment, session_made("cs_test_recorded"))

    stored = Payment.objects.get(pk=payment.pk)
    assert (stored.status, stored.stripe_id, stored.url) == (
        "open",
        "cs_test_recorded",
        "https://checkout.example/cs_test_recorded",
    )
    assert (recorded.status, recorded.stripe_id) == ("open", "cs_test_recorded")
    if connection.vendor != "postgresql":
        return  # other databases have no such setting: nothing more is sent to them

    def synchronous_commit() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    # The statement turns the flush off for its own transaction alone, as SET LOCAL does:
    # seen here inside a transaction, and gone once that transaction ends.
    with transaction.atomic():
        other = Order.objects.create(currency="USD", subtotal_amount=900, total_amount=900)
        _record_session(starting_attempt(other, 1), session_made("cs_test_other"))
        assert synchronous_commit() == "off"
    assert synchronous_commit() == "on"
