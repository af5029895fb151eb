"""``python -m stripe_emulator``: run the emulator until SIGTERM or SIGINT."""

from __future__ import annotations

import signal
import sys
import threading

from stripe_emulator.config import parse
from stripe_emulator.emulator import Emulator
from stripe_emulator.server import make_server


def main(argv: list[str] | None = None) -> int:
    """Start the server, print where it listens, and stop cleanly on a signal."""
    settings = parse(argv)
    emulator = Emulator(
        webhook_retry_base_seconds=settings.webhook_retry_base_seconds,
        webhook_max_retry_seconds=settings.webhook_max_retry_seconds,
    )
    for account, url in settings.webhooks.items():
        emulator.webhooks.configure(account, url, settings.webhook_secrets.get(account))
    server = make_server(emulator, settings.host, settings.port)
    emulator.start()
    stop_requested = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stop_requested.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2})
    thread.start()
    print(f"Stripe emulator listening on {emulator.base_url}", flush=True)
    while not stop_requested.wait(0.5):
        pass
    server.stopping.set()
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()
    emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
