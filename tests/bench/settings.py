"""Settings of `make bench`: the production settings, served over plain HTTP on 127.0.0.1.

Everything that makes production production stays: DEBUG off, WhiteNoise serving the
hashed, compressed static files collectstatic wrote, the Redis cache and session engine
production uses (when Redis answers), the persistent connections, the templates as
they are. Only what a benchmark on a loopback port cannot have goes: the HTTPS redirect
and secure-only cookies, and the per-client rate limits (the load tool is one client
asking far faster than any shopper). The benchmark's own baselines (a bare Wagtail page
type, a bare view that writes the session) and its measuring hooks live in this app,
never in production.

The harness (tests/bench/run.py) sets the environment: DATABASE_URL, REDIS_URL,
STATIC_ROOT, the Stripe emulator's address and keys.
"""

import os

# Production refuses to start without these; the harness may give its own.
os.environ.setdefault("SECRET_KEY", "bench-" + "k" * 50)
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")

from config.settings.production import *  # noqa: F403
from config.settings.production import INSTALLED_APPS, LOGGING, MIDDLEWARE, env

INSTALLED_APPS = [*INSTALLED_APPS, "tests.bench"]
# First, so the Stripe time it reports covers everything the request did.
MIDDLEWARE = ["tests.bench.stripe_timing.StripeTimeHeaderMiddleware", *MIDDLEWARE]
ROOT_URLCONF = "tests.bench.urls"

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

COMMERCE_BUY_RATE = ""
# Off for the search-scale rounds only (tests/bench/run.py), which measure the index itself.
COMMERCE_CACHE_SEARCH_HITS = env.bool("COMMERCE_CACHE_SEARCH_HITS", default=True)
COMMERCE_CART_RATE = ""
# Cart adds cycle through a few items for as long as a round lasts: no line may reach a cap.
COMMERCE_CART_MAX_QUANTITY = 10**9

# Receipts are still built for every paid order; they are not delivered anywhere, only
# counted (BENCH_RECEIPT_LOG) for the check that each paid order got exactly one.
EMAIL_BACKEND = "tests.bench.receipt_log.ReceiptLogBackend"
# One line per request or per webhook at INFO would measure the console, not the store.
LOGGING["root"]["level"] = env.str("BENCH_LOG_LEVEL", default="WARNING")
