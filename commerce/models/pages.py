"""Catalog and item pages: what editors publish and shoppers browse."""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db import connections, models, router
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.http import Http404, HttpRequest
from django.template.response import SimpleTemplateResponse
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.coreutils import resolve_model_string
from wagtail.fields import RichTextField
from wagtail.images import get_image_model
from wagtail.models import Page, PageManager, PageViewRestriction
from wagtail.query import PageQuerySet
from wagtail.search import index

from .. import fixed_sql, money
from ..conf import app_settings
from ..forms import ItemPageForm
from ..stamped_cache import stamps_read_together

ITEMS_PER_PAGE = 24
# The rendition every item list shows; prefetched so a list costs the same queries
# whatever its length.
LISTING_IMAGE_SPEC = "fill-480x360"
DETAIL_IMAGE_SPEC = "max-960x720"


class PageLink(NamedTuple):
    """A link to a page as a list shows it, small enough to keep in the shared cache."""

    url: str
    title: str


def paginate(request: HttpRequest, items: Any, per_page: int = ITEMS_PER_PAGE) -> PaginatorPage:
    """The requested page of a list, tolerant of junk in `?page=` (it gives the first or last)."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def route_to_item(page: Page, request: HttpRequest, path_components: list[str]) -> Any:
    """`Page.route` for a page with items below it: an item is found by its URL path with
    its own fields in one query, where Wagtail's route takes two per level (each page on
    the way as a `Page`, then its specific row). Anything else goes on as `route_to_child`.

    Wagtail keeps `url_path` right through moves and slug changes, and its route checks
    only the page it arrives at (live or not), as this does; catalogs do not route
    themselves.
    """
    if path_components:
        item = _item_at(page.url_path + "/".join(path_components) + "/", path_components[-1])
        if item is not None:
            return item.route(request, [])
    return route_to_child(page, request, path_components)


def _item_at(url_path: str, slug: str) -> ItemPage | None:
    """The item whose URL path is `url_path` (its slug is `slug`), or None.

    A fixed statement (`commerce.fixed_sql`): every item page is found this way, and the
    ORM spent longer building this query than the database answering it. `url_path` has
    no index, so the item's slug (Wagtail indexes it) finds the few pages to compare: a
    catalog of thousands costs what a catalog of ten does. No order is asked for: a URL
    path belongs to one page, as slugs are unique among siblings (and an order by the
    tree's path could lead the database to walk that index instead)."""
    alias = router.db_for_read(ItemPage)
    sql, converters = _item_at_sql(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [slug, url_path])
        row = cursor.fetchone()
    if row is None:
        return None
    return fixed_sql.from_row(ItemPage, alias, fixed_sql.converted(row, converters, alias))


@functools.cache
def _item_at_sql(alias: str) -> tuple[str, list[tuple[int, Any, list[Any]]]]:
    """`_item_at`'s statement, and the converters of its columns."""
    page_table, page_column = fixed_sql.quoted_names(Page, alias, "id", "slug", "url_path")
    item_table, item_column = fixed_sql.quoted_names(ItemPage, alias, "page_ptr")
    columns = ", ".join(fixed_sql.selected_columns(ItemPage, alias))
    sql = (
        f"SELECT {columns} FROM {item_table} INNER JOIN {page_table} "  # noqa: S608
        f"ON {item_table}.{item_column['page_ptr']} = {page_table}.{page_column['id']} "
        f"WHERE {page_table}.{page_column['slug']} = %s "
        f"AND {page_table}.{page_column['url_path']} = %s LIMIT 1"
    )
    return sql, fixed_sql.row_converters(alias, ItemPage._meta.concrete_fields)


def route_to_child(page: Page, request: HttpRequest, path_components: list[str]) -> Any:
    """`Page.route`, with a catalog on the way taken without its own row: Wagtail's route
    reads each page, then its specific row, and a catalog's (its intro) is needed only to
    render its intro, which is kept in the shared cache (`commerce.fragments`). Other page
    types are routed exactly as Wagtail does."""
    if not path_components:
        return Page.route(page, request, path_components)
    try:
        child = page.get_children().get(slug=path_components[0])
    except Page.DoesNotExist as error:
        raise Http404 from error
    child._cached_parent_obj = page
    specific = child.specific_deferred if child.specific_class is CatalogPage else child.specific
    return specific.route(request, path_components[1:])


def _restricted_q(request: HttpRequest | None) -> Q:
    """Pages under a view restriction (on themselves or an ancestor) that `request` has not
    passed; with no request, under any restriction.

    Wagtail checks restrictions only when it serves a page; lists and the JSON API have to
    apply them themselves or they would show and sell what an editor made private. Worked
    out once per request: one query for the restrictions, one more for their groups if any
    restriction is by group.
    """
    cached = getattr(request, "_commerce_restricted_q", None)
    if cached is not None:
        return cached
    restrictions = list(PageViewRestriction.objects.select_related("page"))
    by_group = [r for r in restrictions if r.restriction_type == PageViewRestriction.GROUPS]
    prefetch_related_objects(by_group, "groups")
    q = Q(pk__in=[])
    for restriction in restrictions:
        if request is None or not restriction.accept_request(request):
            q |= Q(path__startswith=restriction.page.path)
    if request is not None:
        request._commerce_restricted_q = q
    return q


class ItemPageQuerySet(PageQuerySet):
    def visible_to(self, request: HttpRequest | None) -> ItemPageQuerySet:
        """Pages `request` may see: outside private sections, or in ones it has passed
        (password given, logged in, in the group). `None` keeps public pages only."""
        return self.exclude(_restricted_q(request))

    def for_listing(self) -> ItemPageQuerySet:
        """Live items with their image and its listing rendition, in tree order.

        One query for the items, one for their images and one for the renditions,
        however many items there are.
        """
        images = get_image_model().objects.prefetch_renditions(LISTING_IMAGE_SPEC)
        return self.live().prefetch_related(Prefetch("image", queryset=images)).order_by("path")

    def card_ids(self) -> Any:
        """The ids of these items in tree order, which is all a list of item cards needs:
        the cards themselves come from the cache (`commerce.fragments`)."""
        return self.order_by("path").values_list("pk", flat=True)

    def purchasable(self) -> ItemPageQuerySet:
        """Items a shopper can buy right now: live and marked available for sale."""
        return self.live().filter(available_for_sale=True)


ItemPageManager = PageManager.from_queryset(ItemPageQuerySet)


class CatalogPage(Page):
    """A shelf of items. Catalogs nest, so a shop can be split into departments.

    Items may only live under a catalog; catalogs live under the page types named in
    the `COMMERCE_CATALOG_PARENT_PAGE_TYPES` setting (read when Wagtail asks, so a host
    site names its own home page) or under another catalog.
    """

    intro = RichTextField(blank=True, help_text="Shown above the items of this catalog.")

    content_panels = Page.content_panels + [FieldPanel("intro")]
    search_fields = Page.search_fields + [index.SearchField("intro")]
    subpage_types = ["commerce.ItemPage", "commerce.CatalogPage"]
    # Top catalogs make the site's header menu; editors untick "Show in menus" to hide one.
    show_in_menus_default = True

    @classmethod
    def clean_parent_page_models(cls) -> list[type[Page]]:
        names = app_settings.COMMERCE_CATALOG_PARENT_PAGE_TYPES
        if names is None:
            return [model for model in super().clean_parent_page_models() if model is not ItemPage]
        parents = [resolve_model_string(name, cls._meta.app_label) for name in names]
        return [*parents, CatalogPage]

    def route(self, request: HttpRequest, path_components: list[str]) -> Any:
        return route_to_item(self, request, path_components)

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        """Wagtail's serve, rendered at once, with one read of the cached parts' stamp:
        the page's parts and its cards are two reads of the cache that would each read it
        (`stamped_cache.stamps_read_together`)."""
        from ..fragments import FRAGMENTS

        with stamps_read_together(FRAGMENTS):
            response = super().serve(request, *args, **kwargs)
            if isinstance(response, SimpleTemplateResponse):
                response.render()
            return response

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The page's breadcrumbs and intro, its items (ids; the cards come from
        `commerce.fragments`) and its subcatalogs' links, from one cache read while no page
        has changed."""
        from ..fragments import page_parts

        context = super().get_context(request, *args, **kwargs)

        def items() -> list[int]:
            return list(ItemPage.objects.live().visible_to(request).child_of(self).card_ids())

        def subcatalog_links() -> list[PageLink]:
            catalogs = CatalogPage.objects.live().child_of(self).exclude(_restricted_q(request))
            return [
                PageLink(catalog.get_url(request), catalog.title)
                for catalog in catalogs.order_by("path")
            ]

        context["fragments"], lists = page_parts(
            request,
            self,
            ["breadcrumbs", "catalog_intro"],
            {f"catalog:{self.pk}": items, f"subcatalogs:{self.pk}": subcatalog_links},
        )
        context["subcatalog_links"] = lists[f"subcatalogs:{self.pk}"]
        context["items"] = paginate(request, lists[f"catalog:{self.pk}"])
        return context

    class Meta:
        verbose_name = "catalog"


class ItemPage(Page):
    """Something for sale. An item is a page so editors write, preview and publish it
    like any other content, and its page id is the id the buy and cart APIs take.

    The price is stored as integer minor units (`price_amount`) with its currency;
    editors type it as a decimal through `ItemPageForm`, which validates it against the
    currency's decimal places.
    """

    description = RichTextField(blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Shown in lists and on the item page; pick one from the image library.",
    )
    price_amount = models.BigIntegerField(
        default=0,
        editable=False,
        help_text="The price in the currency's minor units (cents, yen, fils).",
    )
    currency = models.CharField(
        max_length=3, choices=money.CURRENCY_CHOICES, default="USD", help_text="ISO 4217 code."
    )
    sku = models.CharField(
        "SKU", max_length=64, blank=True, help_text="Optional stock-keeping unit; unique if set."
    )
    available_for_sale = models.BooleanField(
        default=True, help_text="Untick to keep the page visible but stop selling it."
    )

    objects = ItemPageManager()

    base_form_class = ItemPageForm
    content_panels = Page.content_panels + [
        FieldPanel("image"),
        FieldPanel("description"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("price"), FieldPanel("currency")]),
                FieldRowPanel([FieldPanel("sku"), FieldPanel("available_for_sale")]),
            ],
            heading="Selling",
        ),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("description"),
        index.SearchField("sku"),
        index.FilterField("available_for_sale"),
        index.FilterField("currency"),
    ]
    parent_page_types = ["commerce.CatalogPage"]
    subpage_types: list[str] = []

    @property
    def price(self) -> money.Money:
        return money.Money(self.price_amount, self.currency)

    @property
    def formatted_price(self) -> str:
        return money.format_amount(self.price_amount, self.currency)

    def clean(self) -> None:
        super().clean()
        if self.sku:
            clashes = ItemPage.objects.filter(sku=self.sku, alias_of__isnull=True)
            if self.pk:
                clashes = clashes.exclude(pk=self.pk)
            if clashes.exists():
                raise ValidationError({"sku": "Another item already uses this SKU."})

    class Meta:
        verbose_name = "item"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price_amount__gte=0), name="commerce_item_price_not_negative"
            ),
        ]
