"""Editors' view of the page types: where they go, how they are created, edited, previewed."""

from decimal import Decimal

from django.test import override_settings
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import nested_form_data, rich_text

from commerce.models import CatalogPage, ItemPage
from home.models import HomePage
from tests.factories import CatalogPageFactory, ImageFactory, ItemPageFactory


class PageTreeRulesTests(WagtailPageTestCase):
    def test_catalogs_live_under_home_or_another_catalog(self):
        self.assertCanCreateAt(HomePage, CatalogPage)
        self.assertCanCreateAt(CatalogPage, CatalogPage)
        self.assertCanNotCreateAt(Page, CatalogPage)
        self.assertCanNotCreateAt(ItemPage, CatalogPage)

    def test_items_live_only_under_a_catalog(self):
        self.assertCanCreateAt(CatalogPage, ItemPage)
        self.assertCanNotCreateAt(HomePage, ItemPage)
        self.assertCanNotCreateAt(Page, ItemPage)
        self.assertCanNotCreateAt(ItemPage, ItemPage)

    def test_a_host_site_names_its_own_catalog_parents(self):
        with override_settings(COMMERCE_CATALOG_PARENT_PAGE_TYPES=["wagtailcore.Page"]):
            self.assertCanCreateAt(Page, CatalogPage)
            self.assertCanNotCreateAt(HomePage, CatalogPage)


class ItemPageEditorTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = HomePage.objects.get(depth=2)
        cls.catalog = CatalogPageFactory(parent=cls.home, title="Shop")
        cls.image = ImageFactory()

    def setUp(self):
        self.user = self.login()

    def item_form(self, **overrides):
        data = {
            "title": "Linen Apron",
            "slug": "linen-apron",
            "description": rich_text("<p>Washed linen.</p>"),
            "image": self.image.pk,
            "price": "38.50",
            "currency": "USD",
            "sku": "APR-9",
            "available_for_sale": "on",
        }
        data.update(overrides)
        return nested_form_data(data)

    def post_new_item(self, **overrides):
        url = f"/admin/pages/add/commerce/itempage/{self.catalog.pk}/"
        return self.client.post(url, {**self.item_form(**overrides), "action-publish": "1"})

    def test_editor_creates_an_item_with_a_decimal_price_stored_in_minor_units(self):
        self.assertCanCreate(self.catalog, ItemPage, self.item_form())
        item = ItemPage.objects.get(slug="linen-apron")
        assert item.price_amount == 3850
        assert item.currency == "USD"
        assert item.live
        assert item.image == self.image

    def test_zero_and_three_decimal_currencies(self):
        self.assertCanCreate(
            self.catalog, ItemPage, self.item_form(slug="yen", price="1200", currency="JPY")
        )
        self.assertCanCreate(
            self.catalog,
            ItemPage,
            self.item_form(slug="dinar", price="1.250", currency="KWD", sku="KWD-1"),
        )
        assert ItemPage.objects.get(slug="yen").price_amount == 1200
        assert ItemPage.objects.get(slug="dinar").price_amount == 1250

    def test_negative_price_is_refused_with_a_message(self):
        response = self.post_new_item(price="-1")
        assert response.status_code == 200
        assert "price" in response.context["form"].errors
        assert not ItemPage.objects.filter(slug="linen-apron").exists()

    def test_too_many_decimals_for_the_currency_is_refused(self):
        response = self.post_new_item(price="100.5", currency="JPY")
        errors = response.context["form"].errors["price"]
        assert "JPY has 0 decimal places" in errors[0]
        assert not ItemPage.objects.filter(slug="linen-apron").exists()

    def test_three_decimal_amount_stripe_cannot_charge_is_refused(self):
        response = self.post_new_item(price="1.234", currency="KWD")
        assert "multiples of KWD 0.010" in response.context["form"].errors["price"][0]

    def test_duplicate_sku_is_refused(self):
        ItemPageFactory(parent=self.catalog, title="Other", sku="APR-9")
        response = self.post_new_item()
        assert "Another item already uses this SKU." in response.context["form"].errors["sku"]

    def test_existing_price_is_shown_as_a_decimal_in_the_edit_form(self):
        item = ItemPageFactory(parent=self.catalog, price_amount=1999, currency="EUR")
        response = self.client.get(f"/admin/pages/{item.pk}/edit/")
        assert response.context["form"].initial["price"] == Decimal("19.99")

    def test_pages_render_route_edit_and_preview(self):
        item = ItemPageFactory(parent=self.catalog, image=self.image)
        for page in (self.home, self.catalog, item):
            self.assertPageIsRenderable(page)
            self.assertPageIsRoutable(page)
            self.assertPageIsEditable(page)
            self.assertPageIsPreviewable(page)
