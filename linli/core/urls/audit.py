"""审计日志 — the audit browser, mounted at /audit/ (linli/urls.py)."""

from __future__ import annotations

from django.urls import path

from linli.core.views import audit

app_name = "audit"
urlpatterns = [
    path("", audit.audit_list, name="list"),
    path("<int:seq>/", audit.audit_detail, name="detail"),
]
