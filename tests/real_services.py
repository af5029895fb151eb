"""What tests that need a real service (Redis, PostgreSQL at 127.0.0.1) do when it does
not answer: fail in CI, which runs them against one (`.ci/run` sets `CI`), and skip on a
developer's machine without it."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def missing(message: str, service: str) -> NoReturn:
    """Fail (in CI) or skip the test: `message` says what did not answer, `service` what CI
    has instead, e.g. "a real Redis"."""
    if os.environ.get("CI"):
        pytest.fail(f"{message}: CI runs these tests against {service}")
    pytest.skip(f"{message}; CI runs these tests against one")
