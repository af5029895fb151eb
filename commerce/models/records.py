"""What the shop's own records (orders, payments, events) have in common."""


class ShopRecord:
    """A record the shop writes for itself, never content an editor links to.

    Wagtail's reference index (the admin's "usage" of a page, image or snippet) follows
    every foreign key of every saved model. Nothing an editor writes points at an order, a
    payment or a Stripe event, so indexing them answers no question and costs writes on
    every placement and webhook. This flag keeps them out; links from them to pages (an
    order line's item) are not "usage" an editor needs either, since the line keeps its
    own copy of the item's title and price.
    """

    wagtail_reference_index_ignore = True
