"""Test settings: fast hashing, in-memory media, no `.env` surprises for the suite's own knobs."""

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
