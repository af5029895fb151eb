"""`make bench`: the store's speed against its baselines, through gunicorn and wrk, in one run.

    .venv/bin/python -m tests.bench.run [--quick] [--only NAME[,NAME...]]

Starts what it needs and stops it again: a throwaway database (PostgreSQL when one
answers on 127.0.0.1:5432, else SQLite), the offline Stripe emulator, and gunicorn as
docker/entrypoint.sh runs it (two workers, GUNICORN_THREADS each) with the bench settings
(tests/bench/settings.py: production's, over plain HTTP). It seeds a catalog, then
measures each target against its baseline in alternating short rounds and prints one
table. See README, "Benchmark", for what each line means. Exits non-zero only when
something broke (a server that would not start, an answer that was not 2xx, events
applied twice), never because a goal was missed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import database, exactly_once, receipt_log, servers, wrk
from .interleave import Tally, interleaved, ratio
from .report import Row, rate, table

PAGE_RATIO_GOAL = 0.9
CACHED_RATIO_GOAL = 3.0
SEARCH_TIME_RATIO_GOAL = 1.5
BUY_OVERHEAD_GOAL_MS = 10.0
FRESH_WEBHOOKS_GOAL = 300.0
REPLAYED_WEBHOOKS_GOAL = 800.0
CART_ADD_RATIO_GOAL = 0.7
# How the webhook rounds run background work, as docker-compose.yml does.
TASKS_BACKEND = "django_tasks_db.DatabaseBackend"
TASK_DRAIN_SECONDS = 180.0

ITEMS = 2_000
SMALL_CATALOG_ITEMS = 14
# The page cache's setting (seconds a page is kept; 0 = off) in the store's settings.
PAGE_CACHE_SETTING = "COMMERCE_PAGE_CACHE_SECONDS"
PAGE_CACHE_SECONDS = 300
PAGE_CACHE_HEADER = "X-Page-Cache"  # "hit" on a page served from the cache
# The setting that keeps pages of search hits in the shared cache (bench settings read it
# from the environment); off for the search-scale rounds, which measure the index.
SEARCH_HITS_SETTING = "COMMERCE_CACHE_SEARCH_HITS"

SECTIONS = ("pages", "cached", "search-scale", "buy", "webhooks", "cart-add")
PAGES = ("home", "catalog", "item", "item-list", "search", "cart-page")


class Broken(RuntimeError):
    """Something did not work: the run cannot be trusted."""


@dataclass(frozen=True)
class Plan:
    """How long each part of the run measures."""

    rounds: int
    round_seconds: float
    buys: int
    webhook_seconds: float

    @classmethod
    def for_run(cls, quick: bool) -> Plan:
        if quick:
            return cls(rounds=2, round_seconds=1, buys=15, webhook_seconds=2)
        return cls(rounds=3, round_seconds=2, buys=60, webhook_seconds=5)


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short rounds, for trying it out")
    parser.add_argument(
        "--only",
        default="",
        help=f"comma-separated parts to run: {', '.join(SECTIONS + PAGES)}",
    )
    parser.add_argument(
        "--sqlite", action="store_true", help="use SQLite even when PostgreSQL answers"
    )
    parser.add_argument(
        "--receipts-after-rounds",
        action="store_true",
        help="start the webhooks' task worker only after their rounds (default: during them)",
    )
    arguments = parser.parse_args(argv)
    chosen = {name.strip() for name in arguments.only.split(",") if name.strip()}
    unknown = chosen - set(SECTIONS) - set(PAGES)
    if unknown:
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    arguments.chosen = chosen
    return arguments


def wanted(chosen: set[str], *names: str) -> bool:
    return not chosen or any(name in chosen for name in names)


# The machine


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def wrk_version() -> str:
    found = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    return (found.stdout or found.stderr).split(" Copyright")[0].strip()


def redis_url() -> str:
    """The local Redis when it answers (production's shared cache), else "" (memory)."""
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        return url
    except Exception:
        return ""


def forget_cached(url: str, prefix: str) -> None:
    """Delete what the run left in Redis (sessions, pages, locks): its keys only."""
    if not url:
        return
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])


# HTTP


