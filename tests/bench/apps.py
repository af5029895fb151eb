"""The benchmark's own app: its baseline page type and its measuring hooks."""

from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "tests.bench"
    label = "bench"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import paid_log, stripe_timing

        stripe_timing.install()
        paid_log.connect()
