"""Security settings: admin login throttling (django-axes), the Content-Security-Policy
(django-csp) and the warning about a rate-limit cache the workers do not share."""

import json
from datetime import timedelta

import pytest

from commerce.throttling import rate_limits_use_a_shared_cache
from tests import processes
from tests.config.test_settings import SAMPLE_PRODUCTION_ENV
from tests.processes import child_environment

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"


def policy(response):
    """`{directive: [sources]}` of a response's Content-Security-Policy header."""
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


# --- Admin login throttling -------------------------------------------------------------


@pytest.fixture
def throttled(settings, django_user_model):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    return django_user_model.objects.create_superuser("boss", "boss@example.com", PASSWORD)


def log_in(client, password, username="boss"):
    return client.post("/admin/login/", {"username": username, "password": password})


def logged_in(client):
    return client.get("/admin/").status_code == 200


def test_the_right_password_works_after_fewer_failures_than_the_limit(client, throttled):
    for _ in range(2):
        assert log_in(client, "guess").status_code == 200  # the form again, with an error
    assert log_in(client, PASSWORD).status_code == 302
    assert logged_in(client)


def test_after_the_limit_even_the_right_password_is_refused(client, throttled):
    for _ in range(3):
        log_in(client, "guess")
    response = log_in(client, PASSWORD)
    assert response.status_code == 429
    assert not logged_in(client)


def test_the_lockout_ends_after_the_cool_off(client, throttled, settings):
    for _ in range(3):
        log_in(client, "guess")
    assert log_in(client, PASSWORD).status_code == 429
    settings.AXES_COOLOFF_TIME = timedelta(seconds=0)
    assert log_in(client, PASSWORD).status_code == 302
    assert logged_in(client)


def test_a_lockout_is_per_user_name_and_address(client, throttled, django_user_model):
    """Guessing at one account from one address does not lock the real user out elsewhere."""
    for _ in range(3):
        log_in(client, "guess")
    from django.test import Client

    elsewhere = Client(REMOTE_ADDR="10.1.2.3")
    assert log_in(elsewhere, PASSWORD).status_code == 302


def test_login_throttling_reads_its_settings_from_the_environment():
    code = (
        "from django.conf import settings; import json; print(json.dumps(["
        "settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME.total_seconds(),"
        "settings.COMMERCE_BUY_RATE, settings.CACHES['default']['BACKEND']]))"
    )
    result = processes.manage(
        "shell",
        "-c",
        code,
        env=child_environment(
            DJANGO_SETTINGS_MODULE="config.settings.dev",
            AXES_FAILURE_LIMIT="7",
            AXES_COOLOFF_MINUTES="2",
            COMMERCE_BUY_RATE="5/s",
            REDIS_URL="redis://127.0.0.1:6379/2",
        ),
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        7,
        120.0,
        "5/s",
        "config.redis_cache_backend.RedisCache",
    ]


# --- The shared cache check ---------------------------------------------------------------


def test_a_per_process_cache_is_a_warning_outside_debug(settings):
    settings.DEBUG = False
    [warning] = rate_limits_use_a_shared_cache()
    assert warning.id == "commerce.W101" and "LocMemCache" in warning.msg
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache"}}
    assert rate_limits_use_a_shared_cache() == []
    # The project's own Redis backend (Django's, keeping its client) is just as shared.
    settings.CACHES = {"default": {"BACKEND": "config.redis_cache_backend.RedisCache"}}
    assert rate_limits_use_a_shared_cache() == []
    settings.DEBUG = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert rate_limits_use_a_shared_cache() == []


def test_production_without_a_shared_cache_warns_at_deploy_check():
    env = child_environment(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        **{**SAMPLE_PRODUCTION_ENV, "REDIS_URL": ""},
    )
    result = processes.manage("check", "--deploy", env=env)
    assert "commerce.W101" in result.stdout + result.stderr


# --- Content-Security-Policy ----------------------------------------------------------------


