"""Browsing the place tree: region → children (with counts and a map) → grid → building → house; search.

Every object comes through ``get_visible_or_404`` and every list through ``visible_to``, so an
outsider gets the same 404 as for a missing id. Counts under a region's children are one grouped
aggregate per table (``overview.region_overview``), so a region with 60 children costs the
same number of queries as one with 2."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Page, Paginator
from django.db.models import Count
from django.db.models.functions import Length
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy

from linli.accounts.roles import Capability
from linli.core.permissions import capability_required
from linli.core.scope import get_visible_or_404, scope_paths
from linli.places.choices import RegionKind
from linli.places.filters import BuildingFilterSet, HouseFilterSet, RegionFilterSet
from linli.places.models import Building, House, Region, Unit
from linli.places.views.overview import Crumb, region_crumbs, region_overview

if TYPE_CHECKING:
    from linli.accounts.models import User


BUILDINGS_PER_PAGE = 50
SEARCH_RESULTS_PER_PAGE = 20
# More markers than this on one map slow a weak phone to a crawl; the table below lists them all.
MAX_MAP_MARKERS = 2000

BUILDING_SORTS: dict[str, tuple[Any, ...]] = {
    # Building numbers are text ("2", "10", "12A"): shorter first keeps "2" before "10".
    "number": (Length("number").asc(), "number", "pk"),
    "-number": (Length("number").desc(), "-number", "-pk"),
    "address": ("address", "pk"),
    "-address": ("-address", "-pk"),
}

View = Callable[..., HttpResponse]


# Only roles with the view_places capability browse the registry (residents use the portal).
places_viewer_required = capability_required(
    Capability.VIEW_PLACES, message=gettext_lazy("您的角色不能查看区域与房屋数据。")
)


# --- pages -------------------------------------------------------------------------------------


def top_regions(user: User | AnonymousUser) -> list[Region]:
    """The roots of the user's scope: the regions their assignments point at, minus covered ones."""
    return list(Region.objects.filter(path__in=scope_paths(user)).defer("boundary"))


@places_viewer_required
def browse(request: HttpRequest) -> HttpResponse:
    """Start of the region browser: straight to the user's region, or a choice when they have several."""
    regions = top_regions(request.user)
    if len(regions) == 1:
        return redirect("places:region", pk=regions[0].pk)
    return render(request, "places/browse.html", {"regions": regions})


def _page(request: HttpRequest, items: Any, per_page: int, param: str = "page") -> Page:
    return Paginator(items, per_page).get_page(request.GET.get(param))


@places_viewer_required
def region_detail(request: HttpRequest, pk: int) -> HttpResponse:
    region = get_visible_or_404(Region.objects.all(), request.user, pk=pk)
    context: dict[str, Any] = {
        "region": region,
        "crumbs": region_crumbs(region, request.user),
        "geojson_url": reverse("places:region_geojson", args=[region.pk]),
    }
    if region.kind == RegionKind.GRID:
        sort = request.GET.get("sort", "number")
        if sort not in BUILDING_SORTS:
            sort = "number"
        buildings = (
            Building.objects.visible_to(request.user)
            .filter(region=region)
            .annotate(unit_count=Count("units", distinct=True), house_count=Count("houses", distinct=True))
            .order_by(*BUILDING_SORTS[sort])
        )
        context.update(
            page=_page(request, buildings, BUILDINGS_PER_PAGE),
            sort=sort,
            house_total=House.objects.visible_to(request.user).filter(region=region).count(),
        )
    else:
        context["overview"] = region_overview(region, request.user)
    return render(request, "places/region.html", context)