def fetch(url: str, *, accept: str = "text/html") -> tuple[int, dict[str, str], bytes, float]:
    """GET `url` without cookies: status, headers, body, seconds taken."""
    request = urllib.request.Request(url, headers={"Accept": accept})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
            status, headers = response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        body, status, headers = error.read(), error.code, dict(error.headers)
    return status, headers, body, time.perf_counter() - started


def warm_up(base: str, paths: list[str]) -> None:
    """Ask each page a few times (each worker renders it once, fills its caches, opens its
    connections), and make sure every one answers 200."""
    for path in paths:
        for _ in range(2 * servers.WORKERS + 2):
            status, _, body, _ = fetch(base + path)
            if status != 200:
                raise Broken(f"GET {path} answered {status}: {body[:300]!r}")


def measure(url: str, seconds: float, **options) -> Callable[[], wrk.WrkResult]:
    def run() -> wrk.WrkResult:
        result = wrk.run(url, seconds, **options)
        if result.failed or result.socket_errors:
            raise Broken(
                f"{url}: {result.failed} answers were not 2xx/3xx and "
                f"{result.socket_errors} socket errors in {result.requests} requests"
            )
        return result

    return run


def with_latency(tally: Tally) -> str:
    """ "412 req/s, p50 18 ms": the rate and the median of the rounds' median latencies."""
    if not tally.p50_ms:
        return rate(tally.rate)
    return f"{rate(tally.rate)}, p50 {statistics.median(tally.p50_ms):.0f} ms"


def page_rows(
    targets: list[tuple[str, str]],
    baseline_url: str,
    plan: Plan,
    goal: float,
    label: str,
    cpu: Callable[[], float] | None = None,
    notes: list[str] | None = None,
) -> list[Row]:
    """Each (name, url) target against the bare page, in rounds of its own. With `cpu`
    (the CPU seconds the server of both has used so far), a line of `notes` gives each
    page's CPU a request beside the bare page's."""
    rows, costs = [], []
    for name, url in targets:
        tallies = interleaved(
            [
                ("baseline", measure(baseline_url, plan.round_seconds)),
                ("target", measure(url, plan.round_seconds)),
            ],
            plan.rounds,
            cpu,
        )
        target, baseline = tallies["target"], tallies["baseline"]
        if cpu is not None and target.cpu_ms:
            costs.append(
                f"{name} {target.cpu_ms:.1f} ms against {baseline.cpu_ms:.1f} "
                f"({baseline.cpu_ms / target.cpu_ms:.2f})"
            )
        share = ratio(target, baseline)
        rows.append(
            Row(
                f"{name}{label}",
                with_latency(target),
                with_latency(baseline),
                f"{share:.2f}",
                f"≥ {goal:g}",
                share >= goal,
            )
        )
    if costs and notes is not None:
        notes.append(
            "pages: CPU a request (gunicorn and PostgreSQL), against the bare page's in the "
            "same rounds (the ratio, as the rate's): " + "; ".join(costs)
        )
    return rows


# The parts of a run


