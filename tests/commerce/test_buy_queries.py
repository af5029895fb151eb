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
from commerce.payments.methods.checkout_session import commit_without_waiting_for_disk
from tests.factories import ImageFactory, ItemPageFactory

pytestmark = pytest.mark.django_db

FIRST_BUY_QUERIES = 13
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


@pytest.mark.django_db(transaction=True)  # so the transaction below is one of its own
def test_recording_a_session_does_not_wait_for_the_disk_and_nothing_else_is_changed(
    django_assert_num_queries,
):
    if connection.vendor != "postgresql":
        # Other databases have no such setting: nothing is sent to them.
        with transaction.atomic(), django_assert_num_queries(0):
            commit_without_waiting_for_disk(Payment)
        return

    def synchronous_commit() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    with transaction.atomic():
        commit_without_waiting_for_disk(Payment)
        assert synchronous_commit() == "off"
    assert synchronous_commit() == "on"
