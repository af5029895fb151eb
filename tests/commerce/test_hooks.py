"""Each named hook of `commerce.hooks`, registered for one test with Wagtail's
`register_temporarily`, runs when its documentation says: quote modifiers wherever a
basket is priced (and what they add reaches Stripe), the before-place check before
anything is written, the after-place, after-payment and after-refund hooks after commit
and once, and payment methods registered through the hook used by the webhook endpoint,
reconciliation and the checkout view."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from wagtail.hooks import register_temporarily

from commerce import hooks
from commerce.hooks import OrderRefused
from commerce.models import (
    Order,
    OrderAdjustment,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentEvent,
    PaymentStatus,
)
from commerce.payments.methods import BasePaymentMethod, StartedPayment
from commerce.payments.methods.builtin import CheckoutSessionMethod
from commerce.payments.methods.registry import method_named, payment_methods
from commerce.pricing import DiscountTerms, LineInput, TaxTerms
from commerce.reconciliation import reconcile
from tests.conftest import stripe_client
from tests.factories import ItemPageFactory
from tests.stripe_signing import paid_checkout_session, refunded_charge
from tests.stripe_signing import post_signed_event as post_event

from .cart_helpers import add, cart_of, post_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def mug(catalog):
    return ItemPageFactory(parent=catalog, title="Mug", price_amount=2000)


def place(client) -> Order:
    response = post_json(client, "/v2/cart/order/")
    assert response.status_code == 201, response.content
    return Order.objects.get(pk=response.json()["orderId"])


# MODIFY_QUOTE


def handling_fee(basket, context):
    return basket.with_line(LineInput(None, "Handling", 500, 1))


def members_discount(basket, context):
    return basket.with_discount(DiscountTerms("Members", "", Decimal("10"), None, None))


def levy(basket, context):
    return basket.with_tax(TaxTerms("Levy", Decimal("5"), inclusive=False))


MODIFIERS = [
    (hooks.MODIFY_QUOTE, handling_fee),
    (hooks.MODIFY_QUOTE, members_discount),
    (hooks.MODIFY_QUOTE, levy),
]


def test_a_modifiers_fee_discount_and_tax_reach_the_cart_the_order_and_stripe(
    client, stripe_emulator, mug
):
    add(client, mug, 2)
    with register_temporarily(MODIFIERS):
        cart = cart_of(client)
        order = place(client)
    session_id = post_json(client, f"/v2/order/{order.pk}/checkout/").json()["sessionId"]

    # 4000 + 500 fee = 4500; 10% off = 450; 5% levy on 4050 = 202.5 -> 203 (per line:
    # 180 + 22.5 -> 180 + 23).
    assert [(line["itemId"], line["title"], line["amount"]) for line in cart["lines"]] == [
        (mug.pk, "Mug", 4000),
        (None, "Handling", 500),
    ]
    assert (cart["subtotal"], cart["discount"], cart["tax"], cart["total"]) == (
        4500,
        450,
        203,
        4253,
    )
    assert (order.subtotal_amount, order.discount_amount, order.tax_amount) == (4500, 450, 203)
    assert order.total_amount == cart["total"]
    assert list(order.lines.values_list("item_id", "title", "unit_amount")) == [
        (mug.pk, "Mug", 2000),
        (None, "Handling", 500),
    ]
    discount = order.adjustments.get(kind="discount")
    assert (discount.name, discount.percent_off, discount.discount_id) == ("Members", 10, None)
    session = stripe_client(stripe_emulator, "usd").v1.checkout.sessions.retrieve(
        session_id, params={"expand": ["line_items"]}
    )
    assert session.amount_total == order.total_amount
    assert session.total_details.amount_discount == 450
    assert session.total_details.amount_tax == 203
    assert [line.description for line in session.line_items.data] == ["Mug", "Handling"]


def test_a_payment_intent_asks_for_the_modified_total(client, stripe_emulator, mug):
    add(client, mug)
    with register_temporarily(hooks.MODIFY_QUOTE, handling_fee):
        order = place(client)
    body = post_json(client, f"/v2/order/{order.pk}/payment-intent/").json()

    intent_id = body["clientSecret"].split("_secret_")[0]
    intent = stripe_client(stripe_emulator, "usd").v1.payment_intents.retrieve(intent_id)
    assert body["amount"] == intent.amount == order.total_amount == 2500


def test_a_modifier_is_told_who_and_what_for(client, mug):
    seen = []

    def watch(basket, context):
        seen.append((context.purpose, context.request is not None, basket.subtotal))

    add(client, mug)
    with register_temporarily(hooks.MODIFY_QUOTE, watch):
        cart_of(client)
        place(client)

    assert seen == [("cart", True, 2000), ("order", True, 2000)]


def test_without_modifiers_the_basket_is_priced_as_it_is(client, mug):
    add(client, mug, 3)

    assert [line["itemId"] for line in cart_of(client)["lines"]] == [mug.pk]
    assert cart_of(client)["total"] == 6000


def test_a_modifier_returning_something_else_is_a_programming_error(mug):
    from commerce.pricing import Basket

    basket = Basket("USD", (LineInput(mug.pk, "Mug", 2000, 1),))
    with (
        register_temporarily(hooks.MODIFY_QUOTE, lambda basket, context: "oops"),
        pytest.raises(TypeError),
    ):
        hooks.modify_basket(basket, hooks.QuoteContext("cart"))


# BEFORE_PLACE_ORDER


def refuse_big_orders(quote, context):
    if quote.total > 5000:
        raise OrderRefused(f"Orders over $50 need a call first ({quote.count} items).")


def nothing_written() -> bool:
    return not (
        Order.objects.exists() or OrderLine.objects.exists() or OrderAdjustment.objects.exists()
    )


def test_a_refused_cart_order_answers_409_with_the_message_and_writes_nothing(client, mug):
    add(client, mug, 3)
    with register_temporarily(hooks.BEFORE_PLACE_ORDER, refuse_big_orders):
        response = post_json(client, "/v2/cart/order/")

    assert response.status_code == 409
    assert response.json() == {
        "error": "Orders over $50 need a call first (3 items).",
        "orderCreated": False,
    }
    assert nothing_written()


def test_a_refusal_may_say_400_and_an_allowed_order_is_placed(client, mug):
    def needs_sign_in(quote, context):
        if not context.user.is_authenticated:
            raise OrderRefused("Sign in to order.", status=400)

    add(client, mug)
    with register_temporarily(hooks.BEFORE_PLACE_ORDER, needs_sign_in):
        refused = post_json(client, "/v2/cart/order/")
    with register_temporarily(hooks.BEFORE_PLACE_ORDER, refuse_big_orders):
        placed = post_json(client, "/v2/cart/order/")

    assert (refused.status_code, refused.json()["error"]) == (400, "Sign in to order.")
    assert placed.status_code == 201


def test_a_refused_buy_now_answers_json_and_writes_nothing(client, stripe_emulator, catalog):
    lamp = ItemPageFactory(parent=catalog, title="Lamp", price_amount=9000)
    with register_temporarily(hooks.BEFORE_PLACE_ORDER, refuse_big_orders):
        response = client.get(f"/v1/buy/{lamp.pk}/")

    assert response.status_code == 409
    assert response.json() == {"error": "Orders over $50 need a call first (1 items)."}
    assert nothing_written() and not Payment.objects.exists()


def test_the_check_sees_what_the_modifiers_made(client, mug):
    add(client, mug)  # 2000, under the limit, but the fee makes it 7000
    big_fee = (
        hooks.MODIFY_QUOTE,
        lambda basket, context: basket.with_line(LineInput(None, "Fee", 5000, 1)),
    )
    with register_temporarily([big_fee, (hooks.BEFORE_PLACE_ORDER, refuse_big_orders)]):
        response = post_json(client, "/v2/cart/order/")

    assert response.status_code == 409 and nothing_written()


# AFTER_PLACE_ORDER, AFTER_ORDER_PAID, AFTER_REFUND


def test_after_place_runs_after_commit_once_per_order(
    client, mug, django_capture_on_commit_callbacks
):
    placed = []
    add(client, mug)
    with register_temporarily(hooks.AFTER_PLACE_ORDER, lambda order: placed.append(order.pk)):
        with django_capture_on_commit_callbacks() as callbacks:
            order = place(client)
            place(client)  # the same cart again: the same open order, not a new one
        assert placed == []  # not before the transaction committed
        for callback in callbacks:
            callback()

    assert placed == [order.pk]


@pytest.fixture
def pending_order(client, stripe_emulator, catalog):
    item = ItemPageFactory(parent=catalog, title="Mug", price_amount=1450)
    body = client.get(f"/v1/buy/{item.pk}/").json()
    return Order.objects.get(pk=body["orderId"])


def test_after_payment_runs_once_after_commit_however_often_stripe_reports_it(
    client, pending_order, django_capture_on_commit_callbacks
):
    paid = []

    def record(order, payment, stripe_event_id):
        paid.append((order.pk, order.status, payment.status, stripe_event_id))

    session = paid_checkout_session(pending_order)
    with register_temporarily(hooks.AFTER_ORDER_PAID, record):
        with django_capture_on_commit_callbacks() as callbacks:
            post_event(client, "evt_1", "checkout.session.completed", session)
        assert paid == []  # not inside the transaction that marked it paid
        for callback in callbacks:
            callback()
        with django_capture_on_commit_callbacks(execute=True):
            post_event(client, "evt_2", "checkout.session.completed", session)
            post_event(client, "evt_1", "checkout.session.completed", session)

    assert paid == [(pending_order.pk, OrderStatus.PAID, PaymentStatus.SUCCEEDED, "evt_1")]


def test_a_failing_after_hook_is_logged_and_the_others_still_run(
    client, pending_order, django_capture_on_commit_callbacks, caplog
):
    calls = []

    def broken(order, payment, stripe_event_id):
        raise RuntimeError("bug in the host app")

    with (
        register_temporarily(
            [
                (hooks.AFTER_ORDER_PAID, broken),
                (hooks.AFTER_ORDER_PAID, lambda *args: calls.append(args[0].pk)),
            ]
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = post_event(
            client, "evt_1", "checkout.session.completed", paid_checkout_session(pending_order)
        )

    assert response.status_code == 200
    assert calls == [pending_order.pk]
    assert "commerce_after_order_paid hook" in caplog.text


def test_after_refund_runs_once_per_increase_with_the_newly_refunded_amount(
    client, pending_order, django_capture_on_commit_callbacks
):
    refunded = []

    def record(order, amount, stripe_event_id):
        refunded.append((amount, order.amount_refunded, order.status, stripe_event_id))

    with django_capture_on_commit_callbacks(execute=True):
        post_event(
            client, "evt_p", "checkout.session.completed", paid_checkout_session(pending_order)
        )
    with (
        register_temporarily(hooks.AFTER_REFUND, record),
        django_capture_on_commit_callbacks(execute=True),
    ):
        # 500 refunded, the same event again, a late event saying less, then all of it.
        for event_id, amount in (
            ("evt_r1", 500),
            ("evt_r1", 500),
            ("evt_r2", 400),
            ("evt_r3", 1450),
        ):
            post_event(client, event_id, "charge.refunded", refunded_charge(pending_order, amount))

    assert refunded == [
        (500, 500, OrderStatus.PARTIALLY_REFUNDED, "evt_r1"),
        (950, 1450, OrderStatus.REFUNDED, "evt_r3"),
    ]


# REGISTER_PAYMENT_METHOD


class BankTransfer(BasePaymentMethod):
    """A third method, as a host app would add one: Stripe's bank transfers, say."""

    name = "bank_transfer"
    label = "Bank transfer"

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def start(self, order, request):
        self.calls.append(("start", order.pk, request.method))
        payment = Payment(order=order, method=self.name, attempt=1)
        return StartedPayment(payment, redirect_url=f"https://bank.example/{order.reference}")

    def apply(self, account_label, stripe_object, *, source, stripe_event_id=None):
        self.calls.append(("apply", account_label, stripe_object["id"], source, stripe_event_id))
        return None, f"bank transfer {stripe_object['id']} noted"

    def retrieve(self, account, stripe_id):
        self.calls.append(("retrieve", account.label, stripe_id))
        return {"id": stripe_id}

    def close(self, account, stripe_id):
        self.calls.append(("close", account.label, stripe_id))

    def webhook_handlers(self):
        def handle(account, stripe_object, event_id):
            return self.apply(
                account.label, stripe_object, source="webhook", stripe_event_id=event_id
            )

        return {"customer_cash_balance_transaction.created": handle}


