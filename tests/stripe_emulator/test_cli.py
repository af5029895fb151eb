"""The standalone process: start-up line, configuration, health, clean shutdown."""

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_process_serves_until_sigterm_with_webhooks_from_flags_and_environment():
    env = dict(
        os.environ,
        STRIPE_EMULATOR_WEBHOOKS="eur=http://127.0.0.1:9/eur;gbp=http://127.0.0.1:9/gbp",
        STRIPE_EMULATOR_WEBHOOK_SECRETS="eur=whsec_eur",
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "stripe_emulator",
            "--port",
            "0",
            "--webhook",
            "usd=http://127.0.0.1:9/usd",
            "--webhook-secret",
            "usd=whsec_usd",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first_line = process.stdout.readline()
        assert first_line.startswith("Stripe emulator listening on http://127.0.0.1:")
        base = first_line.split(" on ")[1].strip()
        with urllib.request.urlopen(f"{base}/_emulator/health", timeout=5) as answer:
            assert json.loads(answer.read()) == {"status": "ok"}
        with urllib.request.urlopen(f"{base}/_emulator/webhooks", timeout=5) as answer:
            endpoints = json.loads(answer.read())["endpoints"]
        assert endpoints["usd"] == {"url": "http://127.0.0.1:9/usd", "secret": "whsec_usd"}
        assert endpoints["eur"] == {"url": "http://127.0.0.1:9/eur", "secret": "whsec_eur"}
        assert endpoints["gbp"]["url"] == "http://127.0.0.1:9/gbp"
        with urllib.request.urlopen(f"{base}/clover/stripe.js", timeout=5) as answer:
            assert answer.headers["Content-Type"].startswith("application/javascript")
            assert b"window.Stripe" in answer.read()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)
