"""The benchmark harness's own pieces: reading wrk, alternating rounds, the exactly-once
check, the table, the signed events and the Stripe timing. Nothing here is timed and
nothing starts a server: `make bench` does that."""

from __future__ import annotations

import json
import time

import pytest
import stripe

from tests.bench import (
    events,
    exactly_once,
    interleave,
    receipt_log,
    report,
    run,
    servers,
    stripe_timing,
    wrk,
)
from tests.bench.seed import PendingOrder

WRK_OUTPUT = """\
Running 2s test @ http://127.0.0.1:8000/shop/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    18.25ms    6.01ms  61.20ms   74.00%
    Req/Sec   219.61     31.22   280.00     70.00%
  Latency Distribution
     50%  812.00us
     75%   20.10ms
     90%   25.40ms
     99%    1.02s
  878 requests in 2.01s, 14.20MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:    436.82
Transfer/sec:      7.06MB
"""


def test_wrk_output_is_read_with_its_units():
    result = wrk.parse_output(WRK_OUTPUT)

    assert result.requests == 878
    assert result.seconds == pytest.approx(2.01)
    assert result.rate == pytest.approx(878 / 2.01)
    assert result.latency_ms == {50: 0.812, 75: 20.1, 90: 25.4, 99: 1020.0}
    assert result.failed == 4
    assert result.socket_errors == 3


def test_a_clean_wrk_run_has_no_failures():
    clean = "\n".join(
        line for line in WRK_OUTPUT.splitlines() if "errors" not in line and "Non-2xx" not in line
    )
    result = wrk.parse_output(clean)
    assert (result.failed, result.socket_errors) == (0, 0)


def test_output_without_a_request_count_is_refused():
    with pytest.raises(wrk.WrkError):
        wrk.parse_output("unable to connect to 127.0.0.1:8000 Connection refused")
    with pytest.raises(wrk.WrkError):
        wrk.milliseconds("12 parsecs")


def test_the_wrk_command_names_the_script_and_passes_its_arguments(monkeypatch):
    monkeypatch.setattr(wrk.shutil, "which", lambda name: "/usr/bin/wrk")
    line = wrk.command(
        "http://127.0.0.1:1/stripe/webhook/",
        1.6,
        script="webhooks.lua",
        connections=4,
        threads=8,
        script_arguments=["events.txt", "2", "fresh"],
    )

    assert line[0] == "/usr/bin/wrk"
    assert "--threads=4" in line and "--connections=4" in line and "--duration=2s" in line
    assert f"--script={wrk.LUA_FOLDER / 'webhooks.lua'}" in line
    assert line[-5:] == ["http://127.0.0.1:1/stripe/webhook/", "--", "events.txt", "2", "fresh"]
    assert (wrk.LUA_FOLDER / "webhooks.lua").is_file()
    assert (wrk.LUA_FOLDER / "session_post.lua").is_file()


def fake_result(requests: int, seconds: float = 1.0) -> wrk.WrkResult:
    return wrk.WrkResult(requests=requests, seconds=seconds, latency_ms={50: 2.0})


def test_rounds_alternate_baseline_and_target_and_add_up():
    calls = []

    def measure(name, requests):
        def run_once():
            calls.append(name)
            return fake_result(requests)

        return run_once

    tallies = interleave.interleaved(
        [("baseline", measure("baseline", 400)), ("target", measure("target", 300))], rounds=3
    )

    assert calls == ["baseline", "target"] * 3
    assert tallies["baseline"].requests == 1200 and tallies["target"].seconds == 3.0
    assert tallies["target"].p50_ms == [2.0, 2.0, 2.0]
    assert interleave.ratio(tallies["target"], tallies["baseline"]) == pytest.approx(0.75)


def test_each_round_adds_the_servers_cpu_it_used_to_its_own_tally():
    used = {"seconds": 0.0}

    def measure(requests, cpu_seconds):
        def run_once():
            used["seconds"] += cpu_seconds  # the server's work during this round
            return fake_result(requests)

        return run_once

    tallies = interleave.interleaved(
        [("baseline", measure(400, 2.0)), ("target", measure(200, 1.5))],
        rounds=2,
        cpu=lambda: used["seconds"],
    )

    assert tallies["baseline"].cpu_seconds == pytest.approx(4.0)
    assert tallies["baseline"].cpu_ms == pytest.approx(5.0)  # 4 s over 800 requests
    assert tallies["target"].cpu_ms == pytest.approx(7.5)  # 3 s over 400 requests
    without = interleave.interleaved([("baseline", measure(400, 2.0))], rounds=1)
    assert without["baseline"].cpu_seconds == 0.0


