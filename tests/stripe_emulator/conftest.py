"""Fixtures for the emulator's tests: one server per worker, reset before every test."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from stripe_emulator.testing import RunningEmulator


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[RunningEmulator]:
    """The emulator, started once per test worker on a free port."""
    running = RunningEmulator(webhook_retry_base_seconds=0.05, webhook_max_retry_seconds=2.0)
    yield running
    running.stop()


@pytest.fixture
def emulator(emulator_server: RunningEmulator) -> RunningEmulator:
    """The emulator with empty state and no webhook endpoints."""
    emulator_server.reset(clear_webhooks=True)
    return emulator_server


def make_client(emulator: RunningEmulator, key: str = "sk_test_usd") -> stripe.StripeClient:
    """A stripe-python client aimed at the emulator, without automatic retries."""
    return stripe.StripeClient(
        api_key=key, base_addresses={"api": emulator.base_url}, max_network_retries=0
    )


@pytest.fixture
def client(emulator: RunningEmulator) -> stripe.StripeClient:
    """Client for account ``usd``."""
    return make_client(emulator)


class WebhookReceiver:
    """A local HTTP endpoint recording webhook deliveries; it can fail the first few."""

    def __init__(self, fail_first: int = 0) -> None:
        self.deliveries: list[tuple[bytes, str]] = []
        self.fail_first = fail_first
        self.calls = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls += 1
                status = 500 if receiver.calls <= receiver.fail_first else 200
                if status == 200:
                    receiver.deliveries.append((body, self.headers["Stripe-Signature"]))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/webhook"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()

    def event_types(self) -> list[str]:
        """Types of the events received so far."""
        return [json.loads(body)["type"] for body, _ in self.deliveries]

    def stop(self) -> None:
        """Stop listening."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """A webhook receiver that accepts everything."""
    running = WebhookReceiver()
    yield running
    running.stop()
