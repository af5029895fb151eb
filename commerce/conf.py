"""The commerce app's own settings: each one's name, default and accepted values, in one place.

A host site sets any of them in its Django settings module; whatever it leaves out takes
the default below, so the app runs in a site that has never heard of it. Values are read
from `django.conf.settings` on every access (`app_settings.STRIPE_API_BASE`), never at
import, so `override_settings` in tests and settings changed at run time are seen at once.
Each setting also knows which values it accepts; the system check `commerce.E020`
(`commerce/checks.py`) reports every set value that is not one of them before the site
serves a request.

Django's own settings (DEBUG, CACHES, SESSION_ENGINE, AUTH_USER_MODEL, ...) are read from
`django.conf.settings` directly: they are not the app's to default.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload
from urllib.parse import urlsplit

from django.conf import settings as django_settings

T = TypeVar("T")

# What is wrong with a value, said for the person who set it; None when it is fine.
Validator = Callable[[Any], str | None]

ACCOUNT_FIELDS = ("secret_key", "publishable_key", "webhook_secret")
DEFAULT_ACCOUNT_LABEL = "default"
# django-ratelimit's rate: a count, "/", an optional multiplier and a unit ("30/m", "100/5m").
_RATE = re.compile(r"^\d+/\d*[smhd]$")
_CURRENCY_LABEL = re.compile(r"^[A-Z]{3}$")
_MODEL_NAME = re.compile(r"^\w+\.\w+$")


class Setting(Generic[T]):
    """One setting of the app, read from Django's settings each time it is accessed."""

    name: str

    def __init__(self, default: T, validate: Validator, doc: str) -> None:
        self.default = default
        self.validate = validate
        self.__doc__ = doc

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type) -> Setting[T]: ...

    @overload
    def __get__(self, instance: object, owner: type) -> T: ...

    def __get__(self, instance: object | None, owner: type) -> T | Setting[T]:
        if instance is None:
            return self
        return getattr(django_settings, self.name, self.default)

    def problem(self) -> str | None:
        """What is wrong with the value the site set, or None (also when it set none)."""
        if not hasattr(django_settings, self.name):
            return None
        return self.validate(getattr(django_settings, self.name))


