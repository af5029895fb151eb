"""Fixtures shared by the whole suite."""

from __future__ import annotations

import pytest

from home.models import HomePage

from .factories import CatalogPageFactory, ImageFactory, ItemPageFactory


@pytest.fixture
def home_page(db) -> HomePage:
    """The home page the initial migration creates as the default site's root."""
    return HomePage.objects.get(depth=2)


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
