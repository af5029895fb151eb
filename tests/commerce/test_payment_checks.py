"""Startup checks on the payment configuration: a Stripe deadline that outlives the worker
timeout, and accounts that share a webhook secret, are refused before serving."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from commerce.checks import stripe_deadline_fits_worker_timeout, webhook_secrets_name_one_account
from commerce.payments import gateway
from tests.processes import PROJECT_ROOT, child_environment


@pytest.mark.parametrize(
    ("timeout", "retries", "deadline"),
    # timeout * (retries + 1) + stripe-python's capped backoff: 0.5, 1, 2, 4, 5, 5 ...
    [(7, 2, 22.5), (15, 2, 46.5), (2, 0, 2), (1, 6, 7 + 17.5)],
)
def test_the_deadline_counts_every_try_and_the_backoff_between(
    settings, timeout, retries, deadline
):
    settings.STRIPE_TIMEOUT_SECONDS = timeout
    settings.STRIPE_MAX_NETWORK_RETRIES = retries
    assert gateway.operation_deadline_seconds() == deadline


def test_a_deadline_inside_the_worker_timeout_passes(settings):
    settings.STRIPE_TIMEOUT_SECONDS = 7
    settings.STRIPE_MAX_NETWORK_RETRIES = 2
    settings.GUNICORN_TIMEOUT = 30
    assert stripe_deadline_fits_worker_timeout() == []


def test_slow_stripe_settings_that_outlive_the_worker_are_an_error(settings):
    # Three tries of 15 s: the worker would be killed mid-payment.
    settings.STRIPE_TIMEOUT_SECONDS = 15
    settings.STRIPE_MAX_NETWORK_RETRIES = 2
    settings.GUNICORN_TIMEOUT = 30
    [error] = stripe_deadline_fits_worker_timeout()
    assert error.id == "commerce.E001"
    assert "46.5 s" in error.msg and "GUNICORN_TIMEOUT=30" in error.msg
    with pytest.raises(SystemCheckError, match=r"commerce\.E001"):
        call_command("check")

    settings.GUNICORN_TIMEOUT = 60  # a longer worker timeout makes the same settings fit
    assert stripe_deadline_fits_worker_timeout() == []


def test_the_shipped_defaults_fit(settings):
    """envs/.env.dist's values, read the way the settings read them."""
    env = (PROJECT_ROOT / "envs" / ".env.dist").read_text()
    values = dict(
        line.split("=", 1) for line in env.splitlines() if line and not line.startswith("#")
    )
    settings.STRIPE_TIMEOUT_SECONDS = float(values["STRIPE_TIMEOUT_SECONDS"])
    settings.STRIPE_MAX_NETWORK_RETRIES = int(values["STRIPE_MAX_NETWORK_RETRIES"])
    settings.GUNICORN_TIMEOUT = int(values["GUNICORN_TIMEOUT"])
    assert stripe_deadline_fits_worker_timeout() == []


def test_gunicorn_takes_its_worker_timeout_from_the_setting_the_check_uses():
    env = child_environment(DJANGO_SETTINGS_MODULE="config.settings.test", GUNICORN_TIMEOUT="47")
    printed = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--config", "docker/gunicorn.conf.py"]
        + ["--print-config", "config.wsgi:application"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert printed.returncode == 0, printed.stderr
    assert "timeout                            = 47" in printed.stdout.splitlines()
    assert "--config docker/gunicorn.conf.py" in (PROJECT_ROOT / "docker/entrypoint.sh").read_text()


def test_distinct_webhook_secrets_pass(settings):
    assert webhook_secrets_name_one_account() == []


def test_two_accounts_sharing_a_webhook_secret_are_an_error(settings):
    shared = settings.STRIPE_ACCOUNTS["default"]["webhook_secret"]
    settings.STRIPE_ACCOUNTS = {
        **settings.STRIPE_ACCOUNTS,
        "EUR": {**settings.STRIPE_ACCOUNTS["EUR"], "webhook_secret": shared},
    }
    [error] = webhook_secrets_name_one_account()
    assert error.id == "commerce.E002"
    assert "default, EUR" in error.msg
    assert shared not in error.msg and shared not in error.hint  # secrets never printed
    with pytest.raises(SystemCheckError, match=r"commerce\.E002"):
        call_command("check")
