"""The store on a real Redis (127.0.0.1:6379), configured as REDIS_URL configures it: the
cache, the cached_db session store, the rate limits' counters and the cart's locks.

Each test keeps its keys in a Redis database of its own number under a prefix unique to
this run, and only those keys are deleted at the end, so a developer's or another run's
data in the same Redis is never touched. In CI (the `CI` variable set) an unreachable
Redis fails these tests; on a machine without one they are skipped, saying why.

A Redis that is down or never answers is simulated on ports of this machine: requests
then answer 503 (JSON for JSON clients, a short page otherwise) within the client's
timeouts instead of hanging or showing the 500 page.
"""

from __future__ import annotations

import json
import socket
import threading
import urllib.request
from collections.abc import Iterator
from http.cookiejar import CookieJar

import pytest
import redis
from django.contrib.auth import get_user_model
from django.test import Client

from commerce.cart import store
from commerce.cart.cart import user_cart_key
from config.settings.redis_cache import REDIS_TIMEOUT_SECONDS, redis_cache
from tests import processes
from tests.commerce.cart_helpers import add, cart_of
from tests.commerce.test_cart_concurrency import at_once, request_json
from tests.factories import ItemPageFactory

from .real_redis import CACHED_DB

pytestmark = pytest.mark.django_db


def keys(server: redis.Redis, prefix: str, containing: str = "") -> list[str]:
    return [key.decode() for key in server.scan_iter(f"{prefix}:*") if containing in key.decode()]


@pytest.fixture
def shopper(db):
    return get_user_model().objects.create_user("ada", "ada@example.com", "a long passphrase")


@pytest.fixture
def mug(catalog):
    return ItemPageFactory(parent=catalog, title="Enamel Mug", price_amount=1450)


@pytest.fixture
def tote(catalog):
    return ItemPageFactory(parent=catalog, title="Canvas Tote", price_amount=2000)


# --- What REDIS_URL configures ------------------------------------------------------------


def test_redis_url_makes_redis_the_cache_the_session_store_and_the_rate_limit_store():
    code = (
        "from django.conf import settings; import json; print(json.dumps(["
        "settings.CACHES['default'], settings.SESSION_ENGINE, settings.SESSION_CACHE_ALIAS,"
        "settings.RATELIMIT_USE_CACHE]))"
    )
    env = processes.child_environment(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        REDIS_URL="redis://redis.internal:6379/3",
        CACHE_KEY_PREFIX="shop-a",
    )
    result = processes.manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    cache, engine, session_cache, ratelimit_cache = json.loads(
        result.stdout.strip().splitlines()[-1]
    )
    assert cache == {
        "BACKEND": "config.redis_cache_backend.RedisCache",
        "LOCATION": "redis://redis.internal:6379/3",
        "KEY_PREFIX": "shop-a",
        "OPTIONS": {
            "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
            "socket_timeout": REDIS_TIMEOUT_SECONDS,
        },
    }
    assert engine == CACHED_DB
    assert session_cache == ratelimit_cache == "default"


def test_the_redis_cache_builds_its_client_once_and_works_through_it(on_redis, prefix):
    """Django's client built a redis-py client per call; ours keeps one per pool."""
    from django.core.cache import cache

    assert cache._cache.get_client() is cache._cache.get_client(write=True)
    cache.set("kept-client", {"n": 1}, 30)
    assert cache.get("kept-client") == {"n": 1}
    assert cache.add("kept-client", 2, 30) is False
    assert cache.get_many(["kept-client", "missing"]) == {"kept-client": {"n": 1}}
    cache.delete("kept-client")
    assert cache.get("kept-client") is None
    assert keys(on_redis, prefix, "kept-client") == []


def test_without_redis_url_sessions_stay_in_the_database_and_cache_url_is_refused():
    code = "from django.conf import settings; print(settings.SESSION_ENGINE)"
    env = processes.child_environment(DJANGO_SETTINGS_MODULE="config.settings.dev", REDIS_URL="")
    result = processes.manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "django.contrib.sessions.backends.db"

    env["CACHE_URL"] = "redis://127.0.0.1:6379/0"
    refused = processes.manage("check", env=env)
    assert refused.returncode != 0
    assert "CACHE_URL is no longer read: set REDIS_URL" in refused.stderr


# --- The store on Redis ----------------------------------------------------------------------


