"""A cart record rewritten with one UPDATE holds exactly what the session engine's own
save would write, for the `db` and `cached_db` engines, and anything else is left to the
engine."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache

from commerce.cart import rows, store

pytestmark = pytest.mark.django_db

DATA = {"version": 3, "currency": "USD", "lines": [[7, 2], [9, 1]], "discount_code": None}


def engine_store(engine: str, key: str | None = None):
    return import_module(engine).SessionStore(key)


def filled(record, data: dict):
    record.clear()
    record.update(data)
    record.set_expiry(3600)
    return record


@pytest.mark.parametrize(
    "engine", ["django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"]
)
def test_an_existing_record_is_rewritten_as_the_engine_would_write_it(settings, engine):
    settings.SESSION_ENGINE = engine
    key = store.new_key()
    filled(engine_store(engine, key), {"old": True}).save(must_create=True)
    by_engine_key = store.new_key()
    filled(engine_store(engine, by_engine_key), DATA).save(must_create=True)

    assert rows.update_row(filled(engine_store(engine, key), DATA)) is True

    ours, theirs = Session.objects.get(pk=key), Session.objects.get(pk=by_engine_key)
    assert ours.get_decoded() == theirs.get_decoded() == {**DATA, "_session_expiry": 3600}
    assert abs((ours.expire_date - theirs.expire_date).total_seconds()) < 60
    assert engine_store(engine, key).load() == {**DATA, "_session_expiry": 3600}


def test_cached_db_gets_its_cache_copy_as_its_own_save_sets_it(settings):
    engine = "django.contrib.sessions.backends.cached_db"
    settings.SESSION_ENGINE = engine
    key = store.new_key()
    filled(engine_store(engine, key), {"old": True}).save(must_create=True)
    record = filled(engine_store(engine, key), DATA)
    assert rows.update_row(record) is True
    assert cache.get(record.cache_key) == {**DATA, "_session_expiry": 3600}


def test_a_record_without_a_row_is_left_to_the_engine(settings):
    key = store.new_key()
    assert rows.update_row(filled(engine_store(settings.SESSION_ENGINE, key), DATA)) is False
    assert not Session.objects.filter(pk=key).exists()
    store.save(key, DATA)  # the store then creates it through the engine
    assert store.session_data(key) == {**DATA, "_session_expiry": settings.SESSION_COOKIE_AGE}


def test_engines_without_rows_are_left_alone(settings):
    engine = "django.contrib.sessions.backends.cache"
    settings.SESSION_ENGINE = engine
    record = filled(engine_store(engine), DATA)
    record.save(must_create=True)
    assert rows.update_row(filled(engine_store(engine, record.session_key), DATA)) is False
