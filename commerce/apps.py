from django.apps import AppConfig


class CommerceConfig(AppConfig):
    """The reusable storefront app: catalog pages, item pages, money and payments."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "commerce"
    verbose_name = "Commerce"
