"""The commerce app's models, one module per concern, re-exported here for Django."""

from .pages import CatalogPage, ItemPage, ItemPageQuerySet

__all__ = ["CatalogPage", "ItemPage", "ItemPageQuerySet"]