def test_a_cart_add_keeps_session_cart_copy_and_rate_count_in_redis(on_redis, prefix, mug):
    client = Client()
    response = add(client, mug, 2)
    assert response.status_code == 200, response.content
    assert [(line["itemId"], line["quantity"]) for line in cart_of(client)["lines"]] == [
        (mug.pk, 2)
    ]
    # The browser's session and the cart's record, whose cached_db copy the cart reads.
    assert len(keys(on_redis, prefix, "django.contrib.sessions.cached_db")) == 2
    assert keys(on_redis, prefix, ":rl:"), "the rate limit counted in Redis"
    assert keys(on_redis, prefix, "commerce:cart-lock:") == [], "the lock was released"


def test_with_cached_db_a_cart_record_has_one_copy_read_without_a_query(
    on_redis, prefix, mug, django_assert_num_queries
):
    """The engine's own cache copy of the record is the cart's copy: no second one."""
    client = Client()
    add(client, mug, 2)
    key = client.session["commerce_cart"]
    assert keys(on_redis, prefix, "commerce:cart-record:") == []
    with django_assert_num_queries(0):
        assert store.load(key)["lines"] == [[mug.pk, 2]]


def test_a_cart_record_read_without_its_copy_does_not_put_one_back(
    on_redis, prefix, mug, django_assert_num_queries
):
    """A read outside the cart's lock must not set the copy: a change under the lock may
    have written the record since that read, and the copy would then be older than it."""
    client = Client()
    add(client, mug, 2)
    key = client.session["commerce_cart"]
    [copy] = keys(on_redis, prefix, f"django.contrib.sessions.cached_db{key}")
    on_redis.delete(copy)
    with django_assert_num_queries(1):  # the record's row
        assert store.load(key)["lines"] == [[mug.pk, 2]]
    assert keys(on_redis, prefix, f"django.contrib.sessions.cached_db{key}") == []
    add(client, mug, 1)  # a change sets it again
    assert keys(on_redis, prefix, f"django.contrib.sessions.cached_db{key}") == [copy]


def test_the_cart_and_the_sign_in_survive_redis_losing_every_key(on_redis, prefix, shopper, mug):
    """Why cached_db and not the cache engine: Redis may evict keys or restart empty."""
    guest, member = Client(), Client()
    member.force_login(shopper)
    add(guest, mug, 1)
    add(member, mug, 3)

    for key in keys(on_redis, prefix):
        on_redis.delete(key)

    assert [line["quantity"] for line in cart_of(guest)["lines"]] == [1]
    assert [line["quantity"] for line in cart_of(member)["lines"]] == [3]
    assert int(member.session["_auth_user_id"]) == shopper.pk


def test_signing_in_merges_the_guest_cart_through_redis(on_redis, prefix, shopper, mug, tote):
    laptop = Client()
    laptop.force_login(shopper)
    add(laptop, mug)
    add(laptop, tote)

    phone = Client()
    add(phone, mug, 2)
    phone.force_login(shopper)

    expected = [(mug.pk, 3), (tote.pk, 1)]
    for client in (phone, laptop):
        assert [(line["itemId"], line["quantity"]) for line in cart_of(client)["lines"]] == (
            expected
        )
    assert "commerce_cart" not in phone.session


def test_a_cart_locked_in_redis_waits_then_answers_busy(
    on_redis, prefix, shopper, mug, monkeypatch
):
    """Another worker holding the cart's lock (a key in Redis) keeps this request out."""
    monkeypatch.setattr(store, "LOCK_WAIT_SECONDS", 0.2)
    client = Client()
    client.force_login(shopper)

    with store.locked(user_cart_key(shopper.pk)):
        assert len(keys(on_redis, prefix, "commerce:cart-lock:")) == 1
        response = add(client, mug)
        assert response.status_code == 503
        assert response.json() == {
            "error": "Your cart is busy with another change. Please try again."
        }

    assert keys(on_redis, prefix, "commerce:cart-lock:") == []
    assert add(client, mug).status_code == 200


def test_over_the_cart_rate_a_client_gets_429_counted_in_redis(on_redis, prefix, settings, mug):
    settings.COMMERCE_CART_RATE = "2/d"  # a day-long window: the count cannot roll over
    client = Client()
    assert [add(client, mug).status_code for _ in range(2)] == [200, 200]

    refused = add(Client(), mug)  # another browser from the same address
    assert refused.status_code == 429
    assert refused.json() == {"error": "Too many requests. Please wait a moment and try again."}
    assert int(refused["Retry-After"]) >= 1
    [counter] = keys(on_redis, prefix, ":rl:")
    assert int(on_redis.get(counter)) == 3