def snapshot(stored, paid, signals):
    return exactly_once.Snapshot(stored, frozenset(paid), tuple(signals))


def test_events_applied_exactly_once_pass_the_check():
    after = snapshot(3, {1, 2, 3}, [2, 1, 3])
    assert exactly_once.problems(3, after, after) == []


@pytest.mark.parametrize(
    ("acknowledged", "after_fresh", "after_replays", "complaint"),
    [
        (4, snapshot(3, {1, 2, 3}, [1, 2, 3]), snapshot(3, {1, 2, 3}, [1, 2, 3]), "only 3 stored"),
        (3, snapshot(3, {1, 2}, [1, 2]), snapshot(3, {1, 2}, [1, 2]), "2 orders paid"),
        (3, snapshot(3, {1, 2, 3}, [1, 2, 3]), snapshot(3, {1, 2, 3}, [1, 2, 3, 2]), "more than"),
        (3, snapshot(3, {1, 2, 3}, [1, 2]), snapshot(3, {1, 2, 3}, [1, 2]), "never announced"),
        (3, snapshot(3, {1, 2, 3}, [1, 2, 3]), snapshot(4, {1, 2, 3}, [1, 2, 3]), "again"),
        (2, snapshot(2, {1, 2}, [1, 2, 9]), snapshot(2, {1, 2}, [1, 2, 9]), "not paid"),
    ],
)
def test_the_exactly_once_check_names_what_went_wrong(
    acknowledged, after_fresh, after_replays, complaint
):
    found = exactly_once.problems(acknowledged, after_fresh, after_replays)
    assert any(complaint in problem for problem in found), found


def test_each_paid_order_with_one_receipt_passes_the_receipt_check():
    assert exactly_once.receipt_problems(frozenset({1, 2, 3}), (3, 1, 2)) == []


@pytest.mark.parametrize(
    ("paid", "receipts", "complaint"),
    [
        ({1, 2, 3}, (1, 2, 3, 2), "more than one receipt: [2]"),
        ({1, 2, 3}, (1, 3), "1 paid orders got no receipt: [2]"),
        ({1, 2}, (1, 2, 7), "not paid: [7]"),
    ],
)
def test_the_receipt_check_names_what_went_wrong(paid, receipts, complaint):
    found = exactly_once.receipt_problems(frozenset(paid), receipts)
    assert any(complaint in problem for problem in found), found


def test_the_bench_mail_backend_logs_each_receipts_order(tmp_path, monkeypatch):
    from django.core.mail import EmailMessage

    log = tmp_path / "receipts.log"
    monkeypatch.setenv("BENCH_RECEIPT_LOG", str(log))
    backend = receipt_log.ReceiptLogBackend()
    subjects = ["Your receipt from Shop: order #12", "Your receipt from Shop: order #7"]
    sent = backend.send_messages([EmailMessage(subject, "", to=["a@b.c"]) for subject in subjects])
    backend.send_messages([EmailMessage("Your receipt from Shop: order #12", "", to=["a@b.c"])])

    assert sent == 2
    assert receipt_log.read(log) == (12, 7, 12)
    assert exactly_once.receipt_problems(frozenset({7, 12}), receipt_log.read(log)) == [
        "orders sent more than one receipt: [12]"
    ]
    assert receipt_log.read(tmp_path / "none.log") == ()


