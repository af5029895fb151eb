"""A first-time shopper's session is written once: one INSERT of its row (a buy writes it
in the transaction that writes the order naming it), and no second write by the session
middleware at the end of the request unless something changed the session since; the
answer still sets the session cookie."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.contrib.sessions.models import Session
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from wagtail.hooks import register_temporarily

from commerce import hooks
from commerce.hooks import OrderRefused
from commerce.http import shopper_key
from commerce.models import Order
from tests.factories import ItemPageFactory

# Transactional: the row is written as it is outside a test's transaction (one INSERT).
pytestmark = pytest.mark.django_db(transaction=True)


def session_statements(captured: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"].split(" ", 1)[0] for q in captured.captured_queries if "django_session" in q["sql"]
    ]


def serve(view) -> tuple[HttpResponse, list[str]]:
    request = RequestFactory().get("/")
    middleware = SessionMiddleware(lambda request: view(request))
    with CaptureQueriesContext(connection) as captured:
        response = middleware(request)
    return response, session_statements(captured)


def test_a_new_session_is_one_insert_and_the_answer_sets_its_cookie():
    keys = []

    def view(request):
        keys.append(shopper_key(request))
        return HttpResponse("ok")

    response, statements = serve(view)

    assert statements == ["INSERT"]
    assert response.cookies[settings.SESSION_COOKIE_NAME].value == keys[0]
    assert Session.objects.filter(pk=keys[0]).exists()


def test_a_new_session_changed_later_in_the_request_is_written_again():
    keys = []

    def view(request):
        keys.append(shopper_key(request))
        request.session["cart"] = "c-1"
        return HttpResponse("ok")

    response, statements = serve(view)

    assert statements[0] == "INSERT" and "UPDATE" in statements
    assert response.cookies[settings.SESSION_COOKIE_NAME].value == keys[0]
    assert Session.objects.get(pk=keys[0]).get_decoded() == {"cart": "c-1"}


def test_a_buy_by_a_new_shopper_writes_its_session_once_with_the_order(
    client, stripe_emulator, catalog
):
    item = ItemPageFactory(parent=catalog, title="Mug", price_amount=1450)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/v1/buy/{item.pk}/")

    assert response.status_code == 200
    assert session_statements(captured) == ["INSERT"]
    statements = [q["sql"].split(" ")[:3] for q in captured.captured_queries]
    session_insert = statements.index(["INSERT", "INTO", '"django_session"'])
    order_insert = statements.index(["INSERT", "INTO", '"commerce_order"'])
    begins = [n for n, words in enumerate(statements) if words[0] == "BEGIN"]
    if begins:  # PostgreSQL's log shows transactions: both rows in the order's
        opened = max(n for n in begins if n < order_insert)
        assert opened < session_insert < order_insert
        assert "COMMIT" not in [words[0] for words in statements[opened:order_insert]]
    key = response.cookies[settings.SESSION_COOKIE_NAME].value
    assert Session.objects.filter(pk=key).exists()
    assert Order.objects.get(pk=response.json()["orderId"]).shopper_key == key


def test_a_buy_refused_before_any_order_still_gives_the_new_shopper_a_session(
    client, stripe_emulator, catalog
):
    def refuse(quote, context):
        raise OrderRefused("Not today.", status=400)

    item = ItemPageFactory(parent=catalog, title="Mug", price_amount=1450)
    with register_temporarily(hooks.BEFORE_PLACE_ORDER, refuse):
        response = client.get(f"/v1/buy/{item.pk}/")

    assert response.status_code == 400 and not Order.objects.exists()
    key = response.cookies[settings.SESSION_COOKIE_NAME].value
    assert Session.objects.filter(pk=key).exists()
