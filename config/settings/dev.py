"""Local development: debug on, permissive hosts, a fixed insecure key if none is set."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="") or "django-insecure-local-development-only"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# runserver serves static files from the apps; WhiteNoise only wants the folder to exist.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405

# Pages rendered afresh while you work on templates; set it to try the page cache.
COMMERCE_PAGE_CACHE_SECONDS = env.int("COMMERCE_PAGE_CACHE_SECONDS", default=0)
