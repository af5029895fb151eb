"""Project URLs: Wagtail admin, the commerce app's routes, then the page tree."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from home import views as home_views

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    # Django's own admin, for the shop's models (the Wagtail admin is the editors' place).
    path("django-admin/", admin.site.urls),
    path("documents/", include(wagtaildocs_urls)),
    path("robots.txt", home_views.robots_txt, name="robots_txt"),
    path("favicon.ico", home_views.favicon, name="favicon"),
    path("", include("commerce.urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()

if settings.DEBUG or settings.SERVE_MEDIA_FILES:
    # Uploaded images, for single-container deployments without a separate file server.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]

# A Redis outage raised outside any view (a middleware reading the cache) answers 503.
handler500 = "config.redis_outage.server_error"

urlpatterns += [
    # Everything else is a page in the Wagtail tree; this must stay last.
    path("", include(wagtail_urls)),
]