def _feature(geometry: dict[str, Any] | None, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


@places_viewer_required
def region_geojson(request: HttpRequest, pk: int) -> JsonResponse:
    """The map of a region: its own outline, its children's polygons or, for a grid, its buildings.

    Features carry ``role`` ("self", "child", "building"), a name for the label and the URL a click
    drills down to. Children and buildings without coordinates are left out (the page's table lists them).
    """
    region = get_visible_or_404(Region.objects.all(), request.user, pk=pk)
    features = []
    if region.boundary:
        features.append(_feature(region.boundary, role="self", id=region.pk, name=region.name))
    if region.kind == RegionKind.GRID:
        buildings = (
            Building.objects.visible_to(request.user)
            .filter(region=region, lat__isnull=False, lng__isnull=False)
            .order_by("pk")
            .values("pk", "number", "address", "lat", "lng")[:MAX_MAP_MARKERS]
        )
        for b in buildings:
            features.append(
                _feature(
                    {"type": "Point", "coordinates": [b["lng"], b["lat"]]},
                    role="building",
                    id=b["pk"],
                    name=b["address"] or b["number"],
                    url=reverse("places:building", args=[b["pk"]]),
                )
            )
    else:
        children = (
            Region.objects.visible_to(request.user)
            .filter(path__subtree=region.path, depth=region.depth + 1, boundary__isnull=False)
            .only("pk", "name", "code", "kind", "boundary")
        )
        for child in children:
            features.append(
                _feature(
                    child.boundary,
                    role="child",
                    id=child.pk,
                    name=child.name,
                    code=child.code,
                    kind=child.kind,
                    url=reverse("places:region", args=[child.pk]),
                )
            )
    response = JsonResponse(
        {"type": "FeatureCollection", "features": features}, json_dumps_params={"ensure_ascii": False}
    )
    response["Content-Type"] = "application/geo+json"
    return response


@dataclass
class UnitGroup:
    unit: Unit | None
    houses: list[House]


@places_viewer_required
def building_detail(request: HttpRequest, pk: int) -> HttpResponse:
    building = get_visible_or_404(Building.objects.select_related("region", "estate"), request.user, pk=pk)
    units = list(Unit.objects.visible_to(request.user).filter(building=building).order_by(Length("number"), "number"))
    houses_by_unit: dict[int | None, list[House]] = defaultdict(list)
    houses = (
        House.objects.visible_to(request.user)
        .filter(building=building)
        .order_by("floor", Length("number"), "number", "pk")
    )
    for house in houses:
        houses_by_unit[house.unit_id].append(house)
    groups = [UnitGroup(unit, houses_by_unit.get(unit.pk, [])) for unit in units]
    if houses_by_unit.get(None):
        groups.append(UnitGroup(None, houses_by_unit[None]))
    crumbs = region_crumbs(building.region, request.user, link_last=True)
    crumbs.append(Crumb(str(building), None))
    return render(
        request,
        "places/building.html",
        {
            "building": building,
            "groups": groups,
            "crumbs": crumbs,
            "house_total": sum(len(g.houses) for g in groups),
        },
    )


@places_viewer_required
def house_detail(request: HttpRequest, pk: int) -> HttpResponse:
    house = get_visible_or_404(House.objects.select_related("region", "building", "unit"), request.user, pk=pk)
    crumbs = region_crumbs(house.region, request.user, link_last=True)
    crumbs.append(Crumb(str(house.building), reverse("places:building", args=[house.building_id])))
    crumbs.append(Crumb(house.number, None))
    return render(request, "places/house.html", {"house": house, "crumbs": crumbs})


# --- search ------------------------------------------------------------------------------------


def _with_parents(regions: Iterable[Region]) -> list[tuple[Region, Region | None]]:
    """Pair each region with its parent, fetched in one query (paths are parent path + one step)."""
    regions = list(regions)
    parent_paths = {r.path[: -Region.steplen] for r in regions if r.depth > 1}
    parents = {p.path: p for p in Region.objects.filter(path__in=parent_paths).only("path", "name")}
    return [(r, parents.get(r.path[: -Region.steplen])) for r in regions]


@places_viewer_required
def search(request: HttpRequest) -> HttpResponse:
    """Regions by name or code, buildings and houses by address; only what the user may see."""
    q = request.GET.get("q", "").strip()[:100]
    context: dict[str, Any] = {"q": q}
    if q:
        query = {"q": q}  # the same filters as /api/v1/{regions,buildings,houses}/?q=
        regions = RegionFilterSet(query, request=request).qs
        buildings = BuildingFilterSet(query, request=request).qs.select_related("region").order_by("address", "pk")
        houses = HouseFilterSet(query, request=request).qs.select_related("region").order_by("address", "pk")
        region_page = _page(request, regions, SEARCH_RESULTS_PER_PAGE, "rpage")
        context.update(
            region_page=region_page,
            region_results=_with_parents(region_page.object_list),
            building_page=_page(request, buildings, SEARCH_RESULTS_PER_PAGE, "bpage"),
            house_page=_page(request, houses, SEARCH_RESULTS_PER_PAGE, "hpage"),
        )
        context["found"] = any(context[name].paginator.count for name in ("region_page", "building_page", "house_page"))
    return render(request, "places/search.html", context)
