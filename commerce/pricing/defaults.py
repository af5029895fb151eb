"""The taxes an order gets without anyone choosing them: the site's default taxes that
apply to the order's currency (Wagtail site setting `ShopSettings`).

Order placement reads them from the database (`default_taxes`). The cart, priced on every
change, reads them from a table of every site and its default taxes kept in the shared
cache (`default_taxes_for_request`): it finds the request's site in that table as Wagtail
does, so pricing a cart costs no query for the site, its settings or its taxes. The table
is worked out again after any change to a Site, ShopSettings, Tax or the default taxes
chosen (the receivers below).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest
from django.http.request import split_domain_port
from wagtail.models import Site

from .. import money
from ..stamped_cache import StampedCache
from .quote import TaxTerms

# How long the table may be kept at most, should a change ever bypass the signals.
TABLE_SECONDS = 300


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


@dataclass(frozen=True)
class SiteTaxes:
    """One site as Wagtail matches requests to it, and its default taxes by currency."""

    site_id: int
    hostname: str
    port: int
    is_default_site: bool
    taxes: dict[str, tuple[TaxTerms, ...]]


def _tax_table() -> tuple[SiteTaxes, ...]:
    from ..models import ShopSettings

    by_site = {
        shop.site_id: [tax for tax in shop.default_taxes.all() if tax.active]
        for shop in ShopSettings.objects.prefetch_related("default_taxes")
    }
    return tuple(
        SiteTaxes(
            site_id=site.pk,
            hostname=site.hostname,
            port=site.port,
            is_default_site=site.is_default_site,
            taxes={
                code: tuple(tax.terms() for tax in taxes if tax.applies_to(code))
                for code in money.CURRENCIES
            },
        )
        for site in Site.objects.all()
        for taxes in [sorted(by_site.get(site.pk, []), key=lambda tax: tax.pk)]
    )


# Read on every cart change: kept in each process's memory too.
TAX_TABLE = StampedCache(
    "default-taxes", TABLE_SECONDS, kept_in_process=1, works_without_cache=True
)


def match_site(table: tuple[SiteTaxes, ...], hostname: str, port: int) -> SiteTaxes | None:
    """The site Wagtail serves `hostname:port` from (`wagtail.models.sites.
    get_site_for_hostname`, worked out on the table instead of in SQL): the exact
    hostname and port, else the hostname on the default site, else the default site
    unless exactly one other site has the hostname."""

    def rank(site: SiteTaxes) -> int:
        if site.hostname == hostname:
            return 0 if site.port == port else 1 if site.is_default_site else 3
        return 2

    candidates = sorted(
        (site for site in table if site.hostname == hostname or site.is_default_site), key=rank
    )
    if not candidates:
        return None
    if len(candidates) == 1 or rank(candidates[0]) in (0, 1):
        return candidates[0]
    if rank(candidates[0]) == 2:
        return candidates[len(candidates) == 2]
    return None


def site_for_request(request: HttpRequest) -> SiteTaxes | None:
    """The request's site as `Site.find_for_request` finds it (the default site when no
    site matches), from the cached table: no query; found once per request."""
    found = getattr(request, "_commerce_site_taxes", False)
    if found is not False:
        return found
    table: tuple[SiteTaxes, ...] = TAX_TABLE.get(_tax_table)
    known = getattr(request, "_wagtail_site", False)
    if known is not False:
        site = next((row for row in table if known and row.site_id == known.pk), None)
    else:
        hostname = split_domain_port(request._get_raw_host())[0]
        port = request.get_port()
        site = match_site(table, hostname, int(port) if port.isdigit() else -1)
    if site is None:
        site = next((row for row in table if row.is_default_site), None)
    request._commerce_site_taxes = site  # type: ignore[attr-defined]
    return site


def default_taxes_for_request(request: HttpRequest, currency: str) -> list[TaxTerms]:
    """`default_taxes` of the request's site, from the cached table."""
    site = site_for_request(request)
    if site is None:
        return []
    if currency not in site.taxes:  # not a currency items can be priced in
        return default_taxes(currency, Site.objects.filter(pk=site.site_id).first())
    return list(site.taxes[currency])


def _tables_changed(sender: Any, **kwargs: Any) -> None:
    TAX_TABLE.invalidate()


def connect_receivers() -> None:
    """Work the table out again after any change to what it is made of."""
    from ..models import ShopSettings, Tax

    for model in (Site, ShopSettings, Tax):
        uid = f"commerce.pricing.defaults.{model.__name__}"
        post_save.connect(_tables_changed, sender=model, dispatch_uid=uid + ".save")
        post_delete.connect(_tables_changed, sender=model, dispatch_uid=uid + ".delete")
    m2m_changed.connect(
        _tables_changed,
        sender=ShopSettings.default_taxes.through,
        dispatch_uid="commerce.pricing.defaults.default_taxes",
    )