def test_a_registered_method_joins_the_built_in_ones():
    bank = BankTransfer()
    with register_temporarily(hooks.REGISTER_PAYMENT_METHOD, lambda: bank):
        names = list(payment_methods())
        found = method_named("bank_transfer")

    assert names == ["checkout_session", "payment_intent", "bank_transfer"]
    assert found is bank
    assert list(payment_methods()) == ["checkout_session", "payment_intent"]


def test_a_registered_methods_webhook_events_reach_it(client, db):
    bank = BankTransfer()
    with register_temporarily(hooks.REGISTER_PAYMENT_METHOD, lambda: bank):
        post_event(
            client, "evt_b", "customer_cash_balance_transaction.created", {"id": "ccsbtxn_1"}
        )

    assert bank.calls == [("apply", "default", "ccsbtxn_1", "webhook", "evt_b")]
    assert PaymentEvent.objects.get(stripe_event_id="evt_b").outcome == (
        "bank transfer ccsbtxn_1 noted"
    )


def test_reconciliation_asks_the_method_of_the_latest_attempt(stripe_emulator, mug):
    bank = BankTransfer()
    order = Order.objects.create(
        currency="USD", total_amount=2000, created_at=timezone.now() - timedelta(hours=1)
    )
    Payment.objects.create(
        order=order,
        method="bank_transfer",
        attempt=1,
        status=PaymentStatus.OPEN,
        stripe_account="default",
        stripe_id="bt_1",
        amount=2000,
        currency="USD",
    )
    with register_temporarily(hooks.REGISTER_PAYMENT_METHOD, lambda: bank):
        reconcile()

    assert bank.calls == [
        ("retrieve", "default", "bt_1"),
        ("apply", "default", "bt_1", "reconciliation", None),
    ]


