import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.models import Revision

from commerce.models import CatalogPage, Discount, ItemPage, Tax
from commerce.pricing import LineInput, quote
from commerce.pricing.defaults import default_taxes

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        sorted(ItemPage.objects.values_list("pk", "title", "price_amount", "currency", "live")),
        CatalogPage.objects.count(),
        get_image_model().objects.count(),
        Revision.objects.count(),
        get_user_model().objects.get(username="admin").password,
        sorted(Discount.objects.values_list("pk", "code")),
        sorted(Tax.objects.values_list("pk", "name")),
    )


def test_demo_store_is_built_once_and_a_second_run_changes_nothing(home_page, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-demo-password")
    call_command("load_demo_store", stdout=io.StringIO())
    first = snapshot()
    call_command("load_demo_store", stdout=io.StringIO())
    assert snapshot() == first

    items = ItemPage.objects.live()
    assert items.count() >= 12
    assert set(items.values_list("currency", flat=True)) == {"USD", "EUR"}
    assert all(item.image is not None for item in items)
    assert all(item.price_amount > 0 for item in items)
    picture = items.first().image
    assert picture.width == 800 and picture.height == 600

    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("a-demo-password")


def test_demo_store_pages_render(client, home_page, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-demo-password")
    call_command("load_demo_store", stdout=io.StringIO())
    for page in [home_page, *CatalogPage.objects.all(), *ItemPage.objects.all()[:3]]:
        assert client.get(page.url).status_code == 200


def test_demo_store_needs_an_admin_password(home_page, monkeypatch):
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="DJANGO_SUPERUSER_PASSWORD"):
        call_command("load_demo_store")


def test_demo_store_has_a_welcome_code_and_a_tax_for_each_currency(home_page, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-demo-password")
    call_command("load_demo_store", stdout=io.StringIO())
    site = home_page.get_site()
    welcome = Discount.objects.find_redeemable("welcome10", "USD", timezone.now())
    [sales_tax] = default_taxes("USD", site)
    [vat] = default_taxes("EUR", site)
    assert (sales_tax.name, sales_tax.inclusive) == ("Sales tax", False)
    assert (vat.name, vat.inclusive) == ("VAT", True)
    assert default_taxes("JPY", site) == []

    usd = quote("USD", [LineInput(1, "Mug", 1450, 2)], welcome.terms(), [sales_tax])
    assert (usd.discount, usd.tax, usd.total) == (290, 232, 2900 - 290 + 232)
    eur = quote("EUR", [LineInput(1, "Soap", 790, 1)], welcome.terms(), [vat])
    assert (eur.discount, eur.tax, eur.total) == (79, 119, 711)
