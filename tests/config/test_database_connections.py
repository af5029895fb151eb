"""Workers keep their database connection between requests, checked before each reuse."""

import re

from django.conf import settings

from tests.processes import PROJECT_ROOT

DEFAULT = re.compile(r'env\.int\("DATABASE_CONN_MAX_AGE", default=(\d+)\)')


def test_connections_are_health_checked_before_reuse():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_connections_persist_by_default_as_env_dist_documents():
    [default] = DEFAULT.findall((PROJECT_ROOT / "config" / "settings" / "base.py").read_text())
    documented = re.findall(
        r"^DATABASE_CONN_MAX_AGE=(\d+)$",
        (PROJECT_ROOT / "envs" / ".env.dist").read_text(),
        flags=re.M,
    )
    assert int(default) > 0
    assert documented == [default]
