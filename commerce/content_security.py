"""The Content-Security-Policy the store needs on top of the site's own (django-csp).

The storefront loads nothing but its own files, Stripe.js and Stripe's frames, talks to
Stripe's API, and its no-JavaScript Buy form ends in a redirect to Stripe Checkout (CSP's
`form-action` covers redirects after a form post). Those origins follow the settings when
each response is built: `STRIPE_JS_URL`, and `STRIPE_API_BASE` when it is set (the offline
emulator plays every Stripe host from one origin), so development and demos keep working
under the same policy production sends.

A JSON answer is no document: it gets a fixed policy that allows nothing
(`DATA_POLICY`) unless its view shapes a policy of its own.

Wagtail's admin still renders a few inline scripts (date pickers, inline panels), so paths
under the admin get the site's policy with inline scripts and styles, Gravatar avatars,
Wagtail's update check and the preview frame allowed; the storefront never does.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from csp.constants import HEADER, SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
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


# The whole policy of a JSON answer: it is data for a script, never a document, so it may
# load, run, embed or be embedded in nothing (what OWASP advises for APIs). Stricter than
# the pages' policy, and a fixed string: django-csp built the pages' policy (and its
# report-only twin) afresh for every JSON answer, about 0.25 ms each.
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"

# A view that shapes its own policy with django-csp's decorators marks its response so.
_SHAPED_BY_THE_VIEW = (
    "_csp_exempt",
    "_csp_update",
    "_csp_replace",
    "_csp_config",
    "_csp_exempt_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_config_ro",
)


def _takes_the_data_policy(request: HttpRequest, response: HttpResponseBase) -> bool:
    """Whether `response` is a JSON answer with no policy of its own, on a path the site's
    policy does not leave out (`EXCLUDE_URL_PREFIXES`)."""
    if not response.get("Content-Type", "").startswith("application/json"):
        return False
    if HEADER in response or any(hasattr(response, name) for name in _SHAPED_BY_THE_VIEW):
        return False
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    excluded = tuple(policy.get("EXCLUDE_URL_PREFIXES", None) or ())
    return not request.path_info.startswith(excluded)


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
        if _takes_the_data_policy(request, response):
            response[HEADER] = DATA_POLICY
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
