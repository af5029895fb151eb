"""Cart-add throughput as a ratio of a bare Django view that writes the session, measured
in one run, in one process (Django's test client, no network), on a throwaway SQLite
database built from the migrations.

    .venv/bin/python -m tests.bench.cart_add [--seconds 6]

What each side does, per request; both go through the project's whole middleware stack
with the test settings (`config.settings.test`: the `db` session engine, SQLite in WAL
mode, this process's memory as the cache) and each keeps its own session cookie:

- bare: `POST /bench/bare/` (`tests/bench/urls.py`, CSRF-exempt) reads the session (one
  SELECT), adds one to a counter in it and answers `{"count": n}`; the session middleware
  saves the session through the engine (`SessionStore.save`: one UPDATE in a transaction).
- cart add: `POST /v2/cart/add/` with a JSON body `{"itemId": n}`, the CSRF cookie and its
  `X-CSRFToken` header, the token checked (the client enforces CSRF checks). It reads the
  session (one SELECT) for the cart's pointer, takes the cart's lock in the cache, reads
  the cart's record from its cache copy, checks the item is for sale (offers cached in
  the shared cache and in memory behind their stamp), adds one, writes the record (one
  UPDATE of its session row, `commerce/cart/rows.py`) and its cache copy, releases the
  lock, prices the whole cart through the pricing pipeline (twenty lines, a default tax,
  the discount code WELCOME10) and answers `{"itemId", "added", "quantity", "cart"}`
  with every line and amount (about 3.4 kB). The browser session itself is not saved:
  only the cart's record changed. Only the rate limit is off (the bench adds far faster
  than any shopper may).

The two are measured in many short alternating rounds, so a busy machine slows both
alike; the ratio is of the total requests per second of each. In production the cache
is Redis, where each cache read is a round trip. The target ratio is 0.7; the run says
whether it is met. `measure` returns the numbers, `cart_add_ratio` only the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

TARGET_RATIO = 0.7
ITEMS = 20
# Rounds per second of measuring: each side runs for 1 / (2 * ROUNDS_PER_SECOND) s at a
# time, short enough that load from other processes falls on both alike.
ROUNDS_PER_SECOND = 4
MIN_ROUNDS = 6


@dataclass(frozen=True)
class Measurement:
    bare_rate: float
    add_rate: float

    @property
    def ratio(self) -> float:
        return self.add_rate / self.bare_rate


def setup_django(database: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = str(database)
    settings.DATABASES["default"]["TEST"] = {}
    settings.ROOT_URLCONF = "tests.bench.urls"
    settings.COMMERCE_CART_RATE = ""
    # Adds cycle through the items for as long as the run lasts: no line may reach its cap.
    settings.COMMERCE_CART_MAX_QUANTITY = 10**9
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build_shop() -> list[int]:
    """A catalog of items, a default tax and a discount code, as a real shop has."""
    from commerce.models import Discount, ShopSettings, Tax
    from home.models import HomePage
    from tests.factories import CatalogPageFactory, ItemPageFactory

    home = HomePage.objects.get(depth=2)
    catalog = CatalogPageFactory(parent=home, title="Bench")
    items = [ItemPageFactory(parent=catalog, title=f"Item {n}") for n in range(ITEMS)]
    shop = ShopSettings.for_site(home.get_site())
    shop.save()
    shop.default_taxes.add(Tax.objects.create(name="Sales tax", rate="8.875"))
    Discount.objects.create(name="Welcome", code="WELCOME10", percent_off=10)
    return [item.pk for item in items]


def rate(call: Callable[[], None], seconds: float) -> tuple[int, float]:
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        call()
        done += 1
    return done, time.perf_counter() - start


def measure(seconds: float = 6.0) -> Measurement:
    """Both sides in alternating rounds for `seconds` in all, on a throwaway database."""
    with tempfile.TemporaryDirectory(prefix="store-bench-") as folder:
        setup_django(Path(folder) / "bench.sqlite3")
        item_ids = build_shop()
        from django.conf import settings
        from django.test import Client

        bare_client = Client()
        cart_client = Client(enforce_csrf_checks=True)
        token = secrets.token_hex(16)  # a CSRF secret the cookie carries, sent back in the header
        cart_client.cookies[settings.CSRF_COOKIE_NAME] = token
        added = {"count": 0}

        def bare() -> None:
            assert bare_client.post("/bench/bare/").status_code == 200

        def post_json(path: str, body: dict) -> dict:
            response = cart_client.post(
                path,
                json.dumps(body),
                content_type="application/json",
                HTTP_ACCEPT="application/json",
                HTTP_X_CSRFTOKEN=token,
            )
            assert response.status_code == 200, response.content
            return response.json()

        def add() -> None:
            item_id = item_ids[added["count"] % len(item_ids)]
            added["count"] += 1
            post_json("/v2/cart/add/", {"itemId": item_id})

        post_json("/v2/cart/add/", {"itemId": item_ids[0]})
        post_json("/v2/cart/discount/", {"code": "WELCOME10"})
        for _ in item_ids:
            add()
        cart = post_json("/v2/cart/add/", {"itemId": item_ids[0]})["cart"]
        # The answer measured is the whole priced cart: every line, the discount, the tax.
        assert len(cart["lines"]) == ITEMS and cart["discount"] > 0 and cart["tax"] > 0, cart
        bare()
        totals = {"bare": [0, 0.0], "add": [0, 0.0]}
        rounds = max(MIN_ROUNDS, round(seconds * ROUNDS_PER_SECOND))
        for _ in range(rounds):
            for name, call in (("bare", bare), ("add", add)):
                done, took = rate(call, seconds / rounds / 2)
                totals[name][0] += done
                totals[name][1] += took
    return Measurement(
        bare_rate=totals["bare"][0] / totals["bare"][1],
        add_rate=totals["add"][0] / totals["add"][1],
    )


def cart_add_ratio(seconds: float = 6.0) -> float:
    """Cart adds per second over bare session writes per second, from one run."""
    return measure(seconds).ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="measuring time in all")
    arguments = parser.parse_args()
    result = measure(arguments.seconds)
    print(f"bare session write: {result.bare_rate:8.1f} requests/s")
    print(f"cart add:           {result.add_rate:8.1f} requests/s")
    verdict = "meets" if result.ratio >= TARGET_RATIO else "is below"
    print(f"ratio {result.ratio:.2f}: {verdict} the target of {TARGET_RATIO}")


if __name__ == "__main__":
    main()
