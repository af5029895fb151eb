"""The benchmark's shop: a home page, a catalog of items, the bare baseline page, and
pending orders for the webhook rounds. Runs inside the harness's Django (bench settings).

Items go through Wagtail's page tree (`add_child`, as an editor's publish does), so the
tree, the search index and the reference index are what a real catalog has; they are
created in one transaction per batch, which keeps 2,000 of them to seconds.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass

from django.db import transaction

ADJECTIVES = [
    "Canvas", "Copper", "Linen", "Walnut", "Ceramic", "Woollen", "Leather", "Glass",
    "Bamboo", "Cotton", "Marble", "Oak", "Stone", "Velvet", "Brass", "Cork",
]  # fmt: skip
NOUNS = ["Mug", "Tote", "Notebook", "Poster", "Scarf", "Candle", "Lamp", "Blanket", "Bottle", "Cap"]
# One noun of ten: a search for it finds a tenth of the catalog, whatever its size.
SEARCH_WORD = "mug"
IMAGES = 4


@dataclass(frozen=True)
class Shop:
    """What the rounds ask for: page paths and the items' ids."""

    home_path: str
    catalog_path: str
    item_path: str
    bare_path: str
    item_ids: list[int]


def item_title(number: int) -> str:
    adjective = ADJECTIVES[number % len(ADJECTIVES)]
    noun = NOUNS[number % len(NOUNS)]
    return f"{adjective} {noun} {number}"


def build_shop(item_count: int) -> Shop:
    """The home page's catalog with `item_count` items, a default tax, and the bare page."""
    from commerce.models import CatalogPage, ShopSettings, Tax
    from home.models import HomePage
    from tests.bench.models import BarePage
    from tests.factories import ImageFactory, png_file

    home = HomePage.objects.get(depth=2)
    with transaction.atomic():
        images = [
            ImageFactory(title=f"Picture {n}", file=png_file(f"picture-{n}.png", (800, 600)))
            for n in range(IMAGES)
        ]
        catalog = home.add_child(instance=CatalogPage(title="Shop", slug="shop"))
        bare = home.add_child(instance=BarePage(title="Bare page", slug="bare-page"))
        shop = ShopSettings.for_site(home.get_site())
        shop.save()
        shop.default_taxes.add(Tax.objects.create(name="Sales tax", rate="8.875"))
    add_items(catalog, 0, item_count, images)
    catalog.refresh_from_db()
    first_item = catalog.get_children().first()
    return Shop(
        home_path=home.get_url(),
        catalog_path=catalog.get_url(),
        item_path=first_item.get_url(),
        bare_path=bare.get_url(),
        item_ids=list(catalog.get_children().values_list("pk", flat=True)[:20]),
    )


def add_items(catalog, start: int, count: int, images: list | None = None) -> None:
    """Items numbered `start` to `start + count - 1`, live, with pictures, as the last
    children of `catalog`.

    Written in bulk, with the page tree's own path arithmetic (treebeard's steps after
    the catalog's last child, its `numchild` raised to match, Wagtail's `url_path`), then
    added to the search index in one batch: what `add_child` does one item at a time,
    2,000 times faster than 2,000 saves. Wagtail's reference index (the admin's "usage"
    counts) is left out; nothing a shopper sees reads it.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.utils import timezone
    from wagtail.images import get_image_model
    from wagtail.models import Page
    from wagtail.search.backends import get_search_backends

    from commerce.models import ItemPage

    images = images or list(get_image_model().objects.order_by("pk")[:IMAGES])
    pictures = itertools.cycle(images)
    catalog = Page.objects.get(pk=catalog.pk)
    last = catalog.get_last_child()
    first_step = (Page._str2int(last.path[-Page.steplen :]) if last else 0) + 1
    now = timezone.now()
    content_type = ContentType.objects.get_for_model(ItemPage)
    item_fields = [field for field in ItemPage._meta.local_concrete_fields]
    with transaction.atomic():
        pages = Page.objects.bulk_create(
            Page(
                title=item_title(number),
                draft_title=item_title(number),
                slug=f"item-{number}",
                content_type=content_type,
                path=Page._get_path(catalog.path, catalog.depth + 1, first_step + offset),
                depth=catalog.depth + 1,
                numchild=0,
                url_path=f"{catalog.url_path}item-{number}/",
                locale_id=catalog.locale_id,
                live=True,
                has_unpublished_changes=False,
                first_published_at=now,
                last_published_at=now,
            )
            for offset, number in enumerate(range(start, start + count))
        )
        if any(page.pk is None for page in pages):  # backends without RETURNING
            pages = list(
                Page.objects.filter(
                    path__startswith=catalog.path, depth=catalog.depth + 1
                ).order_by("-path")[:count]
            )[::-1]
        items = []
        for page, number in zip(pages, range(start, start + count), strict=True):
            item = ItemPage(
                description=f"<p>A fine {item_title(number).lower()}, made to last.</p>",
                price_amount=1000 + number % 50 * 25,
                currency="USD",
                image=next(pictures),
            )
            item.page_ptr_id = item.pk = page.pk
            items.append(item)
        table = connection.ops.quote_name(ItemPage._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(field.column) for field in item_fields)
        placeholders = ", ".join(["%s"] * len(item_fields))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",  # noqa: S608
                [
                    [
                        field.get_db_prep_save(field.pre_save(item, True), connection)
                        for field in item_fields
                    ]
                    for item in items
                ],
            )
        Page.objects.filter(pk=catalog.pk).update(numchild=catalog.numchild + count)
    saved = ItemPage.objects.filter(pk__in=[page.pk for page in pages])
    for backend in get_search_backends():
        backend.add_bulk(ItemPage, list(saved))


@dataclass(frozen=True)
class PendingOrder:
    """An order waiting for Stripe's word, with the Checkout Session that pays it."""

    reference: str
    session_id: str
    amount: int
    currency: str


def create_pending_orders(count: int, item_id: int, account_label: str) -> list[PendingOrder]:
    """`count` pending one-line orders, each with an open Checkout Session attempt, as the
    buy endpoint leaves them (written in bulk: the webhook rounds measure the webhooks)."""
    from commerce.models import Order, OrderLine, Payment, PaymentMethod, PaymentStatus

    amount = 1250
    with transaction.atomic():
        orders = Order.objects.bulk_create(
            Order(
                currency="USD",
                subtotal_amount=amount,
                total_amount=amount,
                shopper_key=uuid.uuid4().hex,
            )
            for _ in range(count)
        )
        if any(order.pk is None for order in orders):  # backends without RETURNING
            orders = list(Order.objects.order_by("-pk")[:count])[::-1]
        OrderLine.objects.bulk_create(
            OrderLine(order=order, item_id=item_id, title="Bench item", unit_amount=amount)
            for order in orders
        )
        Payment.objects.bulk_create(
            Payment(
                order=order,
                method=PaymentMethod.CHECKOUT_SESSION,
                attempt=1,
                status=PaymentStatus.OPEN,
                stripe_account=account_label,
                stripe_id=f"cs_test_bench_{order.reference.hex}",
                amount=amount,
                currency="USD",
            )
            for order in orders
        )
    return [
        PendingOrder(str(order.reference), f"cs_test_bench_{order.reference.hex}", amount, "USD")
        for order in orders
    ]
