"""What the place pages show about a region: its children with counts (``region_overview``) and the
breadcrumbs above it (``region_crumbs``); read by the browser pages and the home page sections.

Counts under a region's children are one grouped aggregate per table (grouped by the child's path
prefix), so a region with 60 children costs the same number of queries as one with 2."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.urls import reverse

from linli.core.scope import path_in_scope, scope_paths
from linli.places.choices import RegionKind
from linli.places.models import Building, House, Region

if TYPE_CHECKING:
    from linli.accounts.models import User


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


def region_overview(region: Region, user: User | AnonymousUser) -> RegionOverview:
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


def region_crumbs(region: Region, user: User | AnonymousUser, *, link_last: bool = False) -> list[Crumb]:
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