def _number(minimum_exclusive: float) -> Validator:
    def validate(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"must be a number, not {value!r}"
        if value <= minimum_exclusive:
            return f"must be more than {minimum_exclusive:g}, not {value!r}"
        return None

    return validate


def _whole_number(minimum: int, maximum: int | None = None) -> Validator:
    def validate(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"must be a whole number, not {value!r}"
        if value < minimum:
            return f"must be at least {minimum}, not {value}"
        if maximum is not None and value > maximum:
            return f"must be at most {maximum}, not {value}"
        return None

    return validate


def _boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"must be True or False, not {value!r}"


def _optional(validate: Validator) -> Validator:
    return lambda value: None if value is None else validate(value)


def _url(required: bool) -> Validator:
    def validate(value: Any) -> str | None:
        if not isinstance(value, str):
            return f"must be a string, not {value!r}"
        if not value and not required:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return f"must be an http:// or https:// address, not {value!r}"
        return None

    return validate


def _rate(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _RATE.match(value):
        return f'must be a rate such as "30/m" or "100/5m" (empty or None: no limit), not {value!r}'
    return None


def _page_types(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, list | tuple) or not all(
        isinstance(name, str) and _MODEL_NAME.match(name) for name in value
    ):
        return f'must be None or a list of "app_label.ModelName" strings, not {value!r}'
    return None


def _accounts(value: Any) -> str | None:
    if not isinstance(value, dict):
        return f"must be a dict of accounts by label, not {type(value).__name__}"
    for label, fields in value.items():
        if label != DEFAULT_ACCOUNT_LABEL and not (
            isinstance(label, str) and _CURRENCY_LABEL.match(label)
        ):
            return f'has the label {label!r}: use "default" or an upper-case currency code'
        if not isinstance(fields, dict):
            return f"{label!r} must be a dict of {', '.join(ACCOUNT_FIELDS)}"
        unknown = sorted(set(fields) - set(ACCOUNT_FIELDS))
        if unknown:
            return f"{label!r} has unknown fields {unknown}: use {', '.join(ACCOUNT_FIELDS)}"
        if not all(isinstance(text, str) for text in fields.values()):
            return f"{label!r} must hold strings only"
    return None


class AppSettings:
    """The app's settings with their defaults (`app_settings.NAME`); see the module doc."""

    STRIPE_ACCOUNTS: Setting[dict[str, dict[str, str]]] = Setting(
        {},
        _accounts,
        'Stripe accounts by label: "default" serves every currency without an account of '
        'its own, "EUR" (any currency code) serves that currency. Each is a dict of '
        "secret_key, publishable_key and webhook_secret; one without a secret key is "
        "ignored. `commerce.payments.accounts.accounts_from_environment` builds it from "
        "STRIPE_SECRET_KEY[_CUR] variables. Default: none (buying answers 503).",
    )
    STRIPE_API_BASE: Setting[str] = Setting(
        "",
        _url(required=False),
        "The Stripe API's address; empty means the real Stripe. An offline stand-in "
        "(the repository's emulator) for development and tests. Default: empty.",
    )
    STRIPE_JS_URL: Setting[str] = Setting(
        "https://js.stripe.com/clover/stripe.js",
        _url(required=True),
        "Where browsers load Stripe.js from, for the payment page. Default: Stripe's.",
    )
    STRIPE_TIMEOUT_SECONDS: Setting[float] = Setting(
        7.0,
        _number(minimum_exclusive=0),
        "Seconds before one Stripe request is abandoned. Default: 7.",
    )
    STRIPE_MAX_NETWORK_RETRIES: Setting[int] = Setting(
        2,
        _whole_number(minimum=0),
        "How many times stripe-python retries a failed request (connection errors, 409, "
        "429, 5xx), keeping its idempotency key. Default: 2.",
    )
    GUNICORN_TIMEOUT: Setting[float | None] = Setting(
        None,
        _optional(_number(minimum_exclusive=0)),
        "The web server's worker timeout in seconds; when set, the check commerce.E001 "
        "refuses Stripe timeouts and retries that could outlast it. Default: None (not "
        "checked).",
    )
    COMMERCE_CHECKOUT_SESSION_MINUTES: Setting[int] = Setting(
        60,
        _whole_number(minimum=30, maximum=1440),
        "Minutes a Checkout Session stays open (Stripe allows 30 to 1440). Default: 60.",
    )
    COMMERCE_CATALOG_PARENT_PAGE_TYPES: Setting[list[str] | None] = Setting(
        None,
        _page_types,
        'Page types catalogs may be created under, as "app_label.ModelName" (besides '
        "other catalogs). Default: None (any page type).",
    )
    COMMERCE_CART_MAX_QUANTITY: Setting[int] = Setting(
        99,
        _whole_number(minimum=1),
        "The most of one item a cart may hold. Default: 99.",
    )
    COMMERCE_CART_MAX_LINES: Setting[int] = Setting(
        50,
        _whole_number(minimum=1),
        "The most different items a cart may hold. Default: 50.",
    )
    COMMERCE_PAGE_CACHE_SECONDS: Setting[int] = Setting(
        0,
        _whole_number(minimum=0),
        "Seconds an anonymous shopper's page may be served whole from the cache (needs "
        "commerce.page_cache.middleware.PageCacheMiddleware and a cache every worker "
        "shares); 0 is off. Default: 0.",
    )
    COMMERCE_CACHE_SEARCH_HITS: Setting[bool] = Setting(
        True,
        _boolean,
        "Keep each page of search hits in the shared cache (per words, page number and "
        "set of view restrictions not passed; out of date on any page change), so a "
        "repeated search reads no index. Default: True.",
    )
    COMMERCE_SEND_RECEIPTS: Setting[bool] = Setting(
        True,
        _boolean,
        "Email each paid order's receipt (commerce.receipts). False for a site that sends "
        "its own, from the order_paid signal or the AFTER_ORDER_PAID hook. Default: True.",
    )
    COMMERCE_BUY_RATE: Setting[str | None] = Setting(
        "30/m",
        _rate,
        'Requests per client to /v1/buy/{id}/, as django-ratelimit rates ("30/m"); empty '
        "or None: no limit. Default: 30/m.",
    )
    COMMERCE_CART_RATE: Setting[str | None] = Setting(
        "120/m",
        _rate,
        "Requests per client to the cart's and orders' changing endpoints, same format. "
        "Default: 120/m.",
    )

    @classmethod
    def settings(cls) -> list[Setting[Any]]:
        """Every setting of the app, in the order declared."""
        return [value for value in vars(cls).values() if isinstance(value, Setting)]

    def rate(self, name: str) -> str | None:
        """The rate setting `name` (COMMERCE_BUY_RATE, ...), None for no limit."""
        setting = vars(AppSettings).get(name)
        if not isinstance(setting, Setting) or setting.validate is not _rate:
            raise AttributeError(f"{name} is not a rate setting of commerce")
        return getattr(self, name) or None


app_settings = AppSettings()


def problems() -> list[tuple[str, str]]:
    """Each set value the app cannot use, as (setting name, what is wrong)."""
    return [
        (setting.name, problem)
        for setting in AppSettings.settings()
        if (problem := setting.problem()) is not None
    ]
