"""The demo store: a catalog of items with generated pictures, built idempotently.

Kept apart from the management command so tests and other commands can build the
same store. Pictures are drawn with Pillow, so the demo needs no downloads. The demo is
this project's, not the reusable `commerce` app's: a site that installs the app starts
with no items and no users it did not create.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.images import ImageFile
from django.db import transaction
from PIL import Image as PillowImage
from PIL import ImageDraw, ImageFont
from wagtail.images import get_image_model
from wagtail.models import Page
from wagtail.rich_text import RichText

from commerce import money
from commerce.models import CatalogPage, Discount, ItemPage, ShopSettings, Tax


@dataclass(frozen=True)
class DemoItem:
    title: str
    price: str
    currency: str
    sku: str
    description: str
    catalog: str = "shop"


DEMO_CATALOGS = [
    ("shop", "Shop", None, "Everyday goods, made to last. Prices in US dollars and euros."),
    ("stationery", "Stationery", "shop", "Paper, pens and things for the desk."),
]

DEMO_ITEMS = [
    DemoItem("Canvas Tote Bag", "24.00", "USD", "TOTE-01", "Heavy cotton canvas, long handles."),
    DemoItem("Enamel Mug", "14.50", "USD", "MUG-01", "Speckled enamel, 350 ml, camp-ready."),
    DemoItem("Wool Beanie", "29.99", "USD", "HAT-01", "Merino wool, one size, ribbed knit."),
    DemoItem("Water Bottle", "32.00", "USD", "BTL-01", "Insulated steel, keeps cold 24 hours."),
    DemoItem("Linen Apron", "38.00", "USD", "APR-01", "Washed linen with two deep pockets."),
    DemoItem("Desk Plant Pot", "18.25", "USD", "POT-01", "Glazed stoneware with drainage tray."),
    DemoItem("Travel Pillow", "21.00", "USD", "PIL-01", "Memory foam, washable cover."),
    DemoItem("Espresso Cups", "26.00", "EUR", "CUP-02", "A pair of porcelain cups, 80 ml."),
    DemoItem("Olive Oil Soap", "7.90", "EUR", "SOAP-01", "Cold-pressed olive oil, unscented."),
    DemoItem("Wooden Spoon Set", "19.00", "EUR", "SPN-03", "Three beech spoons, oiled finish."),
    DemoItem("Picnic Blanket", "54.00", "EUR", "BLK-01", "Wool blend with waterproof backing."),
    DemoItem(
        "Dot Grid Notebook", "12.00", "EUR", "NB-01", "A5, 160 pages, lay-flat.", "stationery"
    ),
    DemoItem(
        "Fountain Pen", "45.00", "EUR", "PEN-01", "Steel nib, refillable converter.", "stationery"
    ),
    DemoItem("Brass Ruler", "16.00", "USD", "RUL-01", "15 cm solid brass, engraved.", "stationery"),
]


# The demo's discount code and its two taxes: US sales tax added on top of USD prices,
# EU VAT already inside EUR prices.
DEMO_DISCOUNT = {"code": "WELCOME10", "name": "Welcome 10% off", "percent_off": Decimal(10)}
DEMO_TAXES = [
    {
        "name": "Sales tax",
        "rate": Decimal("8.875"),
        "inclusive": False,
        "country": "US",
        "jurisdiction": "NY",
        "currencies": "USD",
    },
    {
        "name": "VAT",
        "rate": Decimal(20),
        "inclusive": True,
        "country": "",
        "jurisdiction": "EU",
        "currencies": "EUR",
    },
]


def _colour_for(text: str) -> tuple[int, int, int]:
    """A pleasant, stable colour per item, so the same item always gets the same picture."""
    hue = int(hashlib.sha256(text.encode()).hexdigest()[:4], 16) / 0xFFFF
    red, green, blue = colorsys.hls_to_rgb(hue, 0.55, 0.45)
    return int(red * 255), int(green * 255), int(blue * 255)


def draw_product_picture(title: str, size: tuple[int, int] = (800, 600)) -> bytes:
    """A PNG with a gradient, a simple shape and the item's name."""
    width, height = size
    base = _colour_for(title)
    picture = PillowImage.new("RGB", size, base)
    draw = ImageDraw.Draw(picture)
    for row in range(height):
        shade = row / height
        draw.line(
            [(0, row), (width, row)],
            fill=tuple(int(channel * (1 - 0.35 * shade)) for channel in base),
        )
    draw.ellipse(
        [width * 0.3, height * 0.18, width * 0.7, height * 0.72],
        fill=(255, 255, 255),
        outline=(40, 40, 40),
        width=6,
    )
    font = ImageFont.load_default(size=44)
    text_width = draw.textlength(title, font=font)
    draw.text(((width - text_width) / 2, height * 0.8), title, fill=(255, 255, 255), font=font)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def _get_or_create_image(title: str):
    image_model = get_image_model()
    image = image_model.objects.filter(title=title).first()
    if image is None:
        data = draw_product_picture(title)
        filename = f"{title.lower().replace(' ', '-')}.png"
        image = image_model(title=title)
        image.file = ImageFile(io.BytesIO(data), name=filename)
        image.save()
    return image


def _publish_child(parent: Page, page: Page) -> Page:
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def load_demo_pricing(home: Page) -> int:
    """The demo discount code and taxes, the taxes made the site's defaults; returns how
    many of the three it created (what exists already, by code or name, is left alone)."""
    created = 0
    if not Discount.objects.filter(code=DEMO_DISCOUNT["code"]).exists():
        Discount.objects.create(**DEMO_DISCOUNT)
        created += 1
    taxes = []
    for fields in DEMO_TAXES:
        tax = Tax.objects.filter(name=fields["name"]).first()
        if tax is None:
            tax = Tax.objects.create(**fields)
            created += 1
        taxes.append(tax)
    settings = ShopSettings.for_site(home.get_site())
    settings.default_taxes.add(*taxes)
    return created


@transaction.atomic
def load_demo_store(home: Page) -> dict[str, int]:
    """Build the demo catalogs and items under `home`, and the demo discount and taxes;
    what exists already is left alone.

    Returns how many catalogs, items and pricing rules it created, so callers can report
    it (and tests can see that a second run creates nothing).
    """
    created = {"catalogs": 0, "items": 0, "pricing": load_demo_pricing(home)}
    catalogs: dict[str, CatalogPage] = {}
    for slug, title, parent_slug, intro in DEMO_CATALOGS:
        parent = home if parent_slug is None else catalogs[parent_slug]
        catalog = CatalogPage.objects.child_of(parent).filter(slug=slug).first()
        if catalog is None:
            catalog = CatalogPage(title=title, slug=slug, intro=RichText(f"<p>{intro}</p>").source)
            _publish_child(parent, catalog)
            parent.refresh_from_db()
            created["catalogs"] += 1
        catalogs[slug] = catalog

    for demo in DEMO_ITEMS:
        catalog = catalogs[demo.catalog]
        slug = demo.sku.lower()
        if ItemPage.objects.child_of(catalog).filter(slug=slug).exists():
            continue
        item = ItemPage(
            title=demo.title,
            slug=slug,
            description=f"<p>{demo.description}</p>",
            image=_get_or_create_image(demo.title),
            price_amount=money.parse_amount(demo.price, demo.currency),
            currency=demo.currency,
            sku=demo.sku,
            available_for_sale=True,
        )
        _publish_child(catalog, item)
        catalog.refresh_from_db()
        created["items"] += 1
    return created
