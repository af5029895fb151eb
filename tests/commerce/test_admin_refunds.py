"""Refunds from the Wagtail admin: permission-gated, confirmed, full or partial, never more
than remains, each with its own idempotency key, sent to Stripe (the emulator)."""

from __future__ import annotations

import contextlib
import re
import time

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from commerce.models import Order, OrderStatus, Refund, RefundReason, RefundStatus
from commerce.reconciliation import reconcile
from commerce.refunds import RefundRefused, request_refund, send_refund
from tests.conftest import stripe_client
from tests.emulator_actions import pay_session
from tests.factories import ItemPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_order(client, stripe_emulator, catalog) -> Order:
    """An order paid through the emulator's Checkout ($14.50), as the success page sees it."""
    item = ItemPageFactory(parent=catalog, title="Enamel Mug", price_amount=1450)
    bought = client.get(f"/v1/buy/{item.pk}/").json()
    assert pay_session(stripe_emulator, bought["sessionId"])["status"] == "complete"
    client.get("/checkout/success/", {"session_id": bought["sessionId"]})
    order = Order.objects.get(pk=bought["orderId"])
    assert order.status == OrderStatus.PAID
    return order


def admin_user(django_user_model, name: str, *, may_refund: bool):
    """A Wagtail user who may see orders, and refund them only if `may_refund`."""
    group, _ = Group.objects.get_or_create(name=f"Order clerks {may_refund}")
    codenames = ["access_admin", "view_order"] + (["refund_order"] if may_refund else [])
    group.permissions.set(Permission.objects.filter(codename__in=codenames))
    user = django_user_model.objects.create_user(name, password="x")
    user.groups.add(group)
    return user


@pytest.fixture
def clerk(django_user_model):
    return admin_user(django_user_model, "clerk", may_refund=True)


@pytest.fixture
def clerk_client(clerk) -> Client:
    browser = Client()
    browser.force_login(clerk)
    return browser


def refund_url(order: Order) -> str:
    return f"/admin/commerce/order/{order.pk}/refund/"


def refund_through_admin(browser: Client, order: Order, amount: str, capture) -> tuple:
    """Type the amount, review, confirm; the (review, confirmation) responses."""
    before = order.refunds.count()
    review = browser.post(refund_url(order), {"amount": amount})
    assert review.status_code == 200, review.content
    assert order.refunds.count() == before  # reviewing asks nothing of Stripe
    key = re.search(r'name="idempotency_key" value="([^"]+)"', review.content.decode())
    assert key, review.content.decode()
    with capture(execute=True):
        confirmed = browser.post(
            refund_url(order), {"amount": amount, "idempotency_key": key[1], "confirm": "1"}
        )
    return review, confirmed


def stripe_refunds(emulator):
    return stripe_client(emulator, "usd").v1.refunds.list().data


def test_a_full_refund_is_confirmed_then_sent_once_with_its_key(
    paid_order, clerk, clerk_client, stripe_emulator, django_capture_on_commit_callbacks
):
    inspect = clerk_client.get(f"/admin/snippets/commerce/order/inspect/{paid_order.pk}/")
    assert refund_url(paid_order) in inspect.content.decode()
    form = clerk_client.get(refund_url(paid_order)).content.decode()
    assert 'value="14.50"' in form  # all that remains, offered
    assert "$14.50" in form

    review, confirmed = refund_through_admin(
        clerk_client, paid_order, "14.50", django_capture_on_commit_callbacks
    )
    assert "Refund <strong>$14.50</strong>" in review.content.decode()
    assert confirmed.status_code == 302
    assert confirmed["Location"] == f"/admin/snippets/commerce/order/inspect/{paid_order.pk}/"

    [refund] = paid_order.refunds.all()
    payment = paid_order.succeeded_payment()
    assert refund.reason == RefundReason.REQUESTED_BY_CUSTOMER
    assert refund.status == RefundStatus.SENT
    assert (refund.amount, refund.currency, refund.requested_by) == (1450, "USD", clerk)
    assert refund.idempotency_key == f"refund-{paid_order.reference}-1"
    [at_stripe] = stripe_refunds(stripe_emulator)
    assert (at_stripe.id, at_stripe.payment_intent, at_stripe.amount) == (
        refund.stripe_refund_id,
        payment.stripe_payment_intent_id,
        1450,
    )
    assert at_stripe.reason == "requested_by_customer"
    assert at_stripe.metadata["order_reference"] == str(paid_order.reference)

    # The confirmation sent again (a double click) refunds nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        again = clerk_client.post(
            refund_url(paid_order),
            {"amount": "14.50", "idempotency_key": refund.idempotency_key, "confirm": "1"},
        )
    assert again.status_code == 302
    assert paid_order.refunds.count() == 1
    assert len(stripe_refunds(stripe_emulator)) == 1
    # Nothing remains: a further refund is refused with the reason.
    refused = clerk_client.post(refund_url(paid_order), {"amount": "0.01"})
    assert "$0.01 is more than the $0.00 that remains to refund." in refused.content.decode()