def test_cpu_is_counted_for_a_process_tree_and_none_for_a_database_without_backends():
    import os
    import subprocess
    import sys

    child = subprocess.Popen(
        [sys.executable, "-c", "sum(range(3_000_000)); input()"], stdin=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 10
        while servers._cpu_seconds(child.pid) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        own, of_child = servers._cpu_seconds(os.getpid()), servers._cpu_seconds(child.pid)
        assert of_child > 0
        assert servers.tree_cpu_seconds(os.getpid()) >= own + of_child
    finally:
        child.communicate(b"\n", timeout=10)
    assert servers._cpu_seconds(child.pid) == 0, "a process that is gone counts nothing"
    assert servers.database_cpu_by_process("store_bench_no_such_database") == {}


def test_cpu_spent_never_drops_when_a_process_ends():
    readings = iter(
        [
            {10: 1.0, 11: 2.0},
            {10: 1.5, 11: 2.5},
            {10: 2.0},  # 11 has ended: a sum of the live ones would drop to 2.0
            {10: 2.0, 12: 0.5},
        ]
    )
    spent = servers.CpuSpent(lambda: next(readings), lambda: {20: 1.0})

    assert [spent() for _ in range(4)] == pytest.approx([4.0, 5.0, 5.5, 6.0])


def test_the_table_lines_up_its_columns_and_says_which_goals_are_met():
    text = report.table(
        [
            report.Row("home", "400 req/s", "420 req/s", "0.95", "≥ 0.9", True),
            report.Row("search, 2,000 vs 14 items", "80 req/s", "", "2.10× time", "≤ 1.5", False),
            report.Row("item (page cache)", "n/a", goal="≥ 3"),
        ]
    )
    header, rule, *rows = text.splitlines()

    assert header.split() == ["target", "result", "baseline", "ratio", "goal", "met"]
    assert set(rule.replace(" ", "")) == {"-"}
    assert rows[0].endswith("yes") and rows[1].endswith("NO") and rows[2].endswith("n/a")
    assert len({row.index("≥") if "≥" in row else row.index("≤") for row in rows}) == 1


def test_signed_events_verify_with_the_secret_and_pay_their_order(tmp_path):
    order = PendingOrder("5f0c8d9e-0000-4000-8000-000000000001", "cs_test_bench_abc", 1250, "USD")
    event_id, body = events.checkout_completed(order, 7)
    path = tmp_path / "events.txt"
    events.write_events_file(path, [body, body], "whsec_bench")

    lines = path.read_text().splitlines()
    assert len(lines) == 2
    signature, sent = lines[0].split("\t")
    stripe.WebhookSignature.verify_header(sent, signature, "whsec_bench", tolerance=300)
    event = json.loads(sent)
    assert event["id"] == event_id and event["type"] == "checkout.session.completed"
    assert event["data"]["object"]["id"] == "cs_test_bench_abc"
    assert event["data"]["object"]["amount_total"] == 1250
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.WebhookSignature.verify_header(sent, signature, "whsec_other", tolerance=300)


def test_stripe_time_is_reported_per_request(monkeypatch):
    class FakeClient:
        def request_with_retries(self, *args, **kwargs):
            return "answer"

    clock = iter([10.0, 10.25, 11.0, 11.5])
    monkeypatch.setattr(stripe_timing.time, "perf_counter", lambda: next(clock))
    stripe_timing.install(FakeClient)
    stripe_timing.install(FakeClient)  # a second install does not time twice

    def view(request):
        assert FakeClient().request_with_retries("get", "/v1/x") == "answer"
        assert FakeClient().request_with_retries("get", "/v1/y") == "answer"
        from django.http import HttpResponse

        return HttpResponse("ok")

    response = stripe_timing.StripeTimeHeaderMiddleware(view)(object())
    assert response[stripe_timing.HEADER] == "750.000"


def test_only_known_parts_can_be_chosen():
    assert run.parse_arguments(["--only", "webhooks,item"]).chosen == {"webhooks", "item"}
    assert run.wanted(set(), "buy") and not run.wanted({"webhooks"}, "buy")
    with pytest.raises(SystemExit):
        run.parse_arguments(["--only", "everything"])
    assert run.Plan.for_run(quick=True).rounds < run.Plan.for_run(quick=False).rounds * 2


def test_the_task_worker_runs_during_the_webhook_rounds_unless_asked_otherwise():
    assert run.parse_arguments([]).receipts_after_rounds is False
    assert run.parse_arguments(["--receipts-after-rounds"]).receipts_after_rounds is True
    assert run.TASKS_BACKEND == "django_tasks_db.DatabaseBackend"


@pytest.mark.django_db
def test_items_seeded_in_bulk_are_proper_pages_of_the_tree(catalog):
    from wagtail.models import Page

    from commerce.models import ItemPage
    from tests.bench import seed
    from tests.factories import ImageFactory, ItemPageFactory

    ItemPageFactory(parent=catalog, title="Made by an editor")
    seed.add_items(catalog, 0, 30, [ImageFactory()])
    ItemPageFactory(parent=Page.objects.get(pk=catalog.pk).specific, title="Added after")

    assert Page.find_problems() == ([], [], [], [], [])
    catalog.refresh_from_db()
    assert catalog.numchild == 32
    items = ItemPage.objects.live().child_of(catalog)
    assert items.count() == 32
    first = items.get(slug="item-0")
    assert first.title == seed.item_title(0) and first.image is not None
    assert first.url == f"{catalog.url}item-0/"
    # In the search index, where a tenth of the catalog has the searched word in its title.
    found = ItemPage.objects.live().child_of(catalog).search(seed.SEARCH_WORD)
    assert {item.slug for item in found} == {"item-0", "item-10", "item-20"}
