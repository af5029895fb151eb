"""`make run`'s server step for real: the store and the Stripe emulator, wired together.

Runs `bin/run-dev` with the documented defaults of envs/.env.dist (so a developer's own
`.env` cannot change the outcome) on free ports and a throwaway database, buys an item,
pays on the emulator, and waits for the emulator's signed webhook to mark the order paid.
"""

from __future__ import annotations

import sqlite3
import subprocess
import urllib.request

import pytest

from tests.deploy.serving import (
    completed_checkout_deliveries,
    get_json,
    stop_process_group,
    wait_until,
)
from tests.processes import PROJECT_ROOT, child_environment, free_port, manage


def documented_defaults() -> dict[str, str]:
    values = {}
    for line in (PROJECT_ROOT / "envs" / ".env.dist").read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            name, _, value = line.partition("=")
            values[name] = value
    return values


def test_run_dev_serves_the_demo_store_and_webhooks_mark_orders_paid(tmp_path):
    database = tmp_path / "db.sqlite3"
    env = child_environment(**documented_defaults())
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        DATABASE_URL=f"sqlite:///{database}",
        MEDIA_ROOT=str(tmp_path / "media"),
        PORT=str(free_port()),
        EMULATOR_PORT=str(free_port()),
        DJANGO_SUPERUSER_PASSWORD="run-dev-test-password",
    )
    for step in (["migrate", "--noinput"], ["load_demo_store"]):
        done = manage(*step, env=env)
        assert done.returncode == 0, done.stderr

    store = f"http://127.0.0.1:{env['PORT']}"
    emulator = f"http://127.0.0.1:{env['EMULATOR_PORT']}"
    server = subprocess.Popen(
        ["bin/run-dev"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        wait_until(
            lambda: urllib.request.urlopen(store + "/", timeout=2).status == 200, 60, "store"
        )
        assert get_json(emulator + "/_emulator/health") == {"status": "ok"}

        with sqlite3.connect(database) as connection:
            (item_id,) = connection.execute(
                "SELECT page_ptr_id FROM commerce_itempage WHERE currency = 'EUR' LIMIT 1"
            ).fetchone()
        bought = get_json(f"{store}/v1/buy/{item_id}/")
        assert bought["url"].startswith(emulator + "/c/pay/")
        paid = get_json(f"{emulator}/_emulator/checkout/sessions/{bought['sessionId']}/pay", {})
        assert paid["status"] == "complete"

        [delivery] = wait_until(lambda: completed_checkout_deliveries(emulator), 20, "the webhook")
        assert delivery["account"] == "eur"
        with sqlite3.connect(database) as connection:
            (status,) = connection.execute(
                "SELECT status FROM commerce_order WHERE id = ?", (bought["orderId"],)
            ).fetchone()
        assert status == "paid"
    finally:
        stop_process_group(server)
    output = server.stdout.read()
    assert "Stripe emulator (test mode, no real payments)" in output
    # Nothing of ours is left listening.
    with pytest.raises(OSError):
        urllib.request.urlopen(emulator + "/_emulator/health", timeout=2)
