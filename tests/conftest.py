"""Fixtures shared by the whole suite."""

from __future__ import annotations

import pytest
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Collection, Locale, Page, Site

from home.models import HomePage

from .factories import CatalogPageFactory, ImageFactory, ItemPageFactory


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts with an empty cache, so no test inherits another's rate-limit counts."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


@pytest.fixture
def home_page(db) -> HomePage:
    """The default site's home page.

    Migrations create it. Transactional tests (live server, browser) empty every table
    after each test, so there it and the rest of the migrations' data the store needs
    (locale, root collection, root page, site) are built again. Django's
    serialized_rollback cannot do this here: Playwright runs tests in a greenlet whose
    context sees a fresh database connection without the serialized copy.
    """
    home = HomePage.objects.filter(depth=2).first()
    if home is not None:
        return home
    if not Collection.objects.exists():
        Collection.add_root(name="Root")
    locale, _ = Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant("en")
    )
    root = Page.get_first_root_node() or Page.add_root(
        instance=Page(title="Root", slug="root", locale=locale)
    )
    home = root.add_child(instance=HomePage(title="Home", slug="home", locale=locale))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": home}
    )
    return home


@pytest.fixture
def catalog(home_page):
    return CatalogPageFactory(parent=home_page, title="Shop")


@pytest.fixture
def item(catalog):
    return ItemPageFactory(parent=catalog, title="Canvas Tote", image=ImageFactory())


@pytest.fixture(scope="session")
def running_emulator():
    """One offline Stripe emulator for the whole test session (its own free port)."""
    from stripe_emulator.testing import RunningEmulator

    emulator = RunningEmulator()
    yield emulator
    emulator.stop()


@pytest.fixture
def stripe_emulator(running_emulator, settings):
    """The emulator, emptied, with the store's settings pointing at it."""
    running_emulator.reset(clear_webhooks=True)
    settings.STRIPE_API_BASE = running_emulator.base_url
    settings.STRIPE_JS_URL = running_emulator.base_url + "/clover/stripe.js"
    return running_emulator


def stripe_client(emulator, account: str):
    """stripe-python's client for one emulator account, to look at what the store created."""
    import stripe

    return stripe.StripeClient(f"sk_test_{account}", base_addresses={"api": emulator.base_url})


@pytest.fixture
def batches_sent(monkeypatch) -> list[int]:
    """How many of `commerce.fixed_sql`'s statements were sent together each time
    `fixed_sql.sent_together` sent what it held back, in order (times with nothing held
    left out): on PostgreSQL; elsewhere nothing is held back."""
    from commerce import fixed_sql

    sizes: list[int] = []
    send = fixed_sql._HeldBack.send

    def counted(held) -> None:
        if held.statements:
            sizes.append(len(held.statements))
        send(held)

    monkeypatch.setattr(fixed_sql._HeldBack, "send", counted)
    return sizes
