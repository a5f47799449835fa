"""The case map (open cases as GeoJSON in a bounding box) and the whistle board (吹哨报到)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from linli.cases.choices import OPEN_STATUSES, CaseStatus
from linli.cases.models import Case, Summons, Whistle
from linli.cases.views.inbox import CASES_PER_PAGE, MAP_LIMIT, case_reader_required
from linli.cases.views.report import region_bounds

# --- map and whistle board ---------------------------------------------------------------------


@case_reader_required
def case_map(request: HttpRequest) -> HttpResponse:
    return render(request, "cases/map.html", {"map_bounds": region_bounds(request.user)})


def _bbox(raw: str) -> tuple[float, float, float, float] | None:
    try:
        west, south, east, north = (float(x) for x in raw.split(","))
    except ValueError:
        return None
    if not (west < east and south < north):
        return None
    return west, south, east, north


@case_reader_required
def case_map_json(request: HttpRequest) -> JsonResponse:
    """Open cases visible to the user inside ``bbox=w,s,e,n`` (at most MAP_LIMIT, newest first) as GeoJSON."""
    queryset = Case.objects.visible_to(request.user).open().filter(lat__isnull=False, lng__isnull=False)
    box = _bbox(request.GET.get("bbox", ""))
    if box is not None:
        west, south, east, north = box
        queryset = queryset.filter(lng__gte=west, lng__lte=east, lat__gte=south, lat__lte=north)
    rows = list(
        queryset.order_by("-reported_at", "-pk").values_list(
            "pk", "number", "title", "status", "is_overdue", "lng", "lat"
        )[: MAP_LIMIT + 1]
    )
    truncated = len(rows) > MAP_LIMIT
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lng, lat]},
            "properties": {
                "number": number,
                "title": title,
                "status": str(CaseStatus(status).label),
                "overdue": overdue,
                "url": reverse("cases:detail", kwargs={"pk": pk}),
            },
        }
        for pk, number, title, status, overdue, lng, lat in rows[:MAP_LIMIT]
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features, "truncated": truncated})


@case_reader_required
def whistle_board(request: HttpRequest) -> HttpResponse:
    """吹哨报到 — open whistles of the user's subtree, each summons' check-in, and this month's late check-ins."""
    user: Any = request.user
    now = timezone.now()
    visible = Case.objects.visible_to(user).values("pk")
    pending = Summons.objects.filter(reported_at__isnull=True).values("whistle_id")
    whistles = (
        Whistle.objects.filter(case_id__in=visible)
        .filter(Q(case__status__in=OPEN_STATUSES) | Q(pk__in=pending))
        .select_related("case", "region", "blown_by")
        .prefetch_related(Prefetch("summonses", queryset=Summons.objects.select_related("department")))
        .order_by("-blown_at", "-pk")
    )
    page = Paginator(whistles, CASES_PER_PAGE).get_page(request.GET.get("page"))
    month_start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    by_department = (
        Summons.objects.filter(case_id__in=visible, whistle__blown_at__gte=month_start)
        .values("department__name")
        .annotate(
            total=Count("pk"),
            late=Count("pk", filter=Q(late=True)),
            missing=Count("pk", filter=Q(checked_in_at__isnull=True, check_in_deadline__lt=now)),
        )
        .order_by("-late", "department__name")
    )
    return render(
        request,
        "cases/whistles.html",
        {"page": page, "by_department": list(by_department), "now": now, "month_start": month_start},
    )
