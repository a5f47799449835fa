"""Core's pages: the health check here; the audit browser (``audit``) and the working calendar
(``calendar``) in rooms of their own. The home page lies above the apps, in ``linli/views.py``."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
