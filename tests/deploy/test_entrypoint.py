"""The container's start script, run for real: migrate, gunicorn, a page, a clean stop.

No Docker engine is needed: the script is the image's ENTRYPOINT, and this test runs it
with the same production settings against a throwaway SQLite database, after the same
collectstatic step the Dockerfile runs at build time.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.processes import PROJECT_ROOT, child_environment, free_port, manage


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, dict]:
    request = urllib.request.Request(url, headers=headers or {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=5) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace"), dict(error.headers)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def production_env(tmp_path):
    return child_environment(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="entrypoint-test-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        HOST="127.0.0.1",
        PORT=str(free_port()),
        PYTHON=sys.executable,
        WEB_CONCURRENCY="1",
        SITE_NAME="Entrypoint Test Shop",
    )


def test_entrypoint_migrates_serves_and_stops(production_env):
    collect = manage("collectstatic", "--noinput", env=production_env)
    assert collect.returncode == 0, collect.stderr

    server = subprocess.Popen(
        ["docker/entrypoint.sh"],
        cwd=PROJECT_ROOT,
        env=production_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{production_env['PORT']}"
    https = {"X-Forwarded-Proto": "https"}
    try:
        deadline = time.monotonic() + 180  # migrations first, on a busy machine
        status = None
        while time.monotonic() < deadline:
            if server.poll() is not None:
                pytest.fail(f"entrypoint exited early:\n{server.stdout.read()}")
            try:
                status, html, _ = fetch(base + "/", https)
                break
            except (ConnectionError, urllib.error.URLError, TimeoutError):
                time.sleep(0.3)
        assert status == 200, "the home page never answered"
        # The home heading defaults to the site's name when editors leave it empty.
        assert "<h1>Entrypoint Test Shop</h1>" in html

        stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]+\.css)"', html)
        assert stylesheet, "static files should carry WhiteNoise's hashed names"
        css_status, css, headers = fetch(base + stylesheet.group(1), https)
        assert css_status == 200 and ".item-card" in css
        assert "max-age" in headers.get("Cache-Control", "")

        redirect_status, _, redirect_headers = fetch(base + "/")
        assert redirect_status == 301
        assert redirect_headers["Location"].startswith("https://")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)
    assert server.returncode == 0
    log = server.stdout.read()
    assert "Applying" in log  # migrations ran before gunicorn started
    assert "Booting worker" in log
    assert "Using worker: sync" in log  # one request at a time unless GUNICORN_THREADS says


def run_entrypoint(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["docker/entrypoint.sh", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_compose_commands_migrate_once_then_serve_and_work(production_env):
    """docker-compose.yml's services: `migrate` once, replicas that only `web`, a `worker`."""
    migrated = run_entrypoint(production_env, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert "Applying" in migrated.stdout and "gunicorn" not in migrated.stdout + migrated.stderr

    server = subprocess.Popen(
        ["docker/entrypoint.sh", "web"],
        cwd=PROJECT_ROOT,
        env={**production_env, "GUNICORN_THREADS": "2"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 180  # migrations first, on a busy machine
        status = None
        while time.monotonic() < deadline and status is None:
            if server.poll() is not None:
                pytest.fail(f"entrypoint exited early:\n{server.stdout.read()}")
            try:
                status, _, _ = fetch(
                    f"http://127.0.0.1:{production_env['PORT']}/robots.txt",
                    {"X-Forwarded-Proto": "https"},
                )
            except (ConnectionError, urllib.error.URLError, TimeoutError):
                time.sleep(0.3)
        assert status == 200, "the replica never answered"
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)
    log = server.stdout.read()
    assert "Booting worker" in log and "Applying" not in log  # a replica never migrates
    assert "Using worker: gthread" in log  # GUNICORN_THREADS=2: two requests at once

    tasks_env = {**production_env, "TASKS_BACKEND": "django_tasks_db.DatabaseBackend"}
    queued = manage(
        "shell",
        "-c",
        "from commerce.receipts import send_receipt_task; send_receipt_task.enqueue(0)",
        env=tasks_env,
    )
    assert queued.returncode == 0, queued.stderr
    worker = run_entrypoint(tasks_env, "worker", "--batch", "--no-startup-delay")
    assert worker.returncode == 0, worker.stdout + worker.stderr
    done = manage(
        "shell",
        "-c",
        "from django_tasks_db.models import DBTaskResult; "
        "print(sorted(DBTaskResult.objects.values_list('status', flat=True)))",
        env=tasks_env,
    )
    assert done.stdout.strip().endswith("['SUCCESSFUL']"), done.stdout + done.stderr


def test_the_worker_yields_the_cpu_to_requests(production_env, tmp_path):
    """Background work runs at a lower CPU priority than the web replicas on the same host:
    under a burst of webhooks the receipts wait, the requests do not."""
    seen = tmp_path / "niceness"
    python = tmp_path / "python"
    python.write_text(f'#!/bin/sh\nnice > "{seen}"\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    env = {
        **production_env,
        "PYTHON": str(python),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
    }
    assert run_entrypoint(env, "migrate").returncode == 0
    for asked, added in ((None, 10), ("3", 3)):
        if asked is not None:
            env["WORKER_NICENESS"] = asked
        worker = run_entrypoint(env, "worker", "--batch", "--no-startup-delay")
        assert worker.returncode == 0, worker.stdout + worker.stderr
        assert int(seen.read_text()) == min(os.nice(0) + added, 19)


def test_an_unknown_command_is_refused(production_env):
    refused = run_entrypoint(production_env, "serve-everything")
    assert refused.returncode == 64
    assert "unknown command 'serve-everything' (all, migrate, web or worker)" in refused.stderr
