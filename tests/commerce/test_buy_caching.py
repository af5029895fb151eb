"""What a buy reads from the shared cache (the item's price, names, place, privacy and
picture) is never used after it changed: the next buy sees every change."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import RequestFactory
from wagtail.models import Page, PageViewRestriction, Site

from commerce.models import Order
from commerce.models.pages import LISTING_IMAGE_SPEC
from commerce.orders.buy_now import BUYABLE, READ_BY_EVERY_BUY, find_buyable
from commerce.stamped_cache import stamps_read_together
from home.models import HomePage
from tests.factories import CatalogPageFactory, ImageFactory, ItemPageFactory

from .cache_helpers import CountingCache

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(home_page, stripe_emulator):
    catalog = CatalogPageFactory(parent=home_page, title="Kitchen")
    mug = ItemPageFactory(parent=catalog, title="Mug", price_amount=1000, image=ImageFactory())
    return {"catalog": catalog, "mug": mug}


def buy(client, item):
    """A buy by a new shopper, with every cache warm from the buy before."""
    client.cookies.clear()
    return client.get(f"/v1/buy/{item.pk}/")


def bought(client, item) -> Order:
    response = buy(client, item)
    assert response.status_code == 200, response.content
    return Order.objects.get(pk=response.json()["orderId"])


def cancel_url(stripe_emulator, order) -> str:
    from tests.conftest import stripe_client

    [payment] = order.payments.all()
    session = stripe_client(stripe_emulator, "usd").v1.checkout.sessions.retrieve(payment.stripe_id)
    return session.cancel_url


def test_a_buy_reads_no_item_page_or_image_once_warm(client, shop, django_assert_max_num_queries):
    bought(client, shop["mug"])
    bought(client, shop["mug"])
    with django_assert_max_num_queries(20) as captured:
        bought(client, shop["mug"])
    tables = " ".join(query["sql"] for query in captured.captured_queries)
    assert "wagtailcore_page" not in tables and "wagtailimages" not in tables


def test_a_price_and_title_change_is_seen_by_the_next_buy(client, shop):
    bought(client, shop["mug"])
    mug = shop["mug"]
    mug.price_amount = 1500
    mug.title = "Big mug"
    mug.save_revision().publish()
    order = bought(client, mug)
    [line] = order.lines.all()
    assert (line.title, line.unit_amount, order.subtotal_amount) == ("Big mug", 1500, 1500)


def test_an_unpublished_or_off_sale_item_cannot_be_bought_next(client, shop):
    bought(client, shop["mug"])
    shop["mug"].unpublish()
    assert buy(client, shop["mug"]).status_code == 404

    cup = ItemPageFactory(parent=shop["catalog"], title="Cup", price_amount=500)
    bought(client, cup)
    cup.available_for_sale = False
    cup.save_revision().publish()
    assert buy(client, cup).status_code == 404


def test_a_new_restriction_is_seen_by_the_next_buy(client, shop):
    bought(client, shop["mug"])
    restriction = PageViewRestriction.objects.create(
        page=shop["catalog"], restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.add(Group.objects.create(name="Staff"))
    assert buy(client, shop["mug"]).status_code == 404
    restriction.delete()
    assert buy(client, shop["mug"]).status_code == 200


def test_a_moved_item_is_sent_back_to_its_new_page(client, shop, home_page, stripe_emulator):
    order = bought(client, shop["mug"])
    assert cancel_url(stripe_emulator, order) == "http://testserver/kitchen/mug/?checkout=canceled"
    other = CatalogPageFactory(parent=home_page, title="Tea")
    shop["mug"].move(other, pos="last-child")
    order = bought(client, shop["mug"])
    assert cancel_url(stripe_emulator, order) == "http://testserver/tea/mug/?checkout=canceled"


def test_an_item_on_another_site_is_sent_back_to_that_site(client, shop, stripe_emulator):
    bought(client, shop["mug"])  # the table of sites and the item's facts cached
    other_home = Page.get_first_root_node().add_child(
        instance=HomePage(title="Other shop", slug="other-shop")
    )
    Site.objects.create(hostname="other.example", port=80, root_page=other_home)
    catalog = CatalogPageFactory(parent=other_home, title="Tea")
    pot = ItemPageFactory(parent=catalog, title="Pot", price_amount=2000)
    order = bought(client, pot)
    assert cancel_url(stripe_emulator, order) == "http://other.example/tea/pot/?checkout=canceled"


def test_a_new_picture_is_sent_with_the_next_buy(client, shop):
    bought(client, shop["mug"])
    mug = shop["mug"]
    mug.image = ImageFactory()
    mug.save_revision().publish()
    item = find_buyable(RequestFactory().get("/"), mug.pk)
    assert item.image_url == mug.image.get_rendition(LISTING_IMAGE_SPEC).url


class UnreachableCache:
    """A shared cache whose server does not answer."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("the cache is down")

        return fail


@pytest.fixture
def default_tax(home_page):
    """A default tax of 10% on the shop's site."""
    from commerce.models import ShopSettings, Tax

    settings_of_shop = ShopSettings.for_site(home_page.get_site())
    settings_of_shop.save()
    settings_of_shop.default_taxes.add(Tax.objects.create(name="Sales tax", rate="10"))


def test_with_the_shared_cache_down_a_buy_reads_what_it_needs_from_the_database(
    client, shop, home_page, default_tax, monkeypatch
):
    private = CatalogPageFactory(parent=home_page, title="Private")
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)
    secret = ItemPageFactory(parent=private, title="Secret", price_amount=500)
    monkeypatch.setattr("commerce.stamped_cache.cache", UnreachableCache())

    order = bought(client, shop["mug"])  # the item, the default taxes, the Stripe TaxRate
    assert (order.subtotal_amount, order.tax_amount, order.total_amount) == (1000, 100, 1100)
    assert bought(client, shop["mug"]).payments.get().stripe_id  # the TaxRate's id found again
    assert buy(client, secret).status_code == 404


def test_a_buy_reads_the_stamps_of_what_it_reads_in_one_round_trip(
    client, shop, default_tax, monkeypatch
):
    bought(client, shop["mug"])  # the TaxRate made, every value cached
    counting = CountingCache.installed(monkeypatch)

    order = bought(client, shop["mug"])

    assert order.tax_amount == 100 and order.payments.get().stripe_id
    assert counting.stamp_reads == [[kind.stamp_key for kind in READ_BY_EVERY_BUY]]


def test_a_kind_changed_inside_the_block_reads_its_new_stamp_and_none_is_kept_after_it():
    with stamps_read_together(BUYABLE):
        before = BUYABLE.stamp()
        assert BUYABLE.stamp() == before
        BUYABLE.invalidate()
        after = BUYABLE.stamp()
        assert after != before
    BUYABLE.invalidate()
    assert BUYABLE.stamp() not in (before, after)
