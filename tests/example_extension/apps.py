from django.apps import AppConfig


class ExampleExtensionConfig(AppConfig):
    """Wagtail finds `wagtail_hooks.py` itself; the webhook handler and the signal
    receiver are registered here, when the app is ready, as any host app would."""

    name = "tests.example_extension"
    label = "example_extension"

    def ready(self) -> None:
        from . import receivers, webhooks  # noqa: F401  (registering is importing)
