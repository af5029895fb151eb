"""Settings load from the environment and `.env`; production refuses unsafe configurations."""

import json
from typing import Any

from tests import processes
from tests.processes import PROJECT_ROOT, child_environment

SAMPLE_PRODUCTION_ENV = {
    "SECRET_KEY": "k3Zq8Vt1bYp0Lr5Xw2Nf7Hc4Jm9Dg6Sa-tEuIoPlKjHgFdSaQwErTyUiOp",
    "ALLOWED_HOSTS": "shop.example.com",
    "DATABASE_URL": "",
    "STRIPE_SECRET_KEY": "sk_test_sample",
    "STRIPE_PUBLISHABLE_KEY": "pk_test_sample",
    "STRIPE_WEBHOOK_SECRET": "whsec_sample",
    "STRIPE_API_BASE": "",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def manage(*args, env_overrides=None, settings="config.settings.production"):
    env = child_environment(DJANGO_SETTINGS_MODULE=settings, **(env_overrides or {}))
    return processes.manage(*args, env=env)


def dev_setting(expression: str, **env_overrides: str) -> Any:
    """`expression`, over `django.conf.settings`, as the development settings give it with
    `env_overrides` in the environment (read in a child process, through JSON)."""
    code = f"from django.conf import settings; import json; print(json.dumps({expression}))"
    result = manage(
        "shell", "-c", code, settings="config.settings.dev", env_overrides=env_overrides
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_refuses_to_start_without_secret_key():
    result = manage("check", env_overrides={**SAMPLE_PRODUCTION_ENV, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


def test_production_refuses_the_development_secret_key():
    key = "django-insecure-local-development-only-change-me"
    result = manage("check", env_overrides={**SAMPLE_PRODUCTION_ENV, "SECRET_KEY": key})
    assert result.returncode != 0
    assert "SECRET_KEY is not set (or is the local development default)" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = manage("check", env_overrides={**SAMPLE_PRODUCTION_ENV, "ALLOWED_HOSTS": ""})
    assert result.returncode != 0
    assert "ImproperlyConfigured: ALLOWED_HOSTS is not set" in result.stderr


def test_deploy_check_is_clean_with_production_settings():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env_overrides=SAMPLE_PRODUCTION_ENV
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_real_environment_variables_override_dot_env():
    assert dev_setting("settings.WAGTAIL_SITE_NAME", SITE_NAME="Env Wins").endswith("Env Wins")


def test_database_url_switches_the_database_engine():
    engine = dev_setting(
        "settings.DATABASES['default']['ENGINE']",
        DATABASE_URL="postgres://u:p@127.0.0.1:5432/shop",
    )
    assert engine.endswith("config.postgresql")


def test_env_dist_documents_every_variable_the_settings_read():
    import re

    read = set()
    for path in (PROJECT_ROOT / "config" / "settings").glob("*.py"):
        read |= set(re.findall(r'env\.\w+\(\s*"([A-Z_]+)"', path.read_text()))
    documented = set(
        re.findall(r"^([A-Z_]+)=", (PROJECT_ROOT / "envs" / ".env.dist").read_text(), re.M)
    )
    assert read, "found no settings read from the environment"
    assert read <= documented, f"undocumented: {sorted(read - documented)}"


def test_stripe_accounts_come_from_the_environment_and_dot_env():
    """The settings hand the environment (with `.env` read into it) to the app's own
    parser, `accounts_from_environment`, whose rules tests/commerce test."""
    account = dev_setting("settings.STRIPE_ACCOUNTS['GBP']", STRIPE_SECRET_KEY_GBP="sk_test_gbp")
    assert account == {"secret_key": "sk_test_gbp"}


def database_options(**env_overrides: str) -> dict:
    return dev_setting("settings.DATABASES['default'].get('OPTIONS', {})", **env_overrides)


def test_postgresql_prepares_statements_a_connection_repeats_unless_told_not_to():
    url = "postgres://u:p@127.0.0.1:5432/shop"
    assert database_options(DATABASE_URL=url, DATABASE_PREPARE_THRESHOLD="2") == {
        "server_side_binding": True,
        "prepare_threshold": 2,
    }
    # For a pooler that cannot keep them: Django's default, nothing prepared.
    assert database_options(DATABASE_URL=url, DATABASE_PREPARE_THRESHOLD="") == {}
    # SQLite keeps its own options: tests/config/test_prepared_statements.py.
