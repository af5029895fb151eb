"""Stripe's webhook endpoint: every configured account's events arrive here."""

from __future__ import annotations

from csp.decorators import csp_exempt
from django.http import HttpRequest, HttpResponse, JsonResponse

from .. import webhooks
from ..http import allow_methods, json_endpoint, json_error
from ..payments import gateway


# A Content-Security-Policy guards documents a browser renders; Stripe's servers render
# nothing, so the answers to them carry none.
@csp_exempt()
@csp_exempt(REPORT_ONLY=True)
@json_endpoint
@allow_methods("POST", csrf_protected=False)
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """`POST /stripe/webhook/`: Stripe's events, for every configured account."""
    # Anything unexpected becomes a 503 (json_endpoint): Stripe then delivers the event
    # again later, and nothing of it was committed.
    try:
        result = webhooks.receive(request.body, request.headers.get("Stripe-Signature", ""))
    except gateway.InvalidSignature as error:
        return json_error(400, f"Invalid webhook signature: {error}")
    except webhooks.MalformedEvent as error:
        return json_error(400, f"Not a Stripe event: {error}")
    return JsonResponse({"received": True, "id": result.event_id, "duplicate": result.duplicate})
