"""What the Docker image gets: the build context `.dockerignore` leaves, computed here with
Docker's own pattern rules (no Docker engine needed), then run as the image would run it.

Docker's rules (moby/patternmatcher), which differ from `.gitignore`'s: every pattern is
anchored at the context root (`tests` is only the top-level folder; `**/x` is x anywhere);
`*` and `?` stay inside one path segment, `**` crosses segments; a pattern that matches a
folder excludes everything in it; `!` re-includes; the last matching line wins.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.config.test_settings import SAMPLE_PRODUCTION_ENV
from tests.processes import PROJECT_ROOT, child_environment


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """Docker's translation of one pattern into a regular expression."""
    out = "^"
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "*":
            if pattern[i + 1 : i + 2] == "*":
                i += 1
                if pattern[i + 1 : i + 2] == "/":
                    i += 1
                    out += "(.*/)?"
                else:
                    out += ".*"
            else:
                out += "[^/]*"
        elif char == "?":
            out += "[^/]"
        elif char == "[":
            end = pattern.index("]", i)
            out += pattern[i : end + 1]
            i = end
        elif char == "\\" and i + 1 < len(pattern):
            i += 1
            out += re.escape(pattern[i])
        else:
            out += re.escape(char)
        i += 1
    return re.compile(out + "$")


class DockerIgnore:
    def __init__(self, text: str) -> None:
        self.rules: list[tuple[re.Pattern[str], bool]] = []
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            exclusion = line.startswith("!")
            pattern = posixpath.normpath(line[1:].strip() if exclusion else line).lstrip("/")
            self.rules.append((pattern_regex(pattern), exclusion))

    def excludes(self, path: str) -> bool:
        """Whether the file (or folder) at `path`, relative to the context, is left out."""
        parts = path.split("/")
        candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        excluded = False
        for regex, exclusion in self.rules:
            if any(regex.match(candidate) for candidate in candidates):
                excluded = not exclusion
        return excluded

    def has_exclusions(self) -> bool:
        return any(exclusion for _, exclusion in self.rules)


def build_context(root: Path) -> list[str]:
    """Every file `docker build` would send from `root`."""
    ignore = DockerIgnore((root / ".dockerignore").read_text())
    files = []
    for folder, subfolders, names in os.walk(root):
        relative = Path(folder).relative_to(root).as_posix()
        prefix = "" if relative == "." else relative + "/"
        if not ignore.has_exclusions():
            subfolders[:] = [name for name in subfolders if not ignore.excludes(prefix + name)]
        files += [prefix + name for name in names if not ignore.excludes(prefix + name)]
    return sorted(files)


@pytest.fixture(scope="module")
def context() -> list[str]:
    return build_context(PROJECT_ROOT)


def test_dockers_pattern_rules():
    ignore = DockerIgnore("tests\n**/__pycache__\n*.log\ndocs/*.md\n!docs/keep.md\n/media\n")
    assert ignore.excludes("tests/test_x.py")
    assert not ignore.excludes("commerce/tests/test_x.py")  # anchored at the root
    assert ignore.excludes("commerce/models/__pycache__/pages.cpython-311.pyc")
    assert ignore.excludes("a.log") and not ignore.excludes("logs/a.log")
    assert ignore.excludes("docs/readme.md") and not ignore.excludes("docs/keep.md")
    assert ignore.excludes("media/images/x.png")


def test_the_image_gets_neither_the_emulator_nor_the_tests(context):
    leaked = [path for path in context if path.startswith(("stripe_emulator/", "tests/"))]
    assert leaked == []


def test_the_image_gets_no_local_state_secrets_or_caches(context):
    for path in context:
        assert not path.startswith((".git/", ".venv/", "node_modules/", "media/")), path
        assert path != ".env" and not path.endswith((".sqlite3", ".pyc")), path
        assert "__pycache__" not in path.split("/"), path


def test_the_image_gets_the_application(context):
    for path in (
        "manage.py",
        "requirements.txt",
        "docker/entrypoint.sh",
        "docker/gunicorn.conf.py",
        "config/settings/production.py",
        "config/wsgi.py",
        "commerce/models/pages.py",
        "commerce/templates/commerce/item_page.html",
        "commerce/static/commerce/buy.js",
        "home/models.py",
        "templates/base.html",
    ):
        assert path in context, path
    for package in ("commerce", "config", "home"):
        tracked = subprocess.run(
            ["git", "ls-files", package], cwd=PROJECT_ROOT, capture_output=True, text=True
        ).stdout.split()
        assert tracked and set(tracked) <= set(context), package


