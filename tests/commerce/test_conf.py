"""The app's settings: each has a default a site that never set it gets, overrides are seen
when used (not frozen at import), and values the app cannot use stop the site at startup."""

import pytest
from django.apps import apps as django_apps
from django.core import checks
from django.http import HttpResponse
from django.test import RequestFactory
from wagtail.models import Page

from commerce import conf
from commerce.cart import cart
from commerce.checks import (
    required_apps_are_installed,
    settings_hold_usable_values,
    stripe_deadline_fits_worker_timeout,
)
from commerce.conf import AppSettings, app_settings
from commerce.content_security import stripe_sources
from commerce.models import CatalogPage
from commerce.payments import gateway
from commerce.payments.accounts import configured_accounts
from commerce.throttling import rate_limit

SETTINGS = AppSettings.settings()


def test_every_setting_commerce_reads_is_declared_with_a_doc():
    names = [setting.name for setting in SETTINGS]
    assert len(names) == len(set(names)) >= 12
    assert all(setting.__doc__ and "Default" in setting.__doc__ for setting in SETTINGS)


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda setting: setting.name)
def test_a_setting_the_site_leaves_out_takes_its_default(settings, setting):
    if hasattr(settings, setting.name):
        delattr(settings, setting.name)
    assert getattr(app_settings, setting.name) == setting.default
    assert setting.problem() is None
    assert setting.validate(setting.default) is None


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda setting: setting.name)
def test_an_override_is_seen_when_the_setting_is_next_read(settings, setting):
    marker = object()
    setattr(settings, setting.name, marker)
    assert getattr(app_settings, setting.name) is marker


def test_without_stripe_settings_the_gateway_uses_the_documented_timeout_and_retries(settings):
    del settings.STRIPE_TIMEOUT_SECONDS
    del settings.STRIPE_MAX_NETWORK_RETRIES
    # 7 s times 3 tries + stripe-python's backoff before retries 1 and 2 (0.5 s, 1 s).
    assert gateway.operation_deadline_seconds() == 22.5
    settings.STRIPE_TIMEOUT_SECONDS = 1
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    assert gateway.operation_deadline_seconds() == 1


def test_without_stripe_settings_the_real_stripe_is_allowed_by_the_policy(settings):
    del settings.STRIPE_JS_URL
    del settings.STRIPE_API_BASE
    sources = stripe_sources()
    assert "https://js.stripe.com" in sources["script-src"]
    assert "https://api.stripe.com" in sources["connect-src"]


def test_without_accounts_no_account_is_configured(settings):
    del settings.STRIPE_ACCOUNTS
    assert configured_accounts() == []


def test_cart_limits_default_and_follow_overrides(settings):
    del settings.COMMERCE_CART_MAX_QUANTITY
    del settings.COMMERCE_CART_MAX_LINES
    assert (cart.max_quantity(), cart.max_lines()) == (99, 50)
    settings.COMMERCE_CART_MAX_QUANTITY = 3
    assert cart.max_quantity() == 3


@pytest.mark.django_db
def test_without_parent_page_types_catalogs_go_under_any_page(settings, home_page):
    del settings.COMMERCE_CATALOG_PARENT_PAGE_TYPES
    parents = CatalogPage.clean_parent_page_models()
    assert Page in parents and type(home_page) in parents
    settings.COMMERCE_CATALOG_PARENT_PAGE_TYPES = ["home.HomePage"]
    assert CatalogPage.clean_parent_page_models() == [type(home_page), CatalogPage]


def test_without_a_buy_rate_the_default_limit_applies(settings):
    del settings.COMMERCE_BUY_RATE
    view = rate_limit("conf-test", "COMMERCE_BUY_RATE")(lambda request: HttpResponse("ok"))
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9")
    statuses = [view(request).status_code for _ in range(31)]
    assert statuses == [200] * 30 + [429]