class Run:
    """One benchmark run: the database, the processes and what they measured."""

    def __init__(self, arguments: argparse.Namespace, folder: Path) -> None:
        self.arguments = arguments
        self.plan = Plan.for_run(arguments.quick)
        self.folder = folder
        self.rows: list[Row] = []
        self.notes: list[str] = []

    def environment(self, db: database.Database, emulator_port: int) -> dict[str, str]:
        emulator = f"http://127.0.0.1:{emulator_port}"
        self.cache_url = redis_url()
        overrides = {
            "DJANGO_SETTINGS_MODULE": "tests.bench.settings",
            "DATABASE_URL": db.url,
            "DATABASE_CONN_MAX_AGE": os.environ.get("DATABASE_CONN_MAX_AGE", "60"),
            "ALLOWED_HOSTS": "127.0.0.1",
            "STATIC_ROOT": str(self.folder / "static"),
            "MEDIA_ROOT": str(self.folder / "media"),
            "REDIS_URL": self.cache_url,
            "CACHE_KEY_PREFIX": f"store-bench-{os.getpid()}",
            "STRIPE_API_BASE": emulator,
            "STRIPE_JS_URL": f"{emulator}/clover/stripe.js",
            "STRIPE_SECRET_KEY": "sk_test_usd",
            "STRIPE_PUBLISHABLE_KEY": "pk_test_usd",
            "STRIPE_WEBHOOK_SECRET": "whsec_bench_usd",
            "STRIPE_SECRET_KEY_EUR": "sk_test_eur",
            "STRIPE_PUBLISHABLE_KEY_EUR": "pk_test_eur",
            "STRIPE_WEBHOOK_SECRET_EUR": "whsec_bench_eur",
            "BENCH_PAID_LOG": str(self.folder / "paid.log"),
            "BENCH_RECEIPT_LOG": str(self.folder / "receipts.log"),
            # Receipts sent by the web process after commit (the default), whatever .env
            # says; the webhook rounds have their own gunicorn and task worker.
            "TASKS_BACKEND": "",
            PAGE_CACHE_SETTING: "0",
        }
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("PYTEST", "DJANGO_")) and name != "CACHE_URL"
        }
        env.update(overrides)
        root = str(servers.PROJECT_ROOT)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        return env

    def execute(self) -> int:
        chosen = self.arguments.chosen
        with database.throwaway(self.folder, not self.arguments.sqlite) as db:
            emulator_port, web_port, cached_port = (servers.free_port() for _ in range(3))
            env = self.environment(db, emulator_port)
            self.machine = self.describe_machine(db, env)
            print("\n".join(self.machine), flush=True)
            self.load_at_start = self.load_average()
            os.environ.update(env)
            try:
                return self.measure_all(db, env, emulator_port, web_port, cached_port, chosen)
            finally:
                from django.db import connections

                connections.close_all()
                forget_cached(self.cache_url, env["CACHE_KEY_PREFIX"])

    def describe_machine(self, db: database.Database, env: dict[str, str]) -> list[str]:
        cache = "Redis" if self.cache_url else "each worker's memory (no Redis)"
        return [
            f"machine:  {os.cpu_count()} cores, {cpu_model()}, {platform.system()}",
            f"python:   {platform.python_version()}, {wrk_version()}",
            f"server:   gunicorn, {servers.WORKERS} workers of "
            f"{env.get('GUNICORN_THREADS', '1')} threads, tests.bench.settings "
            f"(production, DEBUG off), DATABASE_CONN_MAX_AGE={env['DATABASE_CONN_MAX_AGE']}",
            f"database: {db.label}; cache: {cache}",
            f"load:     wrk, {wrk.CONNECTIONS} connections, {self.plan.rounds} rounds of "
            f"{self.plan.round_seconds:g} s per side, baseline and target alternating",
        ]

    @staticmethod
    def load_average() -> str:
        """What else the machine was doing: the 1-minute load average (cores busy)."""
        try:
            return f"{os.getloadavg()[0]:.1f}"
        except OSError:
            return "unknown"

    def measure_all(
        self,
        db: database.Database,
        env: dict[str, str],
        emulator_port: int,
        web_port: int,
        cached_port: int,
        chosen: set[str],
    ) -> int:
        started = time.monotonic()
        self.prepare_database()
        from . import seed

        shop = seed.build_shop(SMALL_CATALOG_ITEMS)
        self.progress(f"seeded {SMALL_CATALOG_ITEMS} items", started)
        base = f"http://127.0.0.1:{web_port}"
        bare_url = base + shop.bare_path
        logs = self.folder
        with contextlib.ExitStack() as running:
            running.enter_context(servers.emulator(emulator_port, env, logs / "emulator.log"))
            web = running.enter_context(servers.gunicorn(web_port, env, logs / "gunicorn.log"))
            database_name = db.url.rsplit("/", 1)[-1]
            server_cpu = servers.CpuSpent(
                lambda: servers.tree_cpu_by_process(web.pid),
                lambda: servers.database_cpu_by_process(database_name),
            )
            search_path = f"/search/?query={seed.SEARCH_WORD}"
            small_search = None
            if wanted(chosen, "search-scale"):
                # The search's own cost at each catalog size: a gunicorn of its own that
                # asks the index on every search (the store keeps a page of hits cached).
                search_port = servers.free_port()
                search_base = f"http://127.0.0.1:{search_port}"
                search_env = {**env, SEARCH_HITS_SETTING: "false"}
                running.enter_context(
                    servers.gunicorn(search_port, search_env, logs / "gunicorn-search.log")
                )
                search_bare_url = search_base + shop.bare_path
                warm_up(search_base, [shop.bare_path, search_path])
                small_search = self.search_rounds(search_bare_url, search_base + search_path)
                self.progress("searched the small catalog", started)
            from commerce.models import CatalogPage

            seed.add_items(
                CatalogPage.objects.get(slug="shop"),
                SMALL_CATALOG_ITEMS,
                ITEMS - SMALL_CATALOG_ITEMS,
            )
            self.progress(f"seeded {ITEMS} items", started)
            pages = {
                "home": shop.home_path,
                "catalog": shop.catalog_path,
                "item": shop.item_path,
                "item-list": "/v2/item/list/",
                "search": search_path,
                "cart-page": "/v2/cart/",
            }
            chosen_pages = [
                (name, path) for name, path in pages.items() if wanted(chosen, "pages", name)
            ]
            warm_up(base, [shop.bare_path, *pages.values()])
            if chosen_pages:
                self.rows += page_rows(
                    [(name, base + path) for name, path in chosen_pages],
                    bare_url,
                    self.plan,
                    PAGE_RATIO_GOAL,
                    "",
                    cpu=server_cpu,
                    notes=self.notes,
                )
                self.progress("measured the pages", started)
            if small_search is not None:
                self.rows.append(
                    self.search_scale_row(small_search, search_bare_url, search_base + search_path)
                )
            if wanted(chosen, "cached"):
                self.rows += self.cached_rows(env, cached_port, pages, bare_url)
                self.progress("measured the page cache", started)
            if wanted(chosen, "cart-add"):
                self.rows.append(self.cart_add_row(base, shop.item_ids))
                self.progress("measured cart adds", started)
            if wanted(chosen, "buy"):
                self.rows.append(self.buy_row(base, shop.item_ids[0], db))
                self.progress("measured buys", started)
            if wanted(chosen, "webhooks"):
                self.rows += self.webhook_rows(env, shop.item_ids[0], db)
                self.progress("measured webhooks", started)
        print()
        print("\n".join(self.machine))
        load = f"load average {self.load_at_start} at the start, {self.load_average()} at the end"
        print(f"busy:     {load}")
        print()
        print(table(self.rows))
        for note in self.notes:
            print(f"* {note}")
        print(f"\n({time.monotonic() - started:.0f} s in all)")
        return 0

    @staticmethod
    def progress(what: str, started: float) -> None:
        print(f"  {time.monotonic() - started:5.0f} s  {what}", flush=True)

    def prepare_database(self) -> None:
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)

    # Search at two catalog sizes

    def search_rounds(self, bare_url: str, search_url: str) -> dict[str, Tally]:
        return interleaved(
            [
                ("baseline", measure(bare_url, self.plan.round_seconds)),
                ("target", measure(search_url, self.plan.round_seconds)),
            ],
            self.plan.rounds,
        )

    def search_scale_row(self, small: dict[str, Tally], bare_url: str, search_url: str) -> Row:
        """The search's time at 2,000 items over its time at 14, with no page of hits
        cached (every request asks the index), each as a multiple of the bare page's time
        measured beside it (so a busier moment does not count)."""
        large = self.search_rounds(bare_url, search_url)
        small_time = small["baseline"].rate / small["target"].rate
        large_time = large["baseline"].rate / large["target"].rate
        time_ratio = large_time / small_time
        return Row(
            f"search, {ITEMS:,} vs {SMALL_CATALOG_ITEMS} items",
            rate(large["target"].rate),
            rate(small["target"].rate),
            f"{time_ratio:.2f}× time",
            f"≤ {SEARCH_TIME_RATIO_GOAL:g}× time",
            time_ratio <= SEARCH_TIME_RATIO_GOAL,
        )

    # The page cache

    def cached_rows(
        self, env: dict[str, str], port: int, pages: dict[str, str], bare_url: str
    ) -> list[Row]:
        """The shared pages served by a second gunicorn with the page cache on, against the
        bare page served uncached by the first. The cart page is each shopper's own and
        never cached, so it has no line here."""
        from django.conf import settings

        shared = {name: path for name, path in pages.items() if name != "cart-page"}
        goal = f"≥ {CACHED_RATIO_GOAL:g}"
        if not hasattr(settings, PAGE_CACHE_SETTING):
            self.notes.append(f"the store has no {PAGE_CACHE_SETTING} setting: no page cache")
            return [Row(f"{name} (page cache)", "n/a", goal=goal) for name in shared]
        cached_env = {**env, PAGE_CACHE_SETTING: str(PAGE_CACHE_SECONDS)}
        base = f"http://127.0.0.1:{port}"
        rows, served_from_cache = [], []
        with servers.gunicorn(port, cached_env, self.folder / "gunicorn-cached.log"):
            warm_up(base, list(shared.values()))
            for name, path in shared.items():
                _, headers, _, _ = fetch(base + path)
                if headers.get(PAGE_CACHE_HEADER) == "hit":
                    served_from_cache.append((name, base + path))
                else:
                    rows.append(Row(f"{name} (page cache)", "not served from cache", goal=goal))
            rows = (
                page_rows(
                    served_from_cache, bare_url, self.plan, CACHED_RATIO_GOAL, " (page cache)"
                )
                + rows
            )
        return rows

    # Cart add

    def cart_add_row(self, base: str, item_ids: list[int]) -> Row:
        """Cart adds against a bare view that writes the session, each wrk connection one
        shopper keeping its session cookie (tests/bench/lua/session_post.lua)."""
        from django.contrib.sessions.models import Session

        sessions_before = Session.objects.count()
        options = {"script": "session_post.lua", "threads": wrk.CONNECTIONS}
        items = ",".join(str(pk) for pk in item_ids)
        tallies = interleaved(
            [
                (
                    "baseline",
                    measure(
                        base + "/bench/bare/",
                        self.plan.round_seconds,
                        script_arguments=["/bench/bare/"],
                        **options,
                    ),
                ),
                (
                    "target",
                    measure(
                        base + "/v2/cart/add/",
                        self.plan.round_seconds,
                        script_arguments=["/v2/cart/add/", items],
                        **options,
                    ),
                ),
            ],
            self.plan.rounds,
        )
        runs = 2 * self.plan.rounds
        new_sessions = Session.objects.count() - sessions_before
        if new_sessions > 2 * wrk.CONNECTIONS * runs:
            raise Broken(
                f"cart add rounds made {new_sessions} sessions: the session cookie was not kept"
            )
        share = ratio(tallies["target"], tallies["baseline"])
        return Row(
            "cart add",
            rate(tallies["target"].rate),
            rate(tallies["baseline"].rate) + " (session write)",
            f"{share:.2f}",
            f"≥ {CART_ADD_RATIO_GOAL:g}",
            share >= CART_ADD_RATIO_GOAL,
        )

    # Buy

    def buy_row(self, base: str, item_id: int, db: database.Database) -> Row:
        """Buys one after another, each a new shopper (a new order and Checkout Session):
        the request's time minus the time its Stripe calls took (the bench app's header)."""
        from .stripe_timing import HEADER

        overheads, stripe_times = [], []
        for number in range(self.plan.buys + 3):
            status, headers, body, seconds = fetch(
                f"{base}/v1/buy/{item_id}/", accept="application/json"
            )
            if status != 200:
                raise Broken(f"buy answered {status}: {body[:300]!r}")
            stripe_ms = float(headers.get(HEADER, "nan"))
            if number >= 3:  # the first buys also create the tax rate at Stripe
                overheads.append(seconds * 1000 - stripe_ms)
                stripe_times.append(stripe_ms)
        overhead = statistics.median(overheads)
        goal_applies = db.is_postgresql
        if not goal_applies:
            self.notes.append("the buy goal is for PostgreSQL; this run used SQLite")
        return Row(
            "buy overhead beyond Stripe",
            f"{overhead:.1f} ms median",
            f"Stripe calls {statistics.median(stripe_times):.1f} ms",
            "",
            f"≤ {BUY_OVERHEAD_GOAL_MS:g} ms (PostgreSQL)",
            overhead <= BUY_OVERHEAD_GOAL_MS if goal_applies else None,
        )

    # Webhooks

    def webhook_rows(self, env: dict[str, str], item_id: int, db: database.Database) -> list[Row]:
        """Fresh and replayed events posted to a gunicorn set up as production runs it:
        receipts queued with each payment on django-tasks-db and sent by a `db_worker`
        process, which runs during the rounds (or, with --receipts-after-rounds, starts
        only after them). Afterwards the queue is drained and every paid order must have
        got exactly one receipt."""
        port = servers.free_port()
        tasks_env = {**env, "TASKS_BACKEND": TASKS_BACKEND}
        base = f"http://127.0.0.1:{port}"
        worker_log = self.folder / "worker.log"
        during = not self.arguments.receipts_after_rounds
        database_name = db.url.rsplit("/", 1)[-1]
        with contextlib.ExitStack() as running:
            web = running.enter_context(
                servers.gunicorn(port, tasks_env, self.folder / "gunicorn-webhooks.log")
            )
            if during:
                worker = running.enter_context(servers.task_worker(tasks_env, worker_log))

            web_cpu = servers.CpuSpent(lambda: servers.tree_cpu_by_process(web.pid))
            database_cpu = servers.CpuSpent(lambda: servers.database_cpu_by_process(database_name))

            def cpu() -> tuple[float, float]:
                return web_cpu(), database_cpu()

            rows = self.webhook_rounds(base, item_id, db, cpu)
            if not during:
                worker = running.enter_context(servers.task_worker(tasks_env, worker_log))
            drained = self.drain_tasks(started=time.monotonic())
            after = self.webhook_snapshot()
            receipts = receipt_log.read(env["BENCH_RECEIPT_LOG"])
            worker_cpu = servers.tree_cpu_seconds(worker.pid)
        if receipts:
            self.notes.append(
                f"webhooks: the task worker used {worker_cpu / len(receipts) * 1000:.1f} ms "
                "of CPU a receipt, over its whole run"
            )
        found = exactly_once.receipt_problems(after.paid_orders, receipts)
        if found:
            raise Broken("receipts not sent exactly once: " + "; ".join(found))
        when = "during the rounds" if during else "started after the rounds"
        self.notes.append(
            f"webhooks: each receipt queued with its payment (django-tasks-db) and sent by "
            f"one db_worker process {when}; its queue was empty {drained:.1f} s after them"
        )
        rows.append(
            Row(
                "webhooks, exactly once",
                f"{after.stored_events:,} events, {len(after.paid_orders):,} orders paid, "
                f"{len(after.paid_signals):,} order_paid, {len(receipts):,} receipts",
                goal="each once",
                met=True,
            )
        )
        return rows

    def webhook_rounds(
        self,
        base: str,
        item_id: int,
        db: database.Database,
        cpu: Callable[[], tuple[float, float]],
    ) -> list[Row]:
        """The fresh round, then the replayed one, and their rows. Raises `Broken` when an
        event was not applied exactly once. `cpu` tells the CPU seconds the web server and
        the database have used so far: their use per fresh event goes into the notes, a
        measure that depends less than the rates on what else the machine is doing."""
        from commerce.models import PaymentEvent

        from . import events, seed

        count = int(max(FRESH_WEBHOOKS_GOAL * 4, 1500) * self.plan.webhook_seconds)
        orders = seed.create_pending_orders(count, item_id, "default")
        signed = [events.checkout_completed(order, n) for n, order in enumerate(orders)]
        bodies = {event_id: body for event_id, body in signed}
        fresh_file = self.folder / "fresh-events.txt"
        events.write_events_file(fresh_file, list(bodies.values()), "whsec_bench_usd")
        cpu_before = cpu()
        fresh = measure(
            base + "/stripe/webhook/",
            self.plan.webhook_seconds,
            script="webhooks.lua",
            script_arguments=[str(fresh_file), str(wrk.THREADS), "fresh"],
        )()
        time.sleep(1)  # deliveries in flight when the round ended finish
        cpu_after = cpu()
        after_fresh = self.webhook_snapshot()
        if after_fresh.stored_events:
            web_ms, database_ms = (
                (after - before) / after_fresh.stored_events * 1000
                for before, after in zip(cpu_before, cpu_after, strict=True)
            )
            self.notes.append(
                f"webhooks: CPU a fresh event: web {web_ms:.1f} ms (gunicorn), "
                f"database {database_ms:.1f} ms (PostgreSQL, every client of the run's database)"
            )
        fresh_rate, acknowledged = fresh.rate, fresh.requests
        if after_fresh.stored_events >= count:
            # Each wrk thread repeats its last event (a duplicate) until it stops: all the
            # events took at most the round's time, a rate no lower than this.
            fresh_rate, acknowledged = count / fresh.seconds, count
            self.notes.append("the fresh webhook round used all its events: its rate is a floor")
        stored = list(PaymentEvent.objects.values_list("stripe_event_id", flat=True))
        replay_file = self.folder / "replayed-events.txt"
        events.write_events_file(
            replay_file, [bodies[event_id] for event_id in stored], "whsec_bench_usd"
        )
        replays = measure(
            base + "/stripe/webhook/",
            self.plan.webhook_seconds,
            script="webhooks.lua",
            script_arguments=[str(replay_file), str(wrk.THREADS), "replay"],
        )()
        time.sleep(1)
        after_replays = self.webhook_snapshot()
        found = exactly_once.problems(acknowledged, after_fresh, after_replays)
        if found:
            raise Broken("webhooks not applied exactly once: " + "; ".join(found))
        goal_applies = db.is_postgresql
        if not goal_applies:
            self.notes.append("the webhook goals are for PostgreSQL; this run used SQLite")
        rows = [
            Row(
                "webhooks, fresh",
                f"{fresh_rate:,.0f} events/s",
                goal=f"≥ {FRESH_WEBHOOKS_GOAL:g}/s",
                met=fresh_rate >= FRESH_WEBHOOKS_GOAL if goal_applies else None,
            ),
            Row(
                "webhooks, replayed",
                f"{replays.rate:,.0f} events/s",
                goal=f"≥ {REPLAYED_WEBHOOKS_GOAL:g}/s",
                met=replays.rate >= REPLAYED_WEBHOOKS_GOAL if goal_applies else None,
            ),
        ]
        return rows

    @staticmethod
    def drain_tasks(started: float, timeout: float = TASK_DRAIN_SECONDS) -> float:
        """Wait until the task worker has run everything queued; the seconds it took.
        Raises `Broken` when it has not within `timeout`, or a task failed."""
        from django_tasks_db.models import DBTaskResult

        waiting = DBTaskResult.objects.filter(status__in=["READY", "RUNNING"])
        while waiting.exists():
            if time.monotonic() - started > timeout:
                raise Broken(
                    f"the task worker left {waiting.count()} tasks queued after {timeout:.0f} s"
                )
            time.sleep(0.2)
        failed = DBTaskResult.objects.filter(status="FAILED")
        if failed.exists():
            first = failed.first()
            raise Broken(
                f"{failed.count()} background tasks failed, e.g. {first.task_path}: "
                f"{first.exception_class_path}"
            )
        return time.monotonic() - started

    def webhook_snapshot(self):
        from commerce.models import Order, OrderStatus, PaymentEvent

        from .exactly_once import Snapshot

        log = Path(os.environ["BENCH_PAID_LOG"])
        signals = tuple(int(line) for line in log.read_text().split()) if log.exists() else ()
        return Snapshot(
            stored_events=PaymentEvent.objects.count(),
            paid_orders=frozenset(
                Order.objects.filter(status=OrderStatus.PAID).values_list("pk", flat=True)
            ),
            paid_signals=signals,
        )


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed: `make bench` installs Debian's wrk", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="store-bench-") as folder:
        try:
            return Run(arguments, Path(folder)).execute()
        except (Broken, servers.ServerError, wrk.WrkError) as error:
            print(f"\nbench FAILED: {error}", file=sys.stderr)
            return 1


if __name__ == "__main__":
    sys.exit(main())
