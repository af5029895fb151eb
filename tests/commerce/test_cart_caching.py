"""What the cart reads from the shared cache (item offers, the discount, the sites and
their default taxes) is never used after it changed: the next add sees every change."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wagtail.models import PageViewRestriction, Site
from wagtail.models.sites import get_site_for_hostname

from commerce.cart.pricing import READ_BY_CART_PRICING
from commerce.models import Discount, ShopSettings, Tax
from commerce.pricing.defaults import SiteTaxes, match_site
from commerce.stamped_cache import StampedCache
from tests.factories import CatalogPageFactory, ItemPageFactory

from .cache_helpers import CountingCache
from .cart_helpers import add, post_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(home_page):
    catalog = CatalogPageFactory(parent=home_page, title="Kitchen")
    mug = ItemPageFactory(parent=catalog, title="Mug", price_amount=1000, currency="USD")
    cup = ItemPageFactory(parent=catalog, title="Cup", price_amount=500, currency="USD")
    tax = Tax.objects.create(name="Sales tax", rate="10", inclusive=False)
    settings_ = ShopSettings.for_site(home_page.get_site())
    settings_.save()
    settings_.default_taxes.add(tax)
    discount = Discount.objects.create(name="Welcome", code="WELCOME10", percent_off=10)
    return {"catalog": catalog, "mug": mug, "cup": cup, "tax": tax, "discount": discount}


@pytest.fixture
def filled(client, shop):
    """A cart with a mug and the discount code, every cache warm."""
    assert add(client, shop["mug"]).status_code == 200
    assert post_json(client, "/v2/cart/discount/", {"code": "WELCOME10"}).status_code == 200
    assert add(client, shop["mug"]).status_code == 200
    return client


def cart_after_add(client, item) -> dict:
    response = add(client, item)
    assert response.status_code == 200, response.content
    return response.json()["cart"]


def line(cart: dict, item) -> dict:
    return next(line for line in cart["lines"] if line["itemId"] == item.pk)


def test_a_price_change_is_seen_by_the_next_add(filled, shop):
    mug = shop["mug"]
    mug.price_amount = 1500
    mug.title = "Big mug"
    mug.save_revision().publish()
    cart = cart_after_add(filled, shop["cup"])
    assert line(cart, mug)["unitAmount"] == 1500 and line(cart, mug)["title"] == "Big mug"
    assert cart["subtotal"] == 2 * 1500 + 500


def test_an_unpublished_item_leaves_the_cart_and_cannot_be_added(filled, shop):
    assert len(cart_after_add(filled, shop["cup"])["lines"]) == 2
    shop["cup"].unpublish()
    cart = cart_after_add(filled, shop["mug"])
    assert [line["itemId"] for line in cart["lines"]] == [shop["mug"].pk]
    assert add(filled, shop["cup"]).status_code == 400


def test_an_item_taken_off_sale_is_seen_by_the_next_add(filled, shop):
    cup = shop["cup"]
    assert add(filled, cup).status_code == 200
    cup.available_for_sale = False
    cup.save_revision().publish()
    assert add(filled, cup).status_code == 400
    assert [line["itemId"] for line in cart_after_add(filled, shop["mug"])["lines"]] == [
        shop["mug"].pk
    ]


def test_a_new_restriction_is_seen_by_the_next_add(filled, shop):
    restriction = PageViewRestriction.objects.create(
        page=shop["catalog"], restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    response = add(filled, shop["mug"])
    assert response.status_code == 400
    assert response.json()["error"] == "No item with this id is for sale."
    restriction.delete()
    assert cart_after_add(filled, shop["mug"])["count"] == 3


def test_an_item_moved_into_a_private_catalog_is_seen_by_the_next_add(filled, shop, home_page):
    private = CatalogPageFactory(parent=home_page, title="Staff only")
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)
    assert cart_after_add(filled, shop["cup"])["count"] == 3
    shop["cup"].move(private, pos="last-child")
    assert add(filled, shop["cup"]).status_code == 400
    assert [line["itemId"] for line in cart_after_add(filled, shop["mug"])["lines"]] == [
        shop["mug"].pk
    ]


def test_a_tax_edit_is_seen_by_the_next_add(filled, shop):
    tax = shop["tax"]
    tax.rate = Decimal("20")
    tax.name = "State tax"
    tax.save()
    cart = cart_after_add(filled, shop["mug"])
    assert [(t["name"], t["rate"]) for t in cart["taxes"]] == [("State tax", "20")]
    tax.active = False
    tax.save()
    assert cart_after_add(filled, shop["mug"])["taxes"] == []


def test_a_change_of_the_default_taxes_is_seen_by_the_next_add(filled, shop, home_page):
    settings_ = ShopSettings.for_site(home_page.get_site())
    vat = Tax.objects.create(name="Excise", rate="5", currencies="USD")
    settings_.default_taxes.add(vat)
    assert [t["name"] for t in cart_after_add(filled, shop["mug"])["taxes"]] == [
        "Sales tax",
        "Excise",
    ]
    settings_.default_taxes.remove(shop["tax"])
    assert [t["name"] for t in cart_after_add(filled, shop["mug"])["taxes"]] == ["Excise"]
    vat.delete()
    assert cart_after_add(filled, shop["mug"])["taxes"] == []


def test_a_new_site_is_matched_by_the_next_add(filled, shop, home_page):
    other_home = CatalogPageFactory(parent=home_page, title="Other home")
    other = Site.objects.create(hostname="other.example", port=80, root_page=other_home)
    body = {"itemId": shop["mug"].pk}
    response = post_json(filled, "/v2/cart/add/", body, HTTP_HOST="other.example")
    assert response.json()["cart"]["taxes"] == []  # the new site has no default taxes
    other.delete()  # the default site answers for any host again
    response = post_json(filled, "/v2/cart/add/", body, HTTP_HOST="other.example")
    assert [t["name"] for t in response.json()["cart"]["taxes"]] == ["Sales tax"]


def test_a_discount_edit_is_seen_by_the_next_add(filled, shop):
    discount = shop["discount"]
    discount.percent_off = Decimal("50")
    discount.save()
    cart = cart_after_add(filled, shop["mug"])
    assert cart["discount"] == 3 * 1000 // 2
    discount.active = False
    discount.save()
    cart = cart_after_add(filled, shop["mug"])
    assert cart["discount"] == 0 and cart["discountProblem"]


def test_a_used_up_discount_is_seen_by_the_next_add(filled, shop):
    """Redemptions are counted live, not cached."""
    from commerce.models import Order, OrderAdjustment

    discount = shop["discount"]
    discount.max_redemptions = 1
    discount.save()
    assert cart_after_add(filled, shop["mug"])["discount"] > 0
    order = Order.objects.create(currency="USD", status="pending", shopper_key="someone")
    OrderAdjustment.objects.create(
        order=order, kind="discount", discount=discount, name="Welcome", amount=100
    )
    cart = cart_after_add(filled, shop["mug"])
    assert cart["discount"] == 0 and "used up" in cart["discountProblem"]


def test_a_value_read_while_its_sources_change_is_not_used_after_they_commit():
    """A value worked out from rows a concurrent transaction changes is stored under the
    stamp read before, so it is never used once the change is in."""
    cache = StampedCache("test-race", 60)
    reads = []

    def compute(keys):
        reads.append(len(reads))
        if len(reads) == 1:
            cache.invalidate()  # a change commits while the first value is worked out
        return {key: len(reads) for key in keys}

    assert cache.get_many(["k"], compute) == {"k": 1}
    assert cache.get_many(["k"], compute) == {"k": 2}
    assert cache.get_many(["k"], compute) == {"k": 2}  # now current: not read again
    assert len(reads) == 2


def test_a_change_is_invalidated_again_when_its_transaction_commits(
    django_capture_on_commit_callbacks,
):
    cache = StampedCache("test-commit", 60)
    values = iter(range(10))

    def compute(keys):
        return {key: next(values) for key in keys}

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        cache.invalidate()
        first = cache.get_many(["k"], compute)  # read inside, before the commit
    assert cache.get_many(["k"], compute) != first


class Clock:
    """`time` as the stamped cache reads it, `offset` seconds from now."""

    def __init__(self, offset: float) -> None:
        self.offset = offset

    def time(self) -> float:
        return time.time() + self.offset


def test_a_value_kept_in_process_is_used_only_while_its_stamp_is_current(monkeypatch):
    """Memory answers while the shared stamp is the one the value was stored under; a
    restamp by any process (here: written straight into the shared cache) or the value's
    timeout sends the next read back to the sources."""
    from django.core.cache import cache as shared

    from commerce import stamped_cache

    kept = StampedCache("test-kept", 60, kept_in_process=8)
    reads = []

    def compute(keys):
        reads.append(sorted(keys))
        return {key: f"{key}-{len(reads)}" for key in keys}

    assert kept.get_many(["a"], compute) == {"a": "a-1"}
    shared.delete(f"{kept.prefix}a")  # memory alone answers now
    assert kept.get_many(["a"], compute) == {"a": "a-1"}
    assert len(reads) == 1

    shared.set(kept.stamp_key, "another process changed a source")
    assert kept.get_many(["a"], compute) == {"a": "a-2"}
    assert len(reads) == 2

    monkeypatch.setattr(stamped_cache, "time", Clock(offset=61))
    assert kept.get_many(["a"], compute) == {"a": "a-3"}


def test_a_value_kept_by_a_thread_reading_under_an_older_stamp_is_not_used():
    """Threads share a process's memory: one still working under the old stamp may keep
    its value after another has moved memory to the new stamp. Each kept entry carries
    its stamp, so that value is never used under the new one."""
    from django.core.cache import cache as shared

    kept = StampedCache("test-threads", 60, kept_in_process=8)
    assert kept.get_many(["a"], lambda keys: {"a": "new"}) == {"a": "new"}
    current = shared.get(kept.stamp_key)
    # What the slower thread leaves behind: its value, under the stamp it had read.
    kept._kept[f"{kept.prefix}a"] = ("an older stamp", "old", time.time() + 60)
    shared.delete(f"{kept.prefix}a")
    assert kept.get_many(["a"], lambda keys: {"a": "recomputed"}) == {"a": "recomputed"}
    assert shared.get(kept.stamp_key) == current


def test_a_value_read_from_the_shared_cache_is_kept_until_it_was_due_to_expire(monkeypatch):
    """A process that finds a value another stored keeps it no longer than that value's
    own timeout, counted from when it was worked out."""
    from commerce import stamped_cache

    values = iter(range(10))
    writer = StampedCache("test-shared", 60, kept_in_process=8)
    reader = StampedCache("test-shared", 60, kept_in_process=8)  # another process's memory
    assert writer.get_many(["k"], lambda keys: {k: next(values) for k in keys}) == {"k": 0}
    monkeypatch.setattr(stamped_cache, "time", Clock(offset=30))
    assert reader.get_many(["k"], lambda keys: {k: next(values) for k in keys}) == {"k": 0}
    monkeypatch.setattr(stamped_cache, "time", Clock(offset=61))
    assert reader.get_many(["k"], lambda keys: {k: next(values) for k in keys}) == {"k": 1}


hostnames = st.sampled_from(["shop.example", "other.example", "localhost"])
ports = st.sampled_from([80, 443, 8000])


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sites=st.lists(st.tuples(hostnames, ports), unique=True, max_size=4),
    default=st.integers(min_value=-1, max_value=3),
    hostname=hostnames,
    port=ports,
)
def test_sites_are_matched_as_wagtail_matches_them(home_page, sites, default, hostname, port):
    Site.objects.all().delete()
    made = [
        Site.objects.create(
            hostname=host, port=site_port, root_page=home_page, is_default_site=n == default
        )
        for n, (host, site_port) in enumerate(sites)
    ]
    table = tuple(SiteTaxes(s.pk, s.hostname, s.port, s.is_default_site, {}) for s in made)
    try:
        expected = get_site_for_hostname(hostname, port).pk
    except Site.DoesNotExist:
        expected = None
    found = match_site(table, hostname, port)
    assert (found.site_id if found else None) == expected


def test_a_cart_whose_cached_copy_is_gone_is_read_from_the_session_store(filled, shop):
    from django.core.cache import cache

    cache.clear()
    assert cart_after_add(filled, shop["mug"])["count"] == 3


def test_a_copy_that_could_not_be_refreshed_is_not_left_behind(filled, shop, monkeypatch):
    """The record is written but its copy cannot be set (the cache failed): the next read
    gets the record from the session store, not the copy from before the write."""
    from commerce.cart import store

    key = filled.session["commerce_cart"]
    before = store.load(key)
    real_set = store.cache.set

    def failing_set(name, *args, **kwargs):
        if name.startswith("commerce:cart-record:"):
            raise ConnectionError("the cache is down")
        return real_set(name, *args, **kwargs)

    monkeypatch.setattr(store.cache, "set", failing_set)
    with pytest.raises(ConnectionError):
        store.save(key, {**before, "version": before["version"] + 1, "lines": []})
    monkeypatch.undo()
    after = store.load(key)
    assert (after["version"], after["lines"]) == (before["version"] + 1, [])


def test_a_cart_add_and_the_cart_read_the_stamps_of_what_they_price_with_in_one_round_trip(
    filled, shop, monkeypatch
):
    counting = CountingCache.installed(monkeypatch)
    together = [kind.stamp_key for kind in READ_BY_CART_PRICING]

    cart = cart_after_add(filled, shop["cup"])
    assert counting.stamp_reads == [together]
    assert line(cart, shop["cup"])["quantity"] == 1 and cart["discount"] > 0 and cart["tax"] > 0

    counting.stamp_reads.clear()
    answer = filled.get("/v2/cart/", HTTP_ACCEPT="application/json")
    assert answer.status_code == 200 and answer.json()["count"] == 3
    assert counting.stamp_reads == [together]

    counting.stamp_reads.clear()
    assert filled.get("/v2/cart/").status_code == 200  # the page
    assert counting.stamp_reads == [together]