def test_production_sends_a_policy_with_only_stripes_origins():
    code = (
        "from django.test import Client; "
        "r = Client().get('/robots.txt', secure=True, HTTP_HOST='shop.example.com'); "
        "print(r.status_code); print(r['Content-Security-Policy'])"
    )
    env = child_environment(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        **{**SAMPLE_PRODUCTION_ENV, "STRIPE_JS_URL": "https://js.stripe.com/clover/stripe.js"},
    )
    result = processes.manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    status, header = result.stdout.strip().splitlines()[-2:]
    assert status == "200"
    directives = {name: sources for name, *sources in (p.split() for p in header.split(";"))}
    assert directives == {
        "default-src": ["'self'"],
        "script-src": ["'self'", "https://js.stripe.com"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "connect-src": ["'self'", "https://api.stripe.com"],
        "frame-src": ["https://hooks.stripe.com", "https://js.stripe.com"],
        "form-action": ["'self'", "https://checkout.stripe.com"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }


def test_with_the_emulator_the_policy_allows_its_origin_instead_of_stripes(client, item, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:12111"
    settings.STRIPE_JS_URL = "http://127.0.0.1:12111/clover/stripe.js"
    directives = policy(client.get(item.url))
    emulator = "http://127.0.0.1:12111"
    assert directives["script-src"] == ["'self'", emulator]
    assert directives["connect-src"] == ["'self'", emulator]
    assert directives["frame-src"] == [emulator]
    assert directives["form-action"] == ["'self'", emulator]
    assert not any("stripe.com" in source for sources in directives.values() for source in sources)


def test_the_storefront_loads_only_scripts_the_policy_allows(client, item):
    """The item page's only script is the Buy button's, a file of this site (no inline
    script, which the storefront policy would block)."""
    import re

    response = client.get(item.url)
    html = response.content.decode()
    scripts = re.findall(r"<script\b([^>]*)>", html)
    assert scripts, "the item page has no script"
    for attributes in scripts:
        src = re.search(r'src="([^"]+)"', attributes)
        assert src, f"inline script on the storefront: <script{attributes}>"
        assert src.group(1).startswith("/static/"), src.group(1)
    assert any("commerce/buy" in attributes for attributes in scripts)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_the_admin_gets_the_inline_scripts_wagtail_needs_and_nothing_else_does(admin_client, item):
    directives = policy(admin_client.get(f"/admin/pages/{item.pk}/edit/"))
    assert "'unsafe-inline'" in directives["script-src"]
    assert directives["frame-ancestors"] == ["'self'"]
    for url in ("/", item.url, "/v2/item/list/", "/search/?query=tote"):
        assert "'unsafe-inline'" not in admin_client.get(url)["Content-Security-Policy"]


def test_a_json_answer_gets_the_data_policy_that_allows_nothing(client, item):
    cart = client.get("/v2/cart/", HTTP_ACCEPT="application/json")
    missing = client.get("/v1/buy/999999/", HTTP_ACCEPT="application/json")
    page = client.get(item.url)

    assert cart.status_code == 200 and missing.status_code == 404
    for answer in (cart, missing):
        assert answer["Content-Type"].startswith("application/json")
        assert answer["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
        assert "Content-Security-Policy-Report-Only" not in answer
    # Pages keep the site's policy, with Stripe's sources.
    assert policy(page)["default-src"] == ["'self'"]
    assert len(policy(page)["script-src"]) == 2


def test_a_json_answer_on_a_path_the_site_leaves_out_gets_no_policy(client, settings):
    settings.CONTENT_SECURITY_POLICY = {
        **settings.CONTENT_SECURITY_POLICY,
        "EXCLUDE_URL_PREFIXES": ["/v2/"],
    }
    assert "Content-Security-Policy" not in client.get("/v2/cart/", HTTP_ACCEPT="application/json")
    assert "Content-Security-Policy" in client.get("/v1/buy/999999/")
