"""Shopper pages, uncached, as a ratio of a bare Wagtail page with the same base template,
measured in one process (Django's test client, no network) on a throwaway SQLite database
built from the migrations.

    .venv/bin/python -m tests.bench.pages [--seconds 3] [--items 300]
    .venv/bin/python -m tests.bench.pages --queries          # SQL per page, no timing
    .venv/bin/python -m tests.bench.pages --profile item     # cProfile of one page

The bare page is a plain Wagtail `Page` in the tree, served by Wagtail's own view with a
template that only extends `templates/base.html` (so the header's menu and site name
cost both sides the same); its template exists only in this benchmark. Every request
comes from a new visitor without cookies, as a load tool sends them, so a page that
creates a session or a CSRF cookie pays for it each time. The pages are measured in
alternating rounds so a busy machine slows all alike. The issue's target is 0.9.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

TARGET_RATIO = 0.9
BARE_TEMPLATE = """{% extends "base.html" %}
{% block content %}<h1>{{ page.title }}</h1><p>A bare Wagtail page.</p>{% endblock %}
"""


def setup_django(folder: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django
    from django.conf import settings

    templates = folder / "templates" / "wagtailcore"
    templates.mkdir(parents=True)
    (templates / "page.html").write_text(BARE_TEMPLATE)
    settings.DATABASES["default"]["NAME"] = str(folder / "bench.sqlite3")
    settings.DATABASES["default"]["TEST"] = {}
    settings.TEMPLATES[0]["DIRS"] = [folder / "templates", *settings.TEMPLATES[0]["DIRS"]]
    settings.MEDIA_ROOT = str(folder / "media")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


WORDS = ["mug", "lamp", "scarf", "kettle", "notebook", "basket", "candle", "poster"]


def build_shop(items: int) -> dict[str, str]:
    """Two catalogs in the menu with `items` pictured items between them, a default tax,
    and the bare page; returns the URLs to measure."""
    from wagtail.models import Page

    from commerce.models import ShopSettings, Tax
    from home.models import HomePage
    from tests.factories import CatalogPageFactory, ImageFactory, ItemPageFactory

    home = HomePage.objects.get(depth=2)
    home.intro = "<p>Welcome to the shop.</p>"
    home.save_revision().publish()
    catalogs = [CatalogPageFactory(parent=home, title=name) for name in ("Kitchen", "Living")]
    first_item = None
    for number in range(items):
        word = WORDS[number % len(WORDS)]
        item = ItemPageFactory(
            parent=catalogs[number % 2],
            title=f"{word.title()} {number}",
            description=f"<p>A fine {word} for every home, number {number}.</p>",
            sku=f"SKU-{number}",
            image=ImageFactory(),
        )
        first_item = first_item or item
    shop = ShopSettings.for_site(home.get_site())
    shop.save()
    shop.default_taxes.add(Tax.objects.create(name="Sales tax", rate="8.875"))
    bare = home.add_child(instance=Page(title="About us", slug="about-us"))
    return {
        "bare": bare.url,
        "home": "/",
        "catalog": catalogs[0].url,
        "item": first_item.url,
        "item list": "/v2/item/list/",
        "search": "/search/?query=mug",
        "cart page": "/v2/cart/",
    }


def new_visitor_get(url: str) -> Callable[[], None]:
    """A GET from a visitor without cookies (a load tool's request)."""
    from django.test import Client

    client = Client()

    def get() -> None:
        client.cookies.clear()
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    return get


def rate(call: Callable[[], None], seconds: float) -> tuple[int, float, float]:
    """Requests done in `seconds`, with the wall-clock and this process's CPU time taken."""
    done, start, cpu_start = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        call()
        done += 1
    return done, time.perf_counter() - start, time.process_time() - cpu_start


def measure(urls: dict[str, str], seconds: float, rounds: int) -> None:
    """Wall-clock rates, and rates per CPU second of this process: everything a request
    does here (SQLite included) runs in this process, so the CPU ratio holds steadier
    than the wall-clock one when other programs share the machine."""
    calls = {name: new_visitor_get(url) for name, url in urls.items()}
    for call in calls.values():  # warm up: renditions, templates, the site's root paths
        call()
        call()
    totals = {name: [0, 0.0, 0.0] for name in calls}
    per_target = seconds / rounds
    for _ in range(rounds):
        for name, call in calls.items():
            for index, value in enumerate(rate(call, per_target)):
                totals[name][index] += value
    rates = {name: (done / took, done / cpu) for name, (done, took, cpu) in totals.items()}
    bare_wall, bare_cpu = rates["bare"]
    print(f"{'page':12} {'requests/s':>10} {'ms':>6} {'ratio':>6} {'CPU ms':>7} {'CPU ratio':>9}")
    for name, (wall, cpu) in rates.items():
        ratio, cpu_ratio = wall / bare_wall, cpu / bare_cpu
        mark = "" if name == "bare" or min(ratio, cpu_ratio) >= TARGET_RATIO else "  below target"
        print(
            f"{name:12} {wall:10.1f} {1000 / wall:6.2f} {ratio:6.2f} {1000 / cpu:7.2f}"
            f" {cpu_ratio:9.2f}{mark}"
        )
    print(f"target: each page at least {TARGET_RATIO} of the bare page")


def count_queries(urls: dict[str, str]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for name, url in urls.items():
        call = new_visitor_get(url)
        call()
        with CaptureQueriesContext(connection) as captured:
            call()
        print(f"{name}: {len(captured)} queries")
        for query in captured.captured_queries:
            print(f"    {query['sql'][:160]}")


def profile(urls: dict[str, str], name: str, requests: int) -> None:
    call = new_visitor_get(urls[name])
    call()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        call()
    profiler.disable()
    stats = pstats.Stats(profiler).strip_dirs().sort_stats("cumulative")
    stats.print_stats(45)
    stats.sort_stats("tottime").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="measuring time per page")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--queries", action="store_true", help="print each page's SQL")
    parser.add_argument("--profile", metavar="PAGE", help="cProfile one page (e.g. item)")
    parser.add_argument("--only", help="comma-separated pages to time beside the bare one")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="store-bench-pages-") as folder:
        setup_django(Path(folder))
        urls = build_shop(arguments.items)
        if arguments.only:
            wanted = {"bare", *arguments.only.split(",")}
            urls = {name: url for name, url in urls.items() if name in wanted}
        if arguments.queries:
            count_queries(urls)
        elif arguments.profile:
            profile(urls, arguments.profile, 200)
        else:
            measure(urls, arguments.seconds, arguments.rounds)


if __name__ == "__main__":
    main()
