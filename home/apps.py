from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The site's own content: the home page at the root of the page tree."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "home"
