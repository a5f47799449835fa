"""Browsing the place tree: region → children (with counts and a map) → grid → building → house; search.

Every object comes through ``get_visible_or_404`` and every list through ``visible_to``, so an
outsider gets the same 404 as for a missing id. Counts under a region's children are one grouped
aggregate per table (grouped by the child's path prefix), so a region with 60 children costs the
same number of queries as one with 2.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Length, Substr
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from linli.accounts.roles import Capability
from linli.core.scope import get_visible_or_404, path_in_scope, scope_paths
from linli.places.choices import RegionKind
from linli.places.filters import BuildingFilterSet, HouseFilterSet, RegionFilterSet
from linli.places.models import Building, House, Region, Unit

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


def places_viewer_required(view: View) -> View:
    """Only roles with the view_places capability browse the registry (residents use the portal)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_capability(Capability.VIEW_PLACES):  # type: ignore[union-attr]
            raise PermissionDenied(_("您的角色不能查看区域与房屋数据。"))
        return view(request, *args, **kwargs)

    return wrapper


# --- counts ------------------------------------------------------------------------------------


@dataclass
class PlaceCounts:
    """What lies under one region: direct children, grids, buildings and houses."""

    children: int = 0
    grids: int = 0
    buildings: int = 0
    houses: int = 0


@dataclass
class ChildRow:
    region: Region
    counts: PlaceCounts


@dataclass
class RegionOverview:
    """A region's children with counts, the region's totals, and what no child holds."""

    region: Region
    rows: list[ChildRow]
    totals: PlaceCounts
    unassigned: PlaceCounts = field(default_factory=PlaceCounts)  # buildings/houses on the region itself


def _grouped_counts(queryset: QuerySet[Any], path_field: str, length: int, **aggregates: Any) -> dict[str, dict]:
    """One GROUP BY query: ``aggregates`` per path prefix of ``length`` characters."""
    rows = (
        queryset.order_by()
        .annotate(prefix=Substr(path_field, 1, length))
        .values("prefix")
        .annotate(**aggregates)
        .order_by()
    )
    return {row["prefix"]: row for row in rows}


def region_overview(region: Region, user: Any) -> RegionOverview:
    """The region's visible children with counts; four queries however many children there are."""
    child_length = len(region.path) + Region.steplen
    children = list(
        Region.objects.visible_to(user)
        .filter(path__subtree=region.path, depth=region.depth + 1)
        .defer("boundary")  # polygons travel in the GeoJSON endpoint, not in the page
    )
    below = _grouped_counts(
        Region.objects.visible_to(user).filter(path__subtree=region.path, depth__gt=region.depth + 1),
        "path",
        child_length,
        children=Count("pk", filter=Q(depth=region.depth + 2)),
        grids=Count("pk", filter=Q(kind=RegionKind.GRID)),
    )
    buildings = _grouped_counts(
        Building.objects.visible_to(user).within(region.path), "region_path", child_length, n=Count("pk")
    )
    houses = _grouped_counts(
        House.objects.visible_to(user).within(region.path), "region_path", child_length, n=Count("pk")
    )
    rows: list[ChildRow] = []
    totals = PlaceCounts(children=len(children))
    for child in children:
        counts = PlaceCounts(
            children=below.get(child.path, {}).get("children", 0),
            grids=below.get(child.path, {}).get("grids", 0),
            buildings=buildings.get(child.path, {}).get("n", 0),
            houses=houses.get(child.path, {}).get("n", 0),
        )
        rows.append(ChildRow(child, counts))
        totals.grids += counts.grids + (1 if child.kind == RegionKind.GRID else 0)
    # Rows filed on the region itself (a community's buildings no grid has taken yet) group under
    # the region's own path, which is shorter than any child's prefix.
    unassigned = PlaceCounts(
        buildings=buildings.get(region.path, {}).get("n", 0), houses=houses.get(region.path, {}).get("n", 0)
    )
    totals.buildings = sum(row["n"] for row in buildings.values())
    totals.houses = sum(row["n"] for row in houses.values())
    return RegionOverview(region=region, rows=rows, totals=totals, unassigned=unassigned)


# --- breadcrumbs -------------------------------------------------------------------------------


@dataclass
class Crumb:
    label: str
    url: str | None  # None: plain text (above the user's scope, or the current page)


def region_crumbs(region: Region, user: Any, *, link_last: bool = False) -> list[Crumb]:
    """Ancestors and the region itself; ancestors above the user's scope are plain text."""
    prefixes = scope_paths(user)
    step = Region.steplen
    ancestor_paths = [region.path[: step * level] for level in range(1, region.depth)]
    chain = [*Region.objects.filter(path__in=ancestor_paths).defer("boundary").order_by("path"), region]
    crumbs = []
    for node in chain:
        linkable = path_in_scope(node.path, prefixes) and (link_last or node.pk != region.pk)
        crumbs.append(Crumb(node.name, reverse("places:region", args=[node.pk]) if linkable else None))
    return crumbs


# --- pages -------------------------------------------------------------------------------------


def top_regions(user: Any) -> list[Region]:
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


# --- home page sections ------------------------------------------------------------------------


@dataclass
class HomeSection:
    """One block of the home page: a region the user works on, shown the way their role needs it."""

    layout: str  # "grid": the grid's map and buildings; "overview": children with counts and a map
    role_label: str
    region: Region
    geojson_url: str
    overview: RegionOverview | None = None
    building_total: int = 0
    house_total: int = 0


# Roles whose home page opens on the registry of their region; auditors, administrators and
# residents get links and text instead (their home is their tools, not the map).
HOME_PLACE_ROLES = ("grid_worker", "community_worker", "subdistrict_staff", "district_leader", "department_staff")


def home_sections(assignments: Iterable[Any], user: Any) -> list[HomeSection]:
    """A section per distinct region among the user's place-working assignments."""
    sections: list[HomeSection] = []
    seen: set[int] = set()
    for assignment in assignments:
        region = assignment.region
        if assignment.role not in HOME_PLACE_ROLES or region.pk in seen:
            continue
        seen.add(region.pk)
        section = HomeSection(
            layout="grid" if region.kind == RegionKind.GRID else "overview",
            role_label=str(assignment.get_role_display()),
            region=region,
            geojson_url=reverse("places:region_geojson", args=[region.pk]),
        )
        if section.layout == "grid":
            section.building_total = Building.objects.visible_to(user).filter(region=region).count()
            section.house_total = House.objects.visible_to(user).filter(region=region).count()
        else:
            section.overview = region_overview(region, user)
        sections.append(section)
    return sections
