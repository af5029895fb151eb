"""The store's URLs plus the benchmark's baseline: a bare view that writes the session."""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def bare_session_write(request: HttpRequest) -> JsonResponse:
    """What any session-writing POST costs: read the session, change it, save it."""
    request.session["count"] = request.session.get("count", 0) + 1
    return JsonResponse({"count": request.session["count"]})


urlpatterns = [
    path("bench/bare/", bare_session_write),
    path("", include("config.urls")),
]
