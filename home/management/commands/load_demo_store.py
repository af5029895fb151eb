"""`python manage.py load_demo_store`: the demo catalog and an admin user, idempotently."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from wagtail.models import Site

from home.demo import load_demo_store


class Command(BaseCommand):
    help = (
        "Create the demo catalogs, items (with generated pictures), the WELCOME10 discount code, "
        "a US sales tax and EU VAT, and an `admin` user whose password is "
        "DJANGO_SUPERUSER_PASSWORD. Running it again changes nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username", default="admin", help="Admin user name (admin).")

    def handle(self, *args: Any, **options: Any) -> None:
        # Settings loaded `.env` into the environment, so this sees its value too.
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
        if not password:
            raise CommandError(
                "DJANGO_SUPERUSER_PASSWORD is not set; put it in .env (see envs/.env.dist) "
                "or the environment."
            )
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        if site is None:
            raise CommandError("No default Wagtail site; run `python manage.py migrate` first.")

        if not site.site_name:
            site.site_name = settings.WAGTAIL_SITE_NAME
            site.save(update_fields=["site_name"])
        created = load_demo_store(site.root_page.specific)
        user_state = self._ensure_admin(options["username"], password)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo store ready: {created['catalogs']} catalogs, {created['items']} items "
                f"and {created['pricing']} discounts and taxes created; "
                f"admin user {options['username']!r} {user_state}."
            )
        )

    def _ensure_admin(self, username: str, password: str) -> str:
        user_model = get_user_model()
        user = user_model.objects.filter(username=username).first()
        if user is None:
            user_model.objects.create_superuser(username, f"{username}@example.com", password)
            return "created"
        if not user.check_password(password) or not user.is_superuser:
            user.set_password(password)
            user.is_superuser = user.is_staff = True
            user.save()
            return "updated"
        return "unchanged"