def test_a_registered_method_may_replace_a_built_in_one(client, stripe_emulator, mug):
    started = []

    class TracedCheckout(CheckoutSessionMethod):
        def start(self, order, request):
            started.append(order.pk)
            return super().start(order, request)

    add(client, mug)
    order = place(client)
    with register_temporarily(hooks.REGISTER_PAYMENT_METHOD, TracedCheckout):
        response = post_json(client, f"/v2/order/{order.pk}/checkout/")

    assert response.status_code == 200 and response.json()["sessionId"].startswith("cs_")
    assert started == [order.pk]


def test_any_method_starts_through_the_orders_payment_endpoint(client, stripe_emulator, mug):
    bank = BankTransfer()
    add(client, mug)
    order = place(client)
    with register_temporarily(hooks.REGISTER_PAYMENT_METHOD, lambda: bank):
        by_bank = post_json(client, f"/v2/order/{order.pk}/payment/bank_transfer/")
    unknown = post_json(client, f"/v2/order/{order.pk}/payment/bank_transfer/")
    by_checkout = post_json(client, f"/v2/order/{order.pk}/payment/checkout_session/")

    assert by_bank.status_code == 200
    assert by_bank.json() == {
        "orderId": order.pk,
        "method": "bank_transfer",
        "redirectUrl": f"https://bank.example/{order.reference}",
        "clientSecret": "",
    }
    assert bank.calls == [("start", order.pk, "POST")]
    assert (unknown.status_code, unknown.json()) == (404, {"error": "No such way to pay."})
    assert by_checkout.json()["redirectUrl"].startswith(stripe_emulator.base_url)
    assert by_checkout.json()["method"] == "checkout_session"


def test_the_payment_endpoint_answers_only_the_orders_owner(client, mug):
    add(client, mug)
    order = place(client)
    client.logout()
    client.cookies.clear()

    response = post_json(client, f"/v2/order/{order.pk}/payment/checkout_session/")

    assert (response.status_code, response.json()) == (404, {"error": "No order with this id."})