IMPORT_EVERYTHING = """
import importlib, pkgutil, sys
import django
django.setup()
import config.wsgi
from django.urls import get_resolver
get_resolver().url_patterns
for package in ("config", "commerce", "home"):
    module = importlib.import_module(package)
    for info in pkgutil.walk_packages(module.__path__, package + "."):
        importlib.import_module(info.name)
from django.test import Client
response = Client().get("/robots.txt", secure=True, HTTP_HOST="shop.example.com")
assert response.status_code == 200, response.status_code
loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("stripe_emulator", "tests"))
print("loaded:", loaded)
"""


def test_the_image_runs_without_them(context, tmp_path):
    """A copy of exactly the build context imports every module of the app under the
    production settings, answers a request and passes the deploy checks."""
    image = tmp_path / "app"
    for path in context:
        (image / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT_ROOT / path, image / path)
    env = child_environment(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        PYTHONPATH="",
        **{**SAMPLE_PRODUCTION_ENV, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
    )

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, *args], cwd=image, env=env, capture_output=True, text=True, timeout=120
        )

    imported = run("-c", IMPORT_EVERYTHING)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip().splitlines()[-1] == "loaded: []"

    checked = run("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert checked.returncode == 0, checked.stdout + checked.stderr


# --- docker-compose.yml: PostgreSQL, Redis, migrations once, two replicas, a worker --------

APP_SERVICES = ("migrate", "web1", "web2", "worker")


@pytest.fixture(scope="module")
def compose() -> dict:
    import yaml

    return yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def nginx_conf() -> str:
    return (PROJECT_ROOT / "docker" / "nginx.conf").read_text()


def test_compose_runs_postgres_redis_two_replicas_a_worker_behind_one_port(compose):
    services = compose["services"]
    assert set(services) == {"db", "redis", "migrate", "web1", "web2", "worker", "lb"}
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    for name in APP_SERVICES:  # one image for all of them, built from this folder
        assert (services[name]["build"], services[name]["image"]) == (".", "wagtail-store"), name
    commands = [services[name]["command"] for name in APP_SERVICES]
    assert commands == [["migrate"], ["web"], ["web"], ["worker"]]
    assert {name for name, service in services.items() if service.get("ports")} == {"lb"}
    assert services["lb"]["ports"] == ["127.0.0.1:8000:80"]


def test_compose_migrates_once_before_the_replicas_and_the_worker_start(compose):
    services = compose["services"]
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["db"] == {"condition": "service_healthy"}
    for name in ("web1", "web2", "worker"):
        assert services[name]["depends_on"] == {
            "db": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }, name
    assert services["db"]["healthcheck"] and services["redis"]["healthcheck"]
    assert set(services["lb"]["depends_on"]) == {"web1", "web2"}


def test_every_app_container_shares_postgres_redis_and_the_task_queue(compose):
    from django.utils.module_loading import import_string

    services = compose["services"]
    environments = [services[name]["environment"] for name in APP_SERVICES]
    assert all(env == environments[0] for env in environments)
    env = environments[0]
    assert env["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    assert import_string(env["TASKS_BACKEND"]).__name__ == "DatabaseBackend"
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert "CACHE_URL" not in env
    documented = set(
        re.findall(r"^([A-Z_]+)=", (PROJECT_ROOT / "envs" / ".env.dist").read_text(), re.M)
    )
    assert set(env) <= documented, sorted(set(env) - documented)
    # Uploaded images: one volume every replica reads and writes.
    assert {tuple(services[name]["volumes"]) for name in ("web1", "web2")} == {
        ("media:/app/media",)
    }


def test_the_load_balancer_spreads_requests_over_both_replicas(compose, nginx_conf):
    services = compose["services"]
    assert services["lb"]["volumes"] == ["./docker/nginx.conf:/etc/nginx/nginx.conf:ro"]
    [upstream] = re.findall(r"upstream store \{(.*?)\}", nginx_conf, re.S)
    assert re.findall(r"server (\S+?):(\d+)", upstream) == [("web1", "8000"), ("web2", "8000")]
    assert "proxy_pass http://store;" in nginx_conf
    assert "listen 80;" in nginx_conf
    # Rate limits count shoppers, not the load balancer: nginx passes the client's address
    # in the header the replicas read it from, and they trust its forwarded headers.
    assert "proxy_set_header X-Real-IP $remote_addr;" in nginx_conf
    env = services["web1"]["environment"]
    assert env["RATELIMIT_IP_META_KEY"] == "HTTP_X_REAL_IP"
    assert env["FORWARDED_ALLOW_IPS"] == "*"
    # nginx waits longer than gunicorn's worker timeout (30 s), which decides instead.
    [read_timeout] = re.findall(r"proxy_read_timeout (\d+)s;", nginx_conf)
    assert int(read_timeout) > 30


def test_the_image_runs_the_compose_commands_through_its_entrypoint():
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["docker/entrypoint.sh"]' in dockerfile
    script = (PROJECT_ROOT / "docker" / "entrypoint.sh").read_text()
    for command in ("migrate", "web", "worker"):
        assert f"    {command}) " in script, command
