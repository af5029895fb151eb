"""gunicorn settings that must agree with Django's.

The worker timeout comes from the Django setting GUNICORN_TIMEOUT, the same value the
system check commerce.E001 holds the Stripe deadline against, so the check and the
server can never disagree. docker/entrypoint.sh passes this file with --config.
"""

from django.conf import settings

timeout = int(settings.GUNICORN_TIMEOUT)
