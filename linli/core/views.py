from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def home(request: HttpRequest) -> HttpResponse:
    """The signed-in user's home page: what their role works on, starting at their region."""
    user = request.user
    assignment = user.primary_assignment()  # type: ignore[union-attr]
    return render(request, "core/home.html", {"assignment": assignment})
