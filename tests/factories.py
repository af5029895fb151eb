"""factory-boy factories for pages and images; pages are added under a `parent` page."""

from __future__ import annotations

import io
from typing import Any

import factory
from django.core.files.images import ImageFile
from django.utils.text import slugify
from PIL import Image as PillowImage
from wagtail.images import get_image_model
from wagtail.models import Page

from commerce.models import CatalogPage, ItemPage


def png_file(name: str = "picture.png", size: tuple[int, int] = (64, 48)) -> ImageFile:
    buffer = io.BytesIO()
    PillowImage.new("RGB", size, (200, 120, 40)).save(buffer, format="PNG")
    return ImageFile(buffer, name=name)


class ImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_image_model()

    title = factory.Sequence(lambda number: f"Picture {number}")
    file = factory.LazyAttribute(lambda image: png_file(f"{slugify(image.title)}.png"))


class PageFactory(factory.django.DjangoModelFactory):
    """Creates the page as a live child of `parent` (required), the way editors would."""

    class Meta:
        abstract = True

    title = factory.Sequence(lambda number: f"Page {number}")
    slug = factory.LazyAttribute(lambda page: slugify(page.title))

    @classmethod
    def _create(cls, model_class: type[Page], *args: Any, parent: Page, **kwargs: Any) -> Page:
        page = model_class(*args, **kwargs)
        parent.add_child(instance=page)
        return page


class CatalogPageFactory(PageFactory):
    class Meta:
        model = CatalogPage

    title = factory.Sequence(lambda number: f"Catalog {number}")


class ItemPageFactory(PageFactory):
    class Meta:
        model = ItemPage

    title = factory.Sequence(lambda number: f"Item {number}")
    description = "<p>A fine thing.</p>"
    price_amount = 1250
    currency = "USD"
    available_for_sale = True
