"""The buy endpoint refuses prefetches and limits each client's rate; the webhook is never
limited; the counters live in the shared cache, so every worker process sees the same count."""

import json
import uuid

import pytest
import redis

from commerce.models import Order
from tests import processes
from tests.processes import child_environment
from tests.stripe_signing import signature_header

pytestmark = pytest.mark.django_db

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def buy_url(item):
    return f"/v1/buy/{item.pk}/"


@pytest.mark.parametrize(
    "header",
    [
        {"HTTP_SEC_PURPOSE": "prefetch"},
        {"HTTP_SEC_PURPOSE": "prefetch;prerender"},
        {"HTTP_PURPOSE": "prefetch"},
        {"HTTP_X_MOZ": "prefetch"},
    ],
    ids=["sec-purpose", "prerender", "purpose", "x-moz"],
)
def test_a_prefetch_is_refused_and_creates_nothing(client, buy_url, header):
    response = client.get(buy_url, **header)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert "Prefetching is not allowed" in response.json()["error"]
    assert response["Cache-Control"] == "no-store"
    assert Order.objects.count() == 0
    assert "sessionid" not in response.cookies


def test_a_real_click_after_a_refused_prefetch_buys(client, buy_url, stripe_emulator):
    assert client.get(buy_url, HTTP_SEC_PURPOSE="prefetch").status_code == 403
    response = client.get(buy_url)
    assert response.status_code == 200
    assert response.json()["sessionId"].startswith("cs_")


def test_over_the_limit_a_client_gets_429_with_retry_after(
    client, buy_url, stripe_emulator, settings
):
    settings.COMMERCE_BUY_RATE = "3/d"  # a day-long window: the count cannot roll over mid-test
    for _ in range(3):
        assert client.get(buy_url).status_code == 200
    orders = Order.objects.count()

    response = client.get(buy_url)
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": "Too many requests. Please wait a moment and try again."}
    assert 1 <= int(response["Retry-After"]) <= 24 * 60 * 60
    assert client.post(buy_url).status_code == 429
    assert Order.objects.count() == orders

    other = client_from("10.0.0.2")
    assert other.get(buy_url).status_code == 200


def test_the_rate_is_read_on_every_request(client, buy_url, settings):
    settings.COMMERCE_BUY_RATE = "1/d"
    client.get("/v1/buy/999999/")
    assert client.get("/v1/buy/999999/").status_code == 429
    settings.COMMERCE_BUY_RATE = ""
    assert client.get("/v1/buy/999999/").status_code == 404


def test_the_webhook_is_never_rate_limited(client, settings):
    settings.COMMERCE_BUY_RATE = "1/d"
    client.get("/v1/buy/999999/")
    assert client.get("/v1/buy/999999/").status_code == 429
    payload = json.dumps({"id": "evt_unknown", "type": "ping", "data": {"object": {}}}).encode()
    for _ in range(5):
        response = client.post(
            "/stripe/webhook/",
            payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signature_header(payload, "whsec_not_ours"),
        )
        assert response.status_code == 400, response.content


def test_a_broken_cache_lets_buyers_through(client, settings, caplog):
    settings.COMMERCE_BUY_RATE = "1/d"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
        }
    }
    for _ in range(2):
        response = client.get("/v1/buy/999999/")
        assert response.status_code == 404
        assert response.json() == {"error": "No item with this id is for sale."}
    assert "Rate limit buy not counted" in caplog.text


def test_workers_share_one_count_through_redis(client, settings):
    """This process spends the limit; a separate process (another worker) is refused."""
    prefix = f"store-test-{uuid.uuid4().hex}"
    settings.COMMERCE_BUY_RATE = "2/d"  # a day-long window, so the count cannot roll over
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    try:
        for _ in range(2):
            assert client.get("/v1/buy/999999/").status_code == 404
        code = (
            "from django.test import Client; "
            "r = Client(HTTP_HOST='localhost').get('/v1/buy/999999/'); "
            "print(r.status_code, r.get('Retry-After'))"
        )
        result = processes.manage(
            "shell",
            "-c",
            code,
            env=child_environment(
                DJANGO_SETTINGS_MODULE="config.settings.dev",
                REDIS_URL=REDIS_URL,
                CACHE_KEY_PREFIX=prefix,
                COMMERCE_BUY_RATE="2/d",
            ),
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        status, retry_after = result.stdout.strip().splitlines()[-1].split()
        assert status == "429" and int(retry_after) > 60
    finally:
        server = redis.Redis.from_url(REDIS_URL)
        for key in server.scan_iter(f"{prefix}:*"):
            server.delete(key)


def client_from(address):
    from django.test import Client

    return Client(REMOTE_ADDR=address)
