"""Settings shared by every environment.

Values come from the process environment, then from `.env` at the project root
(created from `envs/.env.dist` by `make setup`); real environment variables always
win because django-environ only fills in names that are not set yet. Every name
read here is documented in `envs/.env.dist`.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from commerce.payments.accounts import accounts_from_environment

from .redis_cache import redis_cache

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

SECRET_KEY = env.str("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "home",
    "commerce",
    "wagtail.contrib.forms",
    "wagtail.contrib.settings",
    "wagtail.contrib.redirects",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    # Background tasks (receipts, refunds and closings after webhooks) and the database
    # backend's queue table with its `db_worker` command; used when TASKS_BACKEND names it.
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A view that fails because Redis is unreachable answers 503, not the 500 page.
    "config.redis_outage.RedisOutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Whole shopper pages from the shared cache (COMMERCE_PAGE_CACHE_SECONDS); it reads the
    # session, CSRF cookie and user set up above.
    "commerce.page_cache.middleware.PageCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # django-csp's middleware, plus the Stripe origins and the admin's own policy.
    "commerce.content_security.ContentSecurityPolicyMiddleware",
    # django-axes wants to be last.
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it refuses a locked-out login before any password is checked. Its
# AxesBackend also loads users (ModelBackend's get_user), which tools that take the first
# backend for logging in, such as Wagtail's test helpers, need.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # No CSRF token in pages kept for every visitor (commerce/page_cache).
                "commerce.page_cache.context_processors.shared_page",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# SQLite by default (a git-ignored file); DATABASE_URL switches to PostgreSQL (psycopg 3).
DATABASES = {
    "default": env.db_url_config(
        env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    ),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers queue instead of failing with "database is locked": BEGIN IMMEDIATE takes the
    # write lock up front, WAL lets readers go on while one writer writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with a health check that sends no `SELECT 1` to a connection that
    # answered within the last seconds and shows no sign of being dropped (config/postgresql).
    DATABASES["default"]["ENGINE"] = "config.postgresql"
    if prepare_threshold := env.str("DATABASE_PREPARE_THRESHOLD", default="2"):
        # Values travel apart from the statement (server-side binding), so a statement a
        # connection has run this many times is prepared, and from then on the server
        # neither parses nor plans it again: most of its work on the store's small fixed
        # statements (a webhook's lock and writes, a cart's record). Empty: Django's
        # default (values written into the text, nothing prepared), for a connection
        # pooler that cannot keep prepared statements (PgBouncer before 1.21 in
        # transaction mode).
        DATABASES["default"]["OPTIONS"] = {
            "server_side_binding": True,
            "prepare_threshold": int(prepare_threshold),
        }
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Each worker keeps its connection for a minute rather than opening one per request (on
# PostgreSQL that opening costs more than a whole bare page); the health check at the start
# of each request replaces a connection the server has dropped instead of failing on it.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default="") or BASE_DIR / "staticfiles")
STATIC_URL = "/static/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default="") or BASE_DIR / "media")
MEDIA_URL = "/media/"
# Let Django itself serve uploaded images (single-container deployments); a file server or
# object storage is better at scale.
SERVE_MEDIA_FILES = env.bool("SERVE_MEDIA_FILES", default=False)

# Email (order receipts). EMAIL_URL in django-environ's form: consolemail:// prints each
# message to the console; smtp+tls://user:password@smtp.example.com:587 sends through SMTP
# (STARTTLS; smtp+ssl:// for implicit TLS on 465). Unset parts keep Django's defaults.
globals().update(
    {
        name: value
        for name, value in env.email_url("EMAIL_URL", default="consolemail://").items()
        if value not in (None, "")
    }
)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Wagtail Store <shop@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Receipts, and the Stripe calls a webhook leaves for after it commits (refunding a payment
# taken twice, closing a superseded attempt), run outside the request on a django-tasks
# backend when one is named here: `django_tasks_db.DatabaseBackend` queues them in the
# database for `manage.py db_worker` (which must run). Empty means the web process does
# them right after the payment commits.
TASKS_BACKEND = env.str("TASKS_BACKEND", default="")
if TASKS_BACKEND:
    TASKS = {"default": {"BACKEND": TASKS_BACKEND}}

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Wagtail's page editor posts many fields for rich pages.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        # `manage.py db_worker` sets the task libraries' loggers to its --verbosity (INFO by
        # default), whatever their level below, and they log two lines per task run; this
        # handler of their own keeps those lines out of the log (and unformatted) while
        # their warnings and failed tasks still reach it.
        "tasks_console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "level": "WARNING",
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django_tasks": {"handlers": ["tasks_console"], "level": "WARNING", "propagate": False},
        "django_tasks_db": {
            "handlers": ["tasks_console"],
            "level": "WARNING",
            "propagate": False,
        },
        # Page actions are kept in the admin's own history; the console need not repeat them.
        "wagtail": {"level": "WARNING"},
        # django-axes announces itself at every start; its login failures and lockouts
        # (other loggers of axes) still reach the log.
        "axes.apps": {"level": "WARNING"},
    },
}

# Wagtail
WAGTAIL_SITE_NAME = env.str("SITE_NAME", default="Wagtail Store")
WAGTAILADMIN_BASE_URL = env.str("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
# On PostgreSQL, index and queries are stemmed as English ("mugs" finds "mug"), whatever the
# server's default_text_search_config; commerce/search.py does the same on SQLite.
WAGTAILSEARCH_BACKENDS = {
    "default": {"BACKEND": "wagtail.search.backends.database", "SEARCH_CONFIG": "english"}
}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "txt", "xlsx"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024

# Commerce: which page types may hold catalogs (a host site names its own home page).
COMMERCE_CATALOG_PARENT_PAGE_TYPES = ["home.HomePage"]

# Stripe accounts. STRIPE_SECRET_KEY / STRIPE_PUBLISHABLE_KEY / STRIPE_WEBHOOK_SECRET form the
# default account; the same names with a currency suffix (STRIPE_SECRET_KEY_EUR, ...) give that
# currency an account of its own. Gathered here once (`.env` is in os.environ by now) by the
# commerce app's own helper; the app reads the result when it needs it, so tests can override it.
STRIPE_ACCOUNTS = accounts_from_environment(os.environ)
# Empty means the real Stripe API. Point it at the offline emulator for development and tests.
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
# Where browsers load Stripe.js from (the emulator serves a stand-in at <base>/clover/stripe.js).
STRIPE_JS_URL = env.str("STRIPE_JS_URL", default="https://js.stripe.com/clover/stripe.js")
# One Stripe operation may take TIMEOUT * (RETRIES + 1) + stripe-python's backoff (22.5 s with
# these defaults); the check commerce.E001 refuses values that do not fit GUNICORN_TIMEOUT.
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=7.0)
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)
# gunicorn's worker timeout in seconds (docker/gunicorn.conf.py reads it from here).
GUNICORN_TIMEOUT = env.int("GUNICORN_TIMEOUT", default=30)
# How long a Checkout Session stays open (Stripe allows 30 minutes to 24 hours).
COMMERCE_CHECKOUT_SESSION_MINUTES = env.int("COMMERCE_CHECKOUT_SESSION_MINUTES", default=60)

# Redis, when REDIS_URL names one (redis://host:6379/0; rediss:// for TLS): the cache, the
# session store's fast copy, the rate limits' counters and the cart's locks, all shared by
# every worker process and every replica. Empty means this process's memory and database
# sessions: fine for one development server; outside DEBUG the check commerce.W101 warns.
REDIS_URL = env.str("REDIS_URL", default="")
if os.environ.get("CACHE_URL"):
    # REDIS_URL's former name is refused, not ignored: a replica that quietly fell back to
    # its own memory would count rate limits alone and take cart locks no other one sees.
    raise ImproperlyConfigured(
        "CACHE_URL is no longer read: set REDIS_URL to the same redis:// URL instead."
    )
# Every site sharing one Redis database keeps its keys under its own prefix.
CACHE_KEY_PREFIX = env.str("CACHE_KEY_PREFIX", default="store")
CACHES = {
    "default": redis_cache(REDIS_URL, CACHE_KEY_PREFIX)
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "KEY_PREFIX": CACHE_KEY_PREFIX,
    }
}
# Sessions, and the carts kept as records beside them (commerce/cart/store.py), live in the
# database; with Redis, "cached_db" reads them from Redis and writes both. Not the "cache"
# engine: Redis here is a cache that may evict keys under memory pressure or restart empty,
# and a session is more than a cache entry: it holds the shopper's cart, the sign-in, and the
# key that owns a guest's orders. cached_db costs one database write per changed session
# and keeps all of that across a Redis restart. Without Redis, "db": a per-process memory
# copy could serve a stale session after another worker changed it.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL
    else "django.contrib.sessions.backends.db"
)
# Rate limits are counted in the default cache (Redis with REDIS_URL). django-ratelimit's own
# cache checks do not know Django's RedisCache and refuse LocMemCache outright;
# commerce.W101 says what matters instead (is the cache shared between workers).
RATELIMIT_USE_CACHE = "default"
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
# Where the client's address is read for rate limits: REMOTE_ADDR, or the header your proxy
# sets and clients cannot forge (e.g. HTTP_X_REAL_IP). Empty means REMOTE_ADDR.
RATELIMIT_IP_META_KEY = env.str("RATELIMIT_IP_META_KEY", default="") or None
# Requests per client to the buy endpoint ("30/m": 30 a minute; "100/h"; empty: no limit).
COMMERCE_BUY_RATE = env.str("COMMERCE_BUY_RATE", default="30/m")
# Requests per client to the cart's changing endpoints (add, remove, update, discount, order).
COMMERCE_CART_RATE = env.str("COMMERCE_CART_RATE", default="120/m")
# The most of one item, and the most different items, a cart may hold.
COMMERCE_CART_MAX_QUANTITY = env.int("COMMERCE_CART_MAX_QUANTITY", default=99)
COMMERCE_CART_MAX_LINES = env.int("COMMERCE_CART_MAX_LINES", default=50)

# Shopper pages (home, catalogs, items, the item list, search) kept whole in the default
# cache for anonymous visitors, for at most this many seconds; any change to what they show
# makes them out of date at once (commerce/page_cache). 0 is off. On by default only with a
# cache every worker shares (Redis): with each process's own memory, a change would reach
# only the worker that made it.
COMMERCE_PAGE_CACHE_SECONDS = env.int(
    "COMMERCE_PAGE_CACHE_SECONDS",
    default=0 if CACHES["default"]["BACKEND"].endswith("LocMemCache") else 300,
)
# A plain form posted from a cached page has no CSRF token: it gets a page that asks again
# with one (commerce/views/csrf.py); scripts get JSON.
CSRF_FAILURE_VIEW = "commerce.views.csrf.csrf_failure"

# Admin login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one
# user name from one address, that pair is refused, right password included, for
# AXES_COOLOFF_MINUTES. Locking the pair rather than the user name keeps a guesser elsewhere
# from locking the real editor out.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

# Content-Security-Policy (django-csp) for the storefront: this site's own files only.
# commerce.content_security adds Stripe's origins (from STRIPE_JS_URL and STRIPE_API_BASE,
# so the emulator in development) and gives /admin/ the inline scripts Wagtail's admin needs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
