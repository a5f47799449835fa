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
    """The signed-in user's home page: what each of their roles works on, starting at its region.

    A grid worker sees their grid (map and buildings), a community worker their community's grids,
    subdistrict and district staff their region's summary; auditors and administrators get their
    tools; a resident gets the portal's promise and no registry data.
    """
    from linli.accounts.models import Assignment, User
    from linli.places.views import home_sections

    user = request.user
    assert isinstance(user, User)  # LoginRequiredMiddleware sent everyone else to sign in
    assignments = list(
        Assignment.objects.active()
        .filter(user=user)
        .select_related("region", "department")
        .order_by("region__depth", "id")
    )
    roles = {a.role for a in assignments}
    return render(
        request,
        "core/home.html",
        {
            "assignments": assignments,
            "roles": roles,
            "sections": home_sections(assignments, user),
        },
    )
