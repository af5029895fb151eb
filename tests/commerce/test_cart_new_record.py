"""A shopper's first add makes their cart's record with one INSERT: its key was just made
under the session's lock, so no UPDATE is tried first (its row is still read: another tab
may have found the key and written the record first)."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from commerce.cart import store
from tests.factories import ItemPageFactory

from .cart_helpers import add

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)  # as a request runs: outside any transaction
def test_a_first_add_reads_the_new_cart_and_writes_it_with_one_statement(catalog):
    mug = ItemPageFactory(parent=catalog, title="Enamel Mug", price_amount=1450)
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        assert add(client, mug, 2).status_code == 200
    key = client.session["commerce_cart"]
    on_the_cart = [query["sql"].split()[0] for query in queries if key in query["sql"]]
    assert on_the_cart == ["SELECT", "INSERT"]
    assert Session.objects.filter(session_key=key).exists()
    assert store.load(key)["lines"] == [[mug.pk, 2]]
    assert add(client, mug).json()["quantity"] == 3


@pytest.mark.django_db(transaction=True)
def test_a_new_key_whose_record_was_written_first_by_another_tab_keeps_it(catalog, monkeypatch):
    """Another tab that found the new key wrote its record first: the INSERT fails and
    the change, made to that record as read under the lock, is saved as any other."""
    mug = ItemPageFactory(parent=catalog, title="Enamel Mug", price_amount=1450)
    taken = store.new_key()
    store.save(taken, {"lines": [[mug.pk, 5]], "version": 1})
    monkeypatch.setattr(store, "new_key", lambda: taken)
    client = Client()
    assert add(client, mug).status_code == 200
    assert client.session["commerce_cart"] == taken
    assert store.session_data(taken)["lines"] == [[mug.pk, 6]]
