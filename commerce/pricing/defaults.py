"""The taxes an order gets without anyone choosing them: the site's default taxes that
apply to the order's currency (Wagtail site setting `ShopSettings`)."""

from __future__ import annotations

from wagtail.models import Site

from .quote import TaxTerms


def default_tax_objects(currency: str, site: Site | None) -> list:
    """The active `Tax` rows `site`'s settings name for `currency` (the default site's
    settings when `site` is None), in a stable order."""
    from ..models import ShopSettings

    site = site or Site.objects.filter(is_default_site=True).first()
    if site is None:
        return []
    settings = ShopSettings.for_site(site)
    if settings.pk is None:
        return []
    taxes = settings.default_taxes.filter(active=True).order_by("pk")
    return [tax for tax in taxes if tax.applies_to(currency)]


def default_taxes(currency: str, site: Site | None) -> list[TaxTerms]:
    """The terms of `default_tax_objects`, for a quote."""
    return [tax.terms() for tax in default_tax_objects(currency, site)]
