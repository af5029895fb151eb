"""The Content-Security-Policy the store needs on top of the site's own (django-csp).

The storefront loads nothing but its own files, Stripe.js and Stripe's frames, talks to
Stripe's API, and its no-JavaScript Buy form ends in a redirect to Stripe Checkout (CSP's
`form-action` covers redirects after a form post). Those origins follow the settings when
each response is built: `STRIPE_JS_URL`, and `STRIPE_API_BASE` when it is set (the offline
emulator plays every Stripe host from one origin), so development and demos keep working
under the same policy production sends.

Wagtail's admin still renders a few inline scripts (date pickers, inline panels), so paths
under the admin get the site's policy with inline scripts and styles, Gravatar avatars,
Wagtail's update check and the preview frame allowed; the storefront never does.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from csp.constants import SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.http import HttpRequest, HttpResponseBase
from django.urls import NoReverseMatch, reverse

from .conf import app_settings

STRIPE_JS_ORIGIN = "https://js.stripe.com"
STRIPE_API_ORIGIN = "https://api.stripe.com"
STRIPE_HOOKS_ORIGIN = "https://hooks.stripe.com"
STRIPE_CHECKOUT_ORIGIN = "https://checkout.stripe.com"

ADMIN_SOURCES: dict[str, list[str]] = {
    "script-src": [UNSAFE_INLINE],
    "style-src": [UNSAFE_INLINE],
    "img-src": ["data:", "blob:", "www.gravatar.com"],
    "font-src": [SELF, "data:"],
    "frame-src": [SELF],
    # Wagtail's dashboard asks whether a newer Wagtail is out (WAGTAIL_ENABLE_UPDATE_CHECK).
    "connect-src": ["https://releases.wagtail.org"],
}


def origin(url: str) -> str | None:
    """`scheme://host[:port]` of an absolute URL; None for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def stripe_sources() -> dict[str, list[str]]:
    """The sources Stripe.js, its frames and Checkout need, per directive."""
    js = origin(app_settings.STRIPE_JS_URL) or STRIPE_JS_ORIGIN
    api_base = origin(app_settings.STRIPE_API_BASE or "")
    api = api_base or STRIPE_API_ORIGIN
    hooks = api_base or STRIPE_HOOKS_ORIGIN
    checkout = api_base or STRIPE_CHECKOUT_ORIGIN
    return {
        "script-src": [js],
        "connect-src": [api],
        "frame-src": sorted({js, hooks}),
        "form-action": [checkout],
    }


def is_admin_path(path: str) -> bool:
    try:
        prefix = reverse("wagtailadmin_home")
    except NoReverseMatch:
        return False
    return path.startswith(prefix)


def policy_changes(request: HttpRequest) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """What to add to the site's CONTENT_SECURITY_POLICY for a response to `request`, and
    which directives to replace."""
    # The admin shows previews of pages in a frame of its own; Wagtail renders them through
    # a request of its own for the page's URL, flagged `is_preview`.
    same_origin_frames = {"frame-ancestors": [SELF]}
    if is_admin_path(request.path_info):
        return ADMIN_SOURCES, same_origin_frames
    if getattr(request, "is_preview", False):
        return stripe_sources(), same_origin_frames
    return stripe_sources(), {}


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with the store's additions (see the module docstring)."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        # A response exempt from both headers (`csp_exempt()` and `csp_exempt(True)`:
        # Stripe's webhook, a machine's JSON) gets none: django-csp would still build
        # both policies before finding that out, on every request.
        if getattr(response, "_csp_exempt", False) and getattr(response, "_csp_exempt_ro", False):
            return response
        return super().process_response(request, response)

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        additions, replacements = policy_changes(request)
        update = dict(parts.update or {})
        for directive, sources in additions.items():
            update[directive] = [*update.get(directive, []), *sources]
        parts.update = update
        parts.replace = {**replacements, **(parts.replace or {})}
        return parts
