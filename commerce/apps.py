from django.apps import AppConfig


class CommerceConfig(AppConfig):
    """The reusable storefront app: catalog pages, item pages, orders and Stripe payments."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "commerce"
    verbose_name = "Commerce"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
