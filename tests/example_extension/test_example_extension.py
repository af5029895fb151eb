"""The example app, installed as a host app installs it (in `INSTALLED_APPS`), extends the
store end to end: its free gift is in the cart, on the order and among the Checkout
Session's line items at Stripe (the emulator), its webhook handler welcomes new
customers, and its `order_paid` receiver thanks the shopper once the order is paid.

Wagtail's hook registry, the webhook registry and the signal are global, so the fixture
installs the app for one test at a time and puts every registry back afterwards.
"""

from __future__ import annotations

import sys
from importlib import import_module
from types import SimpleNamespace

import pytest
import wagtail.hooks
from django.apps import AppConfig, apps
from django.core import mail

from commerce import webhooks
from commerce.models import Order, OrderStatus, PaymentEvent
from commerce.signals import order_paid
from tests.conftest import stripe_client
from tests.emulator_actions import pay_session
from tests.factories import ItemPageFactory
from tests.stripe_signing import post_signed_event as post_event

from ..commerce.cart_helpers import add, cart_of, post_json

pytestmark = pytest.mark.django_db

APP = "tests.example_extension"


# The app's modules register themselves when imported, so this test module imports
# none of them itself: only the fixture does, with the app installed.
EXAMPLE_MODULES = ("apps", "receivers", "wagtail_hooks", "webhooks")


def _forget_example_modules() -> None:
    for name in EXAMPLE_MODULES:
        sys.modules.pop(f"{APP}.{name}", None)


@pytest.fixture
def example_app(monkeypatch):
    """`tests.example_extension` installed for this test only, as Django's app loading
    installs an app listed in INSTALLED_APPS (its config created, added to the app
    registry, then `ready()`: webhook handler, receiver), and Wagtail's first hook lookup
    then imports its `wagtail_hooks.py`. (Changing INSTALLED_APPS itself would run every
    app's `ready()` again, which Wagtail's redirects app refuses.) Yields its modules."""
    hooks_copy = {name: list(functions) for name, functions in wagtail.hooks._hooks.items()}
    monkeypatch.setattr(wagtail.hooks, "_hooks", hooks_copy)
    monkeypatch.setattr(wagtail.hooks, "_searched_for_hooks", False)
    handlers_copy = {name: list(handlers) for name, handlers in webhooks.HANDLERS.items()}
    monkeypatch.setattr(webhooks, "HANDLERS", handlers_copy)
    _forget_example_modules()
    config = AppConfig.create(APP)
    config.apps = apps
    config.import_models()
    monkeypatch.setitem(apps.app_configs, config.label, config)
    apps.clear_cache()
    config.ready()
    wagtail.hooks.search_for_hooks()
    modules = SimpleNamespace(
        **{name: import_module(f"{APP}.{name}") for name in EXAMPLE_MODULES if name != "apps"}
    )
    yield modules
    order_paid.disconnect(dispatch_uid=modules.receivers.DISPATCH_UID)
    _forget_example_modules()
    monkeypatch.undo()
    apps.clear_cache()


def gift_lines(lines):
    """The lines that are no item of the cart: the example's gift is the only such line."""
    return [line for line in lines if line["itemId"] is None]


def test_a_cart_over_100_gets_the_gift_and_one_at_100_does_not(client, example_app, catalog):
    mug = ItemPageFactory(parent=catalog, title="Mug", price_amount=5000)
    add(client, mug, 2)
    at_threshold = cart_of(client)
    add(client, mug, 1)
    over = cart_of(client)

    assert at_threshold["subtotal"] == 10000 and gift_lines(at_threshold["lines"]) == []
    assert gift_lines(over["lines"]) == [
        {
            "itemId": None,
            "title": example_app.wagtail_hooks.GIFT_TITLE,
            "quantity": 1,
            "unitAmount": 0,
            "amount": 0,
            "formattedUnitAmount": "$0.00",
            "formattedAmount": "$0.00",
        }
    ]
    assert (over["subtotal"], over["total"]) == (15000, 15000)


