"""活户籍: what in a grid's registry needs a worker's attention, counts then lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from linli.accounts.roles import Capability
from linli.core.permissions import capability_required
from linli.core.scope import get_visible_or_404, scope_paths
from linli.people import queries
from linli.people.views._common import VIEW_REFUSED
from linli.places.choices import RegionKind
from linli.places.models import Region

QUALITY_LIST_LIMIT = 50


@dataclass
class QualityCheck:
    key: str
    title: str
    hint: str
    queryset: QuerySet[Any]
    count: int = 0
    items: list[Any] = field(default_factory=list)


@capability_required(Capability.VIEW_PEOPLE, message=VIEW_REFUSED)
def quality_home(request: HttpRequest) -> HttpResponse:
    """Straight to the quality page of the user's region (a grid worker's grid)."""
    regions = list(Region.objects.filter(path__in=scope_paths(request.user)).only("pk"))
    if len(regions) == 1:
        return redirect("people:quality", pk=regions[0].pk)
    return redirect("people:list")


@capability_required(Capability.VIEW_PEOPLE, message=VIEW_REFUSED)
def quality(request: HttpRequest, pk: int) -> HttpResponse:
    """活户籍: what in this grid's registry needs a worker's attention, counts then lists."""
    region = get_visible_or_404(Region.objects.defer("boundary"), request.user, pk=pk)
    user = request.user
    checks = [
        QualityCheck(
            "no_house",
            _("未关联房屋的人员"),
            _("在册但没有现住房屋：请核实后办理迁入，或已离开的办理迁出。"),
            queries.persons_without_house(user, region).select_related("region"),
        ),
        QualityCheck(
            "vacant",
            _("无人居住的房屋"),
            _("住宅类房屋没有任何现住人员：是空置房，还是漏登？"),
            queries.houses_without_residents(user, region),
        ),
        QualityCheck(
            "no_head",
            _("无户主的户"),
            _("户内没有现任户主：请在户页面变更户主。"),
            queries.households_without_head(user, region).select_related("house"),
        ),
        QualityCheck(
            "duplicates",
            _("疑似重复登记"),
            _("证件号码相同的多条人员记录（另一条可能在辖区外）。"),
            queries.suspected_duplicates(user, region).select_related("house"),
        ),
        QualityCheck(
            "stale",
            _("超过 12 个月未核实"),
            _("请入户或电话核实后点“核实”。"),
            queries.stale_records(user, region).select_related("house"),
        ),
    ]
    for check in checks:
        check.count = check.queryset.count()
        check.items = list(check.queryset[:QUALITY_LIST_LIMIT]) if check.count else []
    grids = []
    if region.kind != RegionKind.GRID:
        grids = list(
            Region.objects.visible_to(user)
            .filter(path__subtree=region.path, kind=RegionKind.GRID)
            .only("pk", "name", "path")
        )
    return render(
        request,
        "people/quality.html",
        {"region": region, "checks": checks, "grids": grids, "limit": QUALITY_LIST_LIMIT},
    )
