"""A shared cache of whole shopper pages, for every visitor they are not personal to.

The home page, catalogs, items, the item list and search results look the same to
every anonymous visitor: the header's cart count is filled in by `cart.js` from
`GET /v2/cart/`, and the add-to-cart and Buy forms carry no CSRF token on such pages
(the script reads the `csrftoken` cookie that the cart's JSON sets; a browser without
JavaScript gets a confirmation page with a fresh token, `commerce/views/csrf.py`). So
`PageCacheMiddleware` keeps each such page, by its absolute URL, in the shared cache for
`COMMERCE_PAGE_CACHE_SECONDS` (0: off) and serves it without touching the database.

It is left out for signed-in visitors and for those who passed a page's password (what
they see may differ), for anything but GET, and for every other view (cart, orders,
payments, admin, previews). A page is stored only if rendering it set no cookie, used no
CSRF token and changed no session. Any change that shows on such pages (a page
published, unpublished, moved or deleted, a price, an image, a site, a view restriction,
the shop's discounts, taxes and settings) replaces one stamp that every stored page is
checked against (`receivers.py`, with `StampedCache`), so a change is seen at once by
every worker sharing the cache.
"""

from .store import is_shared_page_request, page_cache_seconds

__all__ = ["is_shared_page_request", "page_cache_seconds"]