def test_the_threshold_is_100_in_the_carts_own_currency(client, example_app, catalog):
    add(client, ItemPageFactory(parent=catalog, title="Cup", price_amount=101, currency="JPY"))

    assert len(gift_lines(cart_of(client)["lines"])) == 1


def test_the_cart_page_shows_the_gift_without_buttons_to_change_it(client, example_app, catalog):
    add(client, ItemPageFactory(parent=catalog, title="Lamp", price_amount=15000))

    page = client.get("/v2/cart/").content.decode()

    assert example_app.wagtail_hooks.GIFT_TITLE in page
    assert page.count('class="cart-line__remove"') == 1  # the lamp's, not the gift's


def test_the_gift_is_on_the_order_and_among_the_checkout_sessions_line_items(
    client, example_app, stripe_emulator, catalog
):
    add(client, ItemPageFactory(parent=catalog, title="Lamp", price_amount=15000))
    order = Order.objects.get(pk=post_json(client, "/v2/cart/order/").json()["orderId"])
    session_id = post_json(client, f"/v2/order/{order.pk}/checkout/").json()["sessionId"]

    gift_title = example_app.wagtail_hooks.GIFT_TITLE
    gift = order.lines.get(title=gift_title)
    assert (gift.item_id, gift.unit_amount, gift.quantity, gift.sku) == (
        None,
        0,
        1,
        example_app.wagtail_hooks.GIFT_SKU,
    )
    session = stripe_client(stripe_emulator, "usd").v1.checkout.sessions.retrieve(
        session_id, params={"expand": ["line_items"]}
    )
    assert [(line.description, line.amount_total) for line in session.line_items.data] == [
        ("Lamp", 15000),
        (gift_title, 0),
    ]
    assert session.amount_total == order.total_amount == 15000


def test_the_webhook_handler_welcomes_a_new_customer(client, example_app, db):
    customer = {"id": "cus_1", "object": "customer", "email": "new@example.com"}

    response = post_event(client, "evt_cus", "customer.created", customer)

    assert response.status_code == 200
    assert [(m.subject, m.to) for m in mail.outbox] == [
        (example_app.webhooks.WELCOME_SUBJECT, ["new@example.com"])
    ]
    event = PaymentEvent.objects.get(stripe_event_id="evt_cus")
    assert event.outcome == "example: welcomed cus_1"


def test_the_order_paid_receiver_thanks_the_shopper_once(
    client, example_app, stripe_emulator, catalog, django_capture_on_commit_callbacks
):
    add(client, ItemPageFactory(parent=catalog, title="Mug", price_amount=1450))
    order = Order.objects.get(pk=post_json(client, "/v2/cart/order/").json()["orderId"])
    session_id = post_json(client, f"/v2/order/{order.pk}/checkout/").json()["sessionId"]
    pay_session(stripe_emulator, session_id)
    paid = stripe_client(stripe_emulator, "usd").v1.checkout.sessions.retrieve(session_id)

    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, "evt_paid", "checkout.session.completed", paid.to_dict())
    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, "evt_paid_again", "checkout.session.completed", paid.to_dict())

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    thanks = [m for m in mail.outbox if m.subject == example_app.receivers.THANK_YOU_SUBJECT]
    assert [(m.to, m.body) for m in thanks] == [([order.email], f"Order #{order.pk} is paid.")]


def test_without_the_app_nothing_of_it_remains(client, catalog):
    # Run after the tests above (file order): the fixture took everything back.
    add(client, ItemPageFactory(parent=catalog, title="Lamp", price_amount=15000))
    customer = {"id": "cus_2", "object": "customer", "email": "new@example.com"}

    post_event(client, "evt_cus_2", "customer.created", customer)

    assert gift_lines(cart_of(client)["lines"]) == []
    assert mail.outbox == []
    assert PaymentEvent.objects.get(stripe_event_id="evt_cus_2").outcome == (
        "ignored: no handler for this type"
    )
