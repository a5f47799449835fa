from __future__ import annotations

from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from linli import views
from linli.core.views import healthz

# No route serves MEDIA_ROOT, in DEBUG neither: uploads leave only through access-checked views.
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("linli.accounts.urls")),
    path("audit/", include("linli.core.urls.audit")),
    path("calendar/", include("linli.core.urls.calendar")),
    path("places/", include("linli.places.urls")),
    path("people/", include("linli.people.urls")),
    path("cases/", include("linli.cases.urls")),
    path("manage/tree/", include("linli.places.tree_urls")),
    path("api/v1/", include("linli.api_urls")),
    path("open311/v2/", include("linli.cases.open311_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