def test_partial_refunds_each_get_their_own_key_until_nothing_remains(
    paid_order, clerk_client, stripe_emulator, django_capture_on_commit_callbacks
):
    refund_through_admin(clerk_client, paid_order, "5", django_capture_on_commit_callbacks)
    form = clerk_client.get(refund_url(paid_order)).content.decode()
    assert 'value="9.50"' in form
    refund_through_admin(clerk_client, paid_order, "9.50", django_capture_on_commit_callbacks)

    refunds = list(paid_order.refunds.order_by("pk"))
    assert [(refund.amount, refund.status) for refund in refunds] == [
        (500, RefundStatus.SENT),
        (950, RefundStatus.SENT),
    ]
    assert [refund.idempotency_key for refund in refunds] == [
        f"refund-{paid_order.reference}-1",
        f"refund-{paid_order.reference}-2",
    ]
    assert sorted(refund.amount for refund in stripe_refunds(stripe_emulator)) == [500, 950]


def test_more_than_remains_is_refused_with_a_clear_message(
    paid_order, clerk, clerk_client, stripe_emulator, django_capture_on_commit_callbacks
):
    response = clerk_client.post(refund_url(paid_order), {"amount": "15.00"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "$15.00 is more than the $14.50 that remains to refund." in html
    assert 'value="refund-' not in html  # no confirmation step

    too_precise = clerk_client.post(refund_url(paid_order), {"amount": "1.005"}).content.decode()
    assert "USD has 2 decimal places; 1.005 has more." in too_precise
    zero = clerk_client.post(refund_url(paid_order), {"amount": "0"}).content.decode()
    assert "The amount to refund must be more than zero." in zero

    # A confirmation forged past the review step is refused by the service too.
    with django_capture_on_commit_callbacks(execute=True):
        forged = clerk_client.post(
            refund_url(paid_order),
            {
                "amount": "15.00",
                "idempotency_key": f"refund-{paid_order.reference}-1",
                "confirm": "1",
            },
        )
    assert "more than the $14.50 that remains" in forged.content.decode()
    with pytest.raises(RefundRefused, match="not for this order"):
        request_refund(paid_order, 100, clerk, idempotency_key="refund-someone-else-1")
    assert Refund.objects.count() == 0
    assert stripe_refunds(stripe_emulator) == []


def test_an_editor_without_the_refund_permission_is_refused(
    paid_order, django_user_model, stripe_emulator, django_capture_on_commit_callbacks
):
    browser = Client()
    browser.force_login(admin_user(django_user_model, "viewer", may_refund=False))
    inspect = browser.get(f"/admin/snippets/commerce/order/inspect/{paid_order.pk}/")
    assert inspect.status_code == 200
    assert refund_url(paid_order) not in inspect.content.decode()

    assert browser.get(refund_url(paid_order))["Location"] == "/admin/"
    with django_capture_on_commit_callbacks(execute=True):
        posted = browser.post(
            refund_url(paid_order),
            {
                "amount": "14.50",
                "idempotency_key": f"refund-{paid_order.reference}-1",
                "confirm": "1",
            },
        )
    assert posted["Location"] == "/admin/"
    assert Refund.objects.count() == 0
    assert stripe_refunds(stripe_emulator) == []


def test_an_unpaid_order_offers_no_refund(clerk_client, stripe_emulator, catalog, client):
    item = ItemPageFactory(parent=catalog, title="Wool Beanie", price_amount=2999)
    order = Order.objects.get(pk=client.get(f"/v1/buy/{item.pk}/").json()["orderId"])

    inspect = clerk_client.get(f"/admin/snippets/commerce/order/inspect/{order.pk}/")
    assert refund_url(order) not in inspect.content.decode()
    page = clerk_client.get(refund_url(order)).content.decode()
    assert "Only a paid order can be refunded" in page
    refused = clerk_client.post(refund_url(order), {"amount": "1.00"}).content.decode()
    assert "Only a paid order can be refunded" in refused
    assert 'value="refund-' not in refused  # no confirmation step
    assert Refund.objects.count() == 0


def test_stripe_unreachable_leaves_the_refund_due_and_says_so(
    paid_order, clerk_client, settings, stripe_emulator, django_capture_on_commit_callbacks
):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    _, confirmed = refund_through_admin(
        clerk_client, paid_order, "14.50", django_capture_on_commit_callbacks
    )

    [refund] = paid_order.refunds.all()
    assert (refund.status, refund.attempts, refund.amount) == (RefundStatus.DUE, 1, 1450)
    assert refund.last_error
    followed = clerk_client.get(confirmed["Location"]).content.decode()
    assert "is recorded but Stripe did not accept it yet" in followed
    # Due refunds count against what remains: it cannot be asked for twice meanwhile.
    refused = clerk_client.post(refund_url(paid_order), {"amount": "1.00"}).content.decode()
    assert "more than the $0.00 that remains" in refused

    # Stripe is back: reconcile_orders sends it, and sending again asks nothing more.
    settings.STRIPE_API_BASE = stripe_emulator.base_url
    assert reconcile().refunds_sent == 1
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SENT
    refund.status = RefundStatus.DUE
    refund.save()
    assert send_refund(refund.pk).stripe_refund_id == refund.stripe_refund_id  # same key
    [at_stripe] = stripe_refunds(stripe_emulator)
    assert (at_stripe.id, at_stripe.amount) == (refund.stripe_refund_id, 1450)


@pytest.mark.django_db(transaction=True)
def test_the_order_follows_stripes_charge_refunded_after_admin_refunds(
    live_server, stripe_emulator, settings, catalog, django_user_model
):
    """End to end: the emulator's signed webhooks reach the live server; the order goes
    partially refunded, then refunded, each change recorded as reported by a webhook."""
    stripe_emulator.set_webhook(
        "usd",
        live_server.url + "/stripe/webhook/",
        settings.STRIPE_ACCOUNTS["default"]["webhook_secret"],
    )
    item = ItemPageFactory(parent=catalog, title="Enamel Mug", price_amount=1450)
    shopper = Client()
    bought = shopper.get(f"/v1/buy/{item.pk}/").json()
    pay_session(stripe_emulator, bought["sessionId"])
    order = Order.objects.get(pk=bought["orderId"])
    wait_for(lambda: Order.objects.get(pk=order.pk).status == OrderStatus.PAID)
    clerk = Client()
    clerk.force_login(admin_user(django_user_model, "clerk", may_refund=True))

    refund_through_admin(clerk, order, "5.00", nullcontext)
    wait_for(lambda: Order.objects.get(pk=order.pk).status == OrderStatus.PARTIALLY_REFUNDED)
    assert Order.objects.get(pk=order.pk).amount_refunded == 500
    refund_through_admin(clerk, order, "9.50", nullcontext)
    wait_for(lambda: Order.objects.get(pk=order.pk).status == OrderStatus.REFUNDED)

    order.refresh_from_db()
    assert order.amount_refunded == 1450
    assert [refund.status for refund in order.refunds.all()] == [RefundStatus.SENT] * 2
    changes = [
        (change.from_status, change.to_status, change.source)
        for change in order.status_changes.all()
    ]
    assert changes[-2:] == [
        (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, "webhook"),
        (OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED, "webhook"),
    ]
    inspect = clerk.get(f"/admin/snippets/commerce/order/inspect/{order.pk}/").content.decode()
    assert refund_url(order) not in inspect  # nothing remains to refund


def wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition never held")
        time.sleep(0.05)


def nullcontext(**kwargs):
    """Stands for the on-commit capture where transactions really commit."""
    return contextlib.nullcontext()


def test_the_refund_permission_can_be_given_to_a_group(admin_client):
    page = admin_client.get("/admin/groups/new/").content.decode()
    assert "Can refund paid orders" in page
