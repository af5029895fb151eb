"""Test settings: fast hashing, in-memory media, no `.env` surprises for the suite's own knobs."""

import os
import tempfile

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-secret-key-not-used-anywhere-else"  # noqa: S105
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="store-test-media-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WAGTAILADMIN_BASE_URL = "http://testserver"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
STATIC_ROOT = tempfile.mkdtemp(prefix="store-test-static-")

# Two emulator accounts, as in envs/.env.dist: the default one (USD and the rest) and EUR.
STRIPE_ACCOUNTS = {
    "default": {
        "secret_key": "sk_test_usd",
        "publishable_key": "pk_test_usd",
        "webhook_secret": "whsec_test_usd_account",
    },
    "EUR": {
        "secret_key": "sk_test_eur",
        "publishable_key": "pk_test_eur",
        "webhook_secret": "whsec_test_eur_account",
    },
}
# Nothing listens here: a test that forgets to start the emulator fails fast, offline.
STRIPE_API_BASE = "http://127.0.0.1:9"
STRIPE_JS_URL = "http://127.0.0.1:9/clover/stripe.js"
STRIPE_TIMEOUT_SECONDS = 2.0
STRIPE_MAX_NETWORK_RETRIES = 1
# Tests that are not about rate limits buy far more often than a shopper would; the rate-limit
# tests set their own rates. The cache (this process's memory) is emptied before each test.
COMMERCE_BUY_RATE = "10000/m"
COMMERCE_CART_RATE = "10000/m"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Most tests want each page rendered afresh; the page cache's own tests (and the browser
# tests) switch it on.
COMMERCE_PAGE_CACHE_SECONDS = 0
# Whatever REDIS_URL a developer's `.env` names: tests that want Redis (tests/config/
# test_redis.py) set the cache and the cached_db session engine themselves.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Django's test client logs in without a request, which django-axes refuses; the login
# throttling tests switch it on.
AXES_ENABLED = False

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not shared-cache memory: the live server's threads (a page and a webhook at
    # once) then wait for each other's locks instead of failing "table is locked".
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"store-test-{os.getpid()}.sqlite3")
    }