def test_an_empty_rate_means_no_limit(settings):
    settings.COMMERCE_CART_RATE = ""
    assert app_settings.rate("COMMERCE_CART_RATE") is None
    with pytest.raises(AttributeError):
        app_settings.rate("STRIPE_API_BASE")


def test_the_check_is_quiet_for_the_projects_settings():
    assert settings_hold_usable_values() == []


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("STRIPE_TIMEOUT_SECONDS", "7", "must be a number"),
        ("STRIPE_TIMEOUT_SECONDS", 0, "must be more than 0"),
        ("STRIPE_MAX_NETWORK_RETRIES", -1, "must be at least 0"),
        ("STRIPE_MAX_NETWORK_RETRIES", True, "must be a whole number"),
        ("STRIPE_API_BASE", "127.0.0.1:12111", "must be an http:// or https:// address"),
        ("STRIPE_JS_URL", "", "must be an http:// or https:// address"),
        ("GUNICORN_TIMEOUT", "30", "must be a number"),
        ("COMMERCE_CHECKOUT_SESSION_MINUTES", 10, "must be at least 30"),
        ("COMMERCE_CHECKOUT_SESSION_MINUTES", 2000, "must be at most 1440"),
        ("COMMERCE_CART_MAX_QUANTITY", 0, "must be at least 1"),
        ("COMMERCE_CART_MAX_LINES", 2.5, "must be a whole number"),
        ("COMMERCE_PAGE_CACHE_SECONDS", -1, "must be at least 0"),
        ("COMMERCE_CACHE_SEARCH_HITS", "yes", "must be True or False"),
        ("COMMERCE_SEND_RECEIPTS", "no", "must be True or False"),
        ("COMMERCE_BUY_RATE", "30 per minute", 'must be a rate such as "30/m"'),
        ("COMMERCE_CART_RATE", 120, 'must be a rate such as "30/m"'),
        ("COMMERCE_CATALOG_PARENT_PAGE_TYPES", "home.HomePage", "must be None or a list"),
        ("STRIPE_ACCOUNTS", [], "must be a dict of accounts"),
        ("STRIPE_ACCOUNTS", {"eur": {"secret_key": "sk"}}, "has the label 'eur'"),
        ("STRIPE_ACCOUNTS", {"default": {"secret": "sk"}}, "unknown fields ['secret']"),
        ("STRIPE_ACCOUNTS", {"default": {"secret_key": 1}}, "must hold strings only"),
    ],
)
def test_a_value_the_app_cannot_use_stops_the_site_with_its_name(settings, name, value, message):
    setattr(settings, name, value)
    [error] = settings_hold_usable_values()
    assert error.id == "commerce.E020" and error.level == checks.ERROR
    assert error.msg.startswith(f"{name} ") and message in error.msg
    assert conf.problems() == [(name, error.msg.removeprefix(f"{name} ").removesuffix("."))]


@pytest.mark.parametrize(
    "value", [None, "", "30/m", "100/5m", "2/s"], ids=["none", "empty", "m", "5m", "s"]
)
def test_rates_that_django_ratelimit_takes_are_accepted(settings, value):
    settings.COMMERCE_BUY_RATE = value
    assert settings_hold_usable_values() == []


def test_checks_that_compute_with_a_broken_value_leave_it_to_its_own_error(settings):
    settings.STRIPE_TIMEOUT_SECONDS = "seven"
    settings.STRIPE_ACCOUNTS = ["not", "a", "dict"]
    assert stripe_deadline_fits_worker_timeout() == []
    ids = sorted(message.id for message in checks.run_checks())
    assert ids.count("commerce.E020") == 2


def test_a_site_without_wagtails_settings_app_is_told_at_startup(monkeypatch):
    assert required_apps_are_installed() == []
    installed = django_apps.is_installed
    monkeypatch.setattr(
        django_apps,
        "is_installed",
        lambda name: name != "wagtail.contrib.settings" and installed(name),
    )
    [error] = required_apps_are_installed()
    assert error.id == "commerce.E021" and "'wagtail.contrib.settings'" in error.msg
