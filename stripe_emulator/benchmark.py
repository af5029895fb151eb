"""Throughput benchmark: concurrent clients creating and retrieving PaymentIntents.

``python -m stripe_emulator.benchmark --clients 8 --seconds 10`` starts an emulator in a
child process (so clients and server do not share one interpreter lock) unless ``--url``
points at a running one. Each client keeps one HTTP/1.1 connection alive and alternates
``POST /v1/payment_intents`` with ``GET /v1/payment_intents/{id}``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

BODY = "amount=2000&currency=usd&automatic_payment_methods[enabled]=true&metadata[order]=1"


@dataclass
class ClientResult:
    """Latencies in seconds and the number of failed requests of one client."""

    latencies: list[float] = field(default_factory=list)
    failures: int = 0


def _client(host: str, port: int, deadline: float, account: str, result: ClientResult) -> None:
    connection = http.client.HTTPConnection(host, port, timeout=10)
    headers = {
        "Authorization": f"Bearer sk_test_{account}",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    while time.monotonic() < deadline:
        started = time.perf_counter()
        connection.request("POST", "/v1/payment_intents", body=BODY, headers=headers)
        answer = connection.getresponse()
        created = json.loads(answer.read())
        result.latencies.append(time.perf_counter() - started)
        if answer.status != 200:
            result.failures += 1
            continue
        started = time.perf_counter()
        connection.request("GET", f"/v1/payment_intents/{created['id']}", headers=headers)
        answer = connection.getresponse()
        answer.read()
        result.latencies.append(time.perf_counter() - started)
        result.failures += answer.status != 200
    connection.close()


def run(url: str, clients: int, seconds: float) -> dict[str, float]:
    """Load ``url`` for ``seconds`` with ``clients`` threads; return the measurements."""
    parts = urllib.parse.urlsplit(url)
    deadline = time.monotonic() + seconds
    results = [ClientResult() for _ in range(clients)]
    threads = [
        threading.Thread(
            target=_client, args=(parts.hostname, parts.port, deadline, f"bench{n}", results[n])
        )
        for n in range(clients)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 30)
    elapsed = time.monotonic() - started
    latencies = sorted(value for result in results for value in result.latencies)
    if not latencies:
        raise RuntimeError("no request completed")

    def percentile(fraction: float) -> float:
        return latencies[min(len(latencies) - 1, int(fraction * len(latencies)))] * 1000

    return {
        "requests": len(latencies),
        "failures": sum(result.failures for result in results),
        "seconds": elapsed,
        "requests_per_second": len(latencies) / elapsed,
        "p50_ms": percentile(0.50),
        "p90_ms": percentile(0.90),
        "p99_ms": percentile(0.99),
        "max_ms": latencies[-1] * 1000,
        "mean_ms": statistics.fmean(latencies) * 1000,
    }


def _start_emulator() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "stripe_emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline() if process.stdout else ""
    if " on " not in line:
        process.kill()
        raise RuntimeError(f"emulator did not start: {line!r}")
    return process, line.split(" on ", 1)[1].strip()


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the benchmark and print the results."""
    parser = argparse.ArgumentParser(prog="python -m stripe_emulator.benchmark")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--url", help="benchmark an already running emulator at this URL")
    args = parser.parse_args(argv)
    process = None
    url = args.url
    if url is None:
        process, url = _start_emulator()
    try:
        measured = run(url, args.clients, args.seconds)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=10)
    print(
        f"{measured['requests']} requests in {measured['seconds']:.1f} s from {args.clients} "
        f"clients: {measured['requests_per_second']:.0f} requests/s, "
        f"{measured['failures']} failures"
    )
    print(
        f"latency ms: p50 {measured['p50_ms']:.1f}  p90 {measured['p90_ms']:.1f}  "
        f"p99 {measured['p99_ms']:.1f}  max {measured['max_ms']:.1f}  "
        f"mean {measured['mean_ms']:.1f}"
    )
    return 0 if measured["failures"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
