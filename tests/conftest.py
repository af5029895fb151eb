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
