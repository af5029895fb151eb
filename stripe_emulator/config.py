"""Command-line and environment configuration of the standalone emulator."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field


@dataclass
class Settings:
    """Everything needed to start the emulator process."""

    host: str = "127.0.0.1"
    port: int = 12111
    webhooks: dict[str, str] = field(default_factory=dict)
    webhook_secrets: dict[str, str] = field(default_factory=dict)
    webhook_retry_base_seconds: float = 1.0
    webhook_max_retry_seconds: float = 300.0


def _pairs(entries: list[str], what: str) -> dict[str, str]:
    result = {}
    for entry in entries:
        account, sep, value = entry.partition("=")
        if not sep or not account.strip() or not value.strip():
            raise argparse.ArgumentTypeError(f"{what} must look like ACCOUNT=VALUE, got {entry!r}")
        result[account.strip()] = value.strip()
    return result


def _env_pairs(name: str) -> list[str]:
    return [item for item in os.environ.get(name, "").split(";") if item.strip()]


def parse(argv: list[str] | None = None) -> Settings:
    """Read settings from ``argv``, with ``STRIPE_EMULATOR_*`` variables as defaults."""
    parser = argparse.ArgumentParser(
        prog="python -m stripe_emulator",
        description="Offline Stripe API stand-in for development and tests.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=12111, help="port to bind (0 = any free port)")
    parser.add_argument(
        "--webhook",
        action="append",
        default=[],
        metavar="ACCOUNT=URL",
        help="webhook endpoint of an account (repeatable; ACCOUNT '*' = any account)",
    )
    parser.add_argument(
        "--webhook-secret",
        action="append",
        default=[],
        metavar="ACCOUNT=WHSEC",
        help="signing secret of an account's endpoint (repeatable)",
    )
    parser.add_argument(
        "--webhook-retry-base",
        type=float,
        default=1.0,
        help="seconds before the first retry of a failed delivery; doubles each time",
    )
    parser.add_argument(
        "--webhook-max-retry-seconds",
        type=float,
        default=300.0,
        help="stop retrying a delivery once this long has passed since its first attempt",
    )
    args = parser.parse_args(argv)
    try:
        webhooks = _pairs(_env_pairs("STRIPE_EMULATOR_WEBHOOKS"), "STRIPE_EMULATOR_WEBHOOKS")
        webhooks.update(_pairs(args.webhook, "--webhook"))
        secrets = _pairs(
            _env_pairs("STRIPE_EMULATOR_WEBHOOK_SECRETS"), "STRIPE_EMULATOR_WEBHOOK_SECRETS"
        )
        secrets.update(_pairs(args.webhook_secret, "--webhook-secret"))
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))
    return Settings(
        host=args.host,
        port=args.port,
        webhooks=webhooks,
        webhook_secrets=secrets,
        webhook_retry_base_seconds=args.webhook_retry_base,
        webhook_max_retry_seconds=args.webhook_max_retry_seconds,
    )
