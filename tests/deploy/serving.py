"""Talking to a store and the Stripe emulator served by child processes, as a shopper and
Stripe's webhooks would: JSON over HTTP, bounded waits, and stopping what was started."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest


def get_json(url: str, data: dict | None = None) -> dict:
    """GET `url`, or POST `data` to it as JSON; the answer's JSON."""
    request = urllib.request.Request(
        url,
        data=json.dumps(data).encode() if data is not None else None,
        headers={"Content-Type": "application/json"},
        method="POST" if data is not None else "GET",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def wait_until(
    check: Callable[[], Any], timeout: float, what: str, process: subprocess.Popen | None = None
) -> Any:
    """`check()`'s first truthy answer within `timeout` seconds (connection errors count as
    not yet); fails the test on time out, or at once if `process` exits meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            pytest.fail(f"{what}: the process exited ({process.returncode})")
        try:
            result = check()
            if result:
                return result
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}")


def completed_checkout_deliveries(emulator_url: str) -> list[dict]:
    """The emulator's deliveries of `checkout.session.completed` the store answered 200."""
    attempts = get_json(emulator_url + "/_emulator/webhook_attempts")["data"]
    return [
        attempt
        for attempt in attempts
        if attempt["type"] == "checkout.session.completed" and attempt["status_code"] == 200
    ]


def stop_process_group(process: subprocess.Popen) -> None:
    """Stop a process started with `start_new_session=True` and its children, by its id:
    SIGTERM, then SIGKILL if it has not exited within 20 seconds."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return  # the whole group is gone already
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