def test_pages_are_served_with_wagtails_caches_in_redis(on_redis, prefix, catalog, mug):
    client = Client()
    for url in ("/", catalog.url, mug.url, "/v2/item/list/", "/search/?query=mug"):
        response = client.get(url)
        assert response.status_code == 200, url
    assert b"Enamel Mug" in client.get("/v2/item/list/").content
    assert keys(on_redis, prefix, "wagtail_site_root_paths")
    assert client.get("/v2/cart/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_tabs_adding_at_once_lose_nothing_under_the_redis_lock(
    on_redis, live_server, catalog, settings
):
    # The live server (one per test session) loaded its session middleware, and with it
    # the engine, when it started under the test settings; the cart's store must use that
    # same engine. The cache, and so the cart's lock, is Redis.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    items = [ItemPageFactory(parent=catalog, title=f"Item {n}") for n in range(6)]
    cookies, token = open_cart(live_server)

    at_once(
        len(items),
        lambda n: request_json(
            live_server, "/v2/cart/add/", cookies, token, {"itemId": items[n].pk}
        ),
    )

    cart = request_json(live_server, "/v2/cart/", cookies, token)
    assert sorted(line["itemId"] for line in cart["lines"]) == sorted(i.pk for i in items)


def open_cart(live_server) -> tuple[str, str]:
    """A shopper's first look at their cart (as the page's badge asks for it): their
    session and CSRF cookies, as a header, and the token."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    request = urllib.request.Request(
        live_server.url + "/v2/cart/", headers={"Accept": "application/json"}
    )
    with opener.open(request, timeout=10) as answer:
        assert answer.status == 200
    cookies = {cookie.name: cookie.value for cookie in jar}
    assert "sessionid" in cookies and "csrftoken" in cookies
    return "; ".join(f"{name}={value}" for name, value in cookies.items()), cookies["csrftoken"]


# --- Redis down or silent ---------------------------------------------------------------------


def closed_port() -> int:
    """A port of this machine nothing listens on: connections are refused."""
    return processes.free_port()


@pytest.fixture
def silent_redis() -> Iterator[int]:
    """A port that accepts connections and never answers, like a hung Redis."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    yield listener.getsockname()[1]
    listener.close()


def redis_at(settings, port: int) -> None:
    settings.CACHES = {"default": redis_cache(f"redis://127.0.0.1:{port}/0", "down")}
    settings.SESSION_ENGINE = CACHED_DB


def test_with_redis_down_json_endpoints_answer_503_json(settings, mug):
    redis_at(settings, closed_port())
    response = add(Client(), mug)
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert "try again" in response.json()["error"]


def test_with_redis_down_pages_answer_503_with_retry_after(settings, home_page, mug):
    item_url = mug.url  # (the test's own URL lookup reads the cache too)
    redis_at(settings, closed_port())
    client = Client()
    for url in ("/", item_url):
        page = client.get(url)
        assert page.status_code == 503, url
        assert page["Retry-After"] == "10" and page["Cache-Control"] == "no-store"
        assert b"Back in a moment" in page.content
    as_json = client.get(item_url, HTTP_ACCEPT="application/json")
    assert as_json.status_code == 503
    assert "try again" in as_json.json()["error"]


def test_with_redis_down_cached_pages_answer_503_not_the_500_page(settings, home_page, mug):
    """The shared page cache reads Redis in a middleware, before any view: the project's
    500 handler tells an outage from a bug."""
    item_url = mug.url
    settings.COMMERCE_PAGE_CACHE_SECONDS = 300
    redis_at(settings, closed_port())
    client = Client(raise_request_exception=False)
    for url in ("/", item_url, "/v2/item/list/"):
        page = client.get(url)
        assert page.status_code == 503, url
        assert page["Retry-After"] == "10"
        assert b"Back in a moment" in page.content


def test_other_errors_still_get_the_500_page(rf):
    from config.redis_outage import server_error

    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        page = server_error(rf.get("/"))
    assert page.status_code == 500


@pytest.mark.django_db(transaction=True)
def test_a_redis_that_never_answers_gives_503_not_a_hang(settings, silent_redis, home_page, mug):
    item_url = mug.url
    redis_at(settings, silent_redis)
    answers: dict[str, int] = {}

    def shop() -> None:
        answers["add"] = add(Client(), mug).status_code
        answers["page"] = Client().get(item_url).status_code

    shopper = threading.Thread(target=shop, daemon=True)
    shopper.start()
    # Without the client's socket timeouts both requests would wait forever.
    shopper.join(timeout=60)
    assert not shopper.is_alive(), "a request hung on a Redis that never answers"
    assert answers == {"add": 503, "page": 503}
