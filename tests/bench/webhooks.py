"""Webhook throughput on PostgreSQL: fresh events that pay orders, then the same events
replayed, with two workers, and a check that every event was applied exactly once.

    .venv/bin/python -m tests.bench.webhooks [--events 600] [--workers 2] [--profile]
                                             [--queue-receipts] [--alternate-sending]

In one process (Django's test client, no network), on a throwaway PostgreSQL database with
persistent connections: each worker is a thread with its own client and connection, all
taking the next event from one shared list, so they meet on the same tables as two web
workers do. Half the events are `checkout.session.completed` (a Checkout order), half
`payment_intent.succeeded` (a Payment Element order), each signed as Stripe signs them,
each paying its own pending order; the receipt is sent after commit (to memory), as it
is without a task backend, or with `--queue-receipts` queued with the payment on
django-tasks-db as production does (no worker runs: this measures the web tier). The
replay round posts every event again: each must be answered as a duplicate without
touching its order. Threads share one interpreter, so the Python work of the two
workers is not parallel here as it is with two processes: the numbers are a floor.
`--profile` prints the SQL of one fresh event and one replay, and cProfile's top
functions over fresh events, instead of timing; `--alternate-sending` posts the fresh events
one at a time, alternating writes sent together and one statement at a time
(`tests/bench/sending.py`), and prints each way's time and CPU an event.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import threading
import time
from datetime import timedelta
from typing import Any

FRESH_TARGET = 300
REPLAY_TARGET = 800
SECRET = "whsec_test_usd_account"


def build_orders(count: int) -> list[tuple[str, dict[str, Any]]]:
    """`count` pending orders of one item, each with its live payment attempt; returns
    for each the event type and `data.object` Stripe sends once it is paid."""
    from django.utils import timezone

    from commerce.models import Order, OrderLine, Payment, PaymentMethod, PaymentStatus
    from commerce.payments.methods.payment_intent import OWN_INTENT_MARK
    from home.models import HomePage
    from tests.factories import CatalogPageFactory, ItemPageFactory

    home = HomePage.objects.get(depth=2)
    item = ItemPageFactory(
        parent=CatalogPageFactory(parent=home, title="Bench"), title="Mug", price_amount=1450
    )
    orders = Order.objects.bulk_create(
        Order(currency="USD", subtotal_amount=1450, total_amount=1450, shopper_key=f"s{n}")
        for n in range(count)
    )
    OrderLine.objects.bulk_create(
        OrderLine(order=order, item=item, title=item.title, unit_amount=1450) for order in orders
    )
    now = timezone.now()
    payments = []
    events = []
    for n, order in enumerate(orders):
        by_intent = n % 2 == 1
        stripe_id = f"pi_bench_{n}" if by_intent else f"cs_bench_{n}"
        payments.append(
            Payment(
                order=order,
                method=PaymentMethod.PAYMENT_INTENT
                if by_intent
                else PaymentMethod.CHECKOUT_SESSION,
                attempt=1,
                status=PaymentStatus.OPEN,
                stripe_account="default",
                stripe_id=stripe_id,
                url="" if by_intent else f"https://checkout.example/{stripe_id}",
                amount=1450,
                currency="USD",
                expires_at=now + timedelta(hours=1),
            )
        )
        reference = str(order.reference)
        if by_intent:
            events.append(
                (
                    "payment_intent.succeeded",
                    {
                        "id": stripe_id,
                        "object": "payment_intent",
                        "status": "succeeded",
                        "amount": 1450,
                        "amount_received": 1450,
                        "currency": "usd",
                        "receipt_email": f"shopper{n}@example.com",
                        "metadata": {**OWN_INTENT_MARK, "order_reference": reference},
                    },
                )
            )
        else:
            events.append(
                (
                    "checkout.session.completed",
                    {
                        "id": stripe_id,
                        "object": "checkout.session",
                        "status": "complete",
                        "payment_status": "paid",
                        "amount_total": 1450,
                        "currency": "usd",
                        "client_reference_id": reference,
                        "metadata": {"order_reference": reference},
                        "payment_intent": f"pi_of_{stripe_id}",
                        "customer_details": {"email": f"shopper{n}@example.com"},
                    },
                )
            )
    Payment.objects.bulk_create(payments)
    return events


def signed_deliveries(events: list[tuple[str, dict[str, Any]]]) -> list[tuple[bytes, str]]:
    from tests.stripe_signing import event_payload, signature_header

    deliveries = []
    for n, (event_type, data_object) in enumerate(events):
        payload = event_payload(f"evt_bench_{n}", event_type, data_object)
        deliveries.append((payload, signature_header(payload, SECRET)))
    return deliveries


def post(client: Any, delivery: tuple[bytes, str]) -> dict[str, Any]:
    payload, signature = delivery
    response = client.post(
        "/stripe/webhook/",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": signature},
    )
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def run_workers(deliveries: list[tuple[bytes, str]], workers: int) -> tuple[float, list[bool]]:
    """Post every delivery once, `workers` threads taking the next one in turn; returns
    the seconds it took and whether each was answered as a duplicate."""
    from django.db import connection
    from django.test import Client

    duplicates: list[bool] = [False] * len(deliveries)
    cursor = iter(range(len(deliveries)))
    lock = threading.Lock()
    errors: list[BaseException] = []
    ready = threading.Barrier(workers + 1)

    def work() -> None:
        client = Client()
        connection.ensure_connection()
        ready.wait()
        try:
            while True:
                with lock:
                    index = next(cursor, None)
                if index is None:
                    return
                duplicates[index] = post(client, deliveries[index])["duplicate"]
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    ready.wait()
    start, cpu_start = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.join()
    took = time.perf_counter() - start
    run_workers.cpu_seconds = time.process_time() - cpu_start  # type: ignore[attr-defined]
    if errors:
        raise errors[0]
    return took, duplicates


def exactly_once_problems(count: int, queued: bool = False) -> list[str]:
    """What is wrong with the database after `count` events each paid one order (each
    with its receipt sent, or `queued` for the task worker)."""
    from django.core import mail
    from django_tasks_db.models import DBTaskResult

    from commerce.models import (
        Order,
        OrderStatus,
        OrderStatusChange,
        Payment,
        PaymentEvent,
        PaymentStatus,
        Refund,
    )

    problems = []
    checks: list[tuple[str, int]] = [
        ("events stored", PaymentEvent.objects.count()),
        ("events applied", PaymentEvent.objects.exclude(processed_at=None).count()),
        ("orders paid", Order.objects.filter(status=OrderStatus.PAID).count()),
        ("payments succeeded", Payment.objects.filter(status=PaymentStatus.SUCCEEDED).count()),
        ("changes to paid", OrderStatusChange.objects.filter(to_status=OrderStatus.PAID).count()),
        ("receipts sent", len(getattr(mail, "outbox", []))),
    ]
    if queued:
        receipts = DBTaskResult.objects.filter(task_path="commerce.receipts.send_receipt_task")
        checks[-1] = ("receipts queued", receipts.count())
    for what, found in checks:
        if found != count:
            problems.append(f"{what}: {found}, expected {count}")
    if Refund.objects.exists():
        problems.append(f"refunds: {Refund.objects.count()}, expected 0")
    return problems


def profile(deliveries: list[tuple[bytes, str]]) -> None:
    """The SQL of one fresh event and of its replay, then cProfile over fresh events."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    for name, delivery in (("fresh", deliveries[0]), ("replay", deliveries[0])):
        with CaptureQueriesContext(connection) as captured:
            post(client, delivery)
        print(f"--- {name} {json.loads(delivery[0])['type']}: {len(captured)} queries")
        for query in captured.captured_queries:
            print("   ", query["sql"][:220])
    for name, delivery in (("fresh", deliveries[1]), ("replay", deliveries[1])):
        with CaptureQueriesContext(connection) as captured:
            post(client, delivery)
        print(f"--- {name} {json.loads(delivery[0])['type']}: {len(captured)} queries")
        for query in captured.captured_queries:
            print("   ", query["sql"][:220])
    profiler = cProfile.Profile(time.process_time)  # CPU: waits for PostgreSQL left out
    profiler.enable()
    for delivery in deliveries[2:]:
        post(client, delivery)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def alternate_sending(deliveries: list[tuple[bytes, str]]) -> None:
    """Every fresh event posted in turn, alternating the ways its writes are sent."""
    from django.test import Client

    from tests.bench import sending

    client = Client()
    for delivery in deliveries[:4]:  # both paths warm
        post(client, delivery)
    remaining = iter(deliveries[4:])

    def time_and_cpu() -> tuple[float, float]:
        cpu_started, started = time.thread_time(), time.perf_counter()
        assert not post(client, next(remaining))["duplicate"]
        return (time.perf_counter() - started) * 1000, (time.thread_time() - cpu_started) * 1000

    sending.alternate(time_and_cpu, (len(deliveries) - 4) // 2, "fresh event")


def report(name: str, count: int, seconds: float, target: int) -> float:
    rate = count / seconds
    verdict = "meets" if rate >= target else "is below"
    cpu_ms = run_workers.cpu_seconds / count * 1000  # type: ignore[attr-defined]
    print(
        f"{name:7} {count:5} events in {seconds:6.2f} s: {rate:7.1f} events/s ({verdict} "
        f"{target}), {cpu_ms:.1f} ms of this process's CPU an event"
    )
    return rate


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=600, help="fresh events (one per order)")
    parser.add_argument("--workers", type=int, default=2, help="threads posting at once")
    parser.add_argument("--profile", action="store_true", help="print SQL and cProfile instead")
    parser.add_argument(
        "--queue-receipts",
        action="store_true",
        help="queue receipts on django-tasks-db with each payment (production) instead",
    )
    parser.add_argument(
        "--alternate-sending",
        action="store_true",
        help="alternate writes sent together and one statement at a time instead",
    )
    arguments = parser.parse_args(argv)

    from tests.bench.throwaway_pg import setup_django, throwaway_database

    with throwaway_database() as database_url:
        setup_django(database_url)
        if arguments.queue_receipts:
            from django.test.utils import override_settings

            backend = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
            override_settings(TASKS=backend).enable()
        events = build_orders(arguments.events)
        deliveries = signed_deliveries(events)
        if arguments.profile:
            profile(deliveries)
            return
        if arguments.alternate_sending:
            alternate_sending(deliveries)
            return
        # One event of each kind first, so both paths are warm (imports, templates).
        warm = deliveries[:2]
        run_workers(warm, 1)
        fresh = deliveries[2:]
        took, duplicates = run_workers(fresh, arguments.workers)
        assert not any(duplicates), "a fresh event was answered as a duplicate"
        report("fresh", len(fresh), took, FRESH_TARGET)
        took, duplicates = run_workers(deliveries, arguments.workers)
        assert all(duplicates), "a replayed event was applied again"
        report("replay", len(deliveries), took, REPLAY_TARGET)
        problems = exactly_once_problems(len(deliveries), arguments.queue_receipts)
        print("exactly once:", "yes" if not problems else "NO: " + "; ".join(problems))
        if problems:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
