"""`python manage.py reconcile_orders`: settle what Stripe's webhooks left open.

Safe to run at any time and as often as you like (from cron, say every 10 minutes):
each run asks Stripe, changes only what Stripe's answers call for, and does at most
`--limit` of each kind of work. Exits 1 when something could not be settled, so cron
reports it; the next run tries again.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from commerce.reconciliation import DEFAULT_LIMIT, DEFAULT_OLDER_THAN, reconcile


class Command(BaseCommand):
    help = (
        "Ask Stripe about pending orders older than --older-than minutes and mark them paid, "
        "expired or failed; expire stray Checkout Sessions; send refunds still due."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=int(DEFAULT_OLDER_THAN.total_seconds() // 60),
            metavar="MINUTES",
            help="Only orders created at least this many minutes ago (default: %(default)s).",
        )
        parser.add_argument(
            "--limit",
            type=int,
            default=DEFAULT_LIMIT,
            help="At most this many orders, sessions and refunds per run (default: %(default)s).",
        )

    def handle(self, *args: Any, older_than: int, limit: int, **options: Any) -> None:
        if older_than < 0 or limit < 1:
            raise CommandError("--older-than must be 0 or more and --limit at least 1.")
        summary = reconcile(timedelta(minutes=older_than), limit)
        self.stdout.write(str(summary))
        if summary.errors or summary.refunds_failed:
            raise CommandError("Some orders or refunds could not be settled; see the log.")
