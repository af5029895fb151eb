from django.apps import AppConfig


class CommerceConfig(AppConfig):
    """The reusable storefront app: catalog pages, item pages, orders and Stripe payments."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "commerce"
    verbose_name = "Commerce"

    def ready(self) -> None:
        # Importing these registers their system checks (checks, throttling) and connects
        # signal receivers (the cart's, and the receipt sent when an order is paid).
        from . import checks, receipts, throttling  # noqa: F401
        from .cart import receivers  # noqa: F401
        from .page_cache.receivers import connect_receivers as connect_page_cache_receivers

        connect_page_cache_receivers()
        from .fragments import connect_receivers as connect_fragment_receivers

        connect_fragment_receivers()
        from .payments.pricing_objects import connect_receivers as connect_pricing_receivers

        connect_pricing_receivers()
        from .orders.buy_now import connect_receivers as connect_buy_now_receivers

        connect_buy_now_receivers()
