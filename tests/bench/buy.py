"""Buy overhead on PostgreSQL: what `GET /v1/buy/<id>/` costs beyond its Stripe calls.

    .venv/bin/python -m tests.bench.buy [--buys 200] [--profile | --alternate-sending]

In one process (Django's test client, no network to the store), on a throwaway PostgreSQL
database with persistent connections, against the offline Stripe emulator running in a
thread. Each buy is a new shopper without cookies (a new session, a new order, a new
Checkout Session) for an item with a picture, in a shop with a default tax (its Stripe
TaxRate made by the first buys). Every request stripe-python makes is timed; the
overhead is the request's time minus that. `--profile` prints the SQL of one buy and
cProfile's top functions over the buys instead; `--alternate-sending` alternates buys whose
rows are sent together with buys that send one statement at a time (`tests/bench/sending.py`).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time
from dataclasses import dataclass

GOAL_MS = 10.0


def build_shop() -> int:
    """An item with a picture in a shop with a default tax; its id."""
    from commerce.models import ShopSettings, Tax
    from home.models import HomePage
    from tests.factories import CatalogPageFactory, ImageFactory, ItemPageFactory

    home = HomePage.objects.get(depth=2)
    catalog = CatalogPageFactory(parent=home, title="Bench")
    item = ItemPageFactory(parent=catalog, title="Mug", price_amount=1450, image=ImageFactory())
    shop = ShopSettings.for_site(home.get_site())
    shop.save()
    shop.default_taxes.add(Tax.objects.create(name="Sales tax", rate="8.875"))
    return item.pk


@dataclass(frozen=True)
class Buy:
    seconds: float
    stripe_seconds: float
    cpu_seconds: float
    queries: int


def buy(item_id: int) -> Buy:
    """One buy by a new shopper: its time in all and in Stripe calls, the CPU time of the
    thread that served it (the emulator runs in others) and its SQL statements."""
    from django.db import connection
    from django.test import Client

    from tests.bench import stripe_timing

    queries = 0

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    stripe_timing._stripe_seconds.set(0.0)
    client = Client()
    cpu_started = time.thread_time()
    started = time.perf_counter()
    with connection.execute_wrapper(count):
        response = client.get(f"/v1/buy/{item_id}/", HTTP_ACCEPT="application/json")
    took = time.perf_counter() - started
    cpu = time.thread_time() - cpu_started
    assert response.status_code == 200, response.content
    return Buy(took, stripe_timing._stripe_seconds.get(), cpu, queries)


def profile(item_id: int, buys: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        buy(item_id)
    print(f"--- one buy: {len(captured)} queries")
    for query in captured.captured_queries:
        print("   ", query["sql"][:200])
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(buys):
        buy(item_id)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buys", type=int, default=200, help="buys measured")
    parser.add_argument("--profile", action="store_true", help="print SQL and cProfile instead")
    parser.add_argument(
        "--alternate-sending",
        action="store_true",
        help="alternate rows sent together and one statement at a time instead",
    )
    arguments = parser.parse_args(argv)

    from stripe_emulator.testing import RunningEmulator
    from tests.bench.throwaway_pg import setup_django, throwaway_database

    with throwaway_database() as database_url, RunningEmulator() as emulator:
        setup_django(database_url)
        from django.conf import settings

        from tests.bench import stripe_timing

        settings.STRIPE_API_BASE = emulator.base_url
        stripe_timing.install()
        item_id = build_shop()
        for _ in range(5):  # the TaxRate made, imports and templates warm
            buy(item_id)
        if arguments.profile:
            profile(item_id, arguments.buys)
            return
        if arguments.alternate_sending:
            from tests.bench import sending

            def overhead_and_cpu() -> tuple[float, float]:
                each = buy(item_id)
                return (each.seconds - each.stripe_seconds) * 1000, each.cpu_seconds * 1000

            sending.alternate(overhead_and_cpu, arguments.buys, "buy overhead")
            return
        buys = [buy(item_id) for _ in range(arguments.buys)]
    overheads = [(each.seconds - each.stripe_seconds) * 1000 for each in buys]
    median = statistics.median(overheads)
    verdict = "meets" if median <= GOAL_MS else "is above"
    print(
        f"buy: {arguments.buys} buys, overhead beyond Stripe {median:.1f} ms median "
        f"(p90 {statistics.quantiles(overheads, n=10)[-1]:.1f} ms), "
        f"Stripe calls {statistics.median(each.stripe_seconds for each in buys) * 1000:.1f} ms "
        f"median: {verdict} the goal of {GOAL_MS:g} ms"
    )
    cpu = statistics.median(each.cpu_seconds for each in buys) * 1000
    queries = statistics.median(each.queries for each in buys)
    print(
        f"     CPU of the serving thread {cpu:.1f} ms median (Stripe's client included), "
        f"{queries:g} SQL statements a buy"
    )


if __name__ == "__main__":
    main()
