from __future__ import annotations

from django.urls import path

from linli.core import audit_views

app_name = "audit"
urlpatterns = [
    path("", audit_views.audit_list, name="list"),
    path("<int:seq>/", audit_views.audit_detail, name="detail"),
]
