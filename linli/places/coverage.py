"""Coverage report (横到边、纵到底、无缝隙、全覆盖): what under a region is not properly in a grid.

``coverage_report(root)`` returns plain data (dataclasses of strings and numbers) so the CLI
(``linli coverage --region CODE``), a page and the API can each render the same report. It lists:

- buildings and houses whose region is not a grid (they are in no grid);
- buildings whose point lies outside their grid's polygon, or that have no point at all;
- pairs of grids whose polygons overlap;
- grids with no polygon.

Long lists are cut at ``limit`` items; the counts are always complete.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from linli.places import geo
from linli.places.choices import RegionKind
from linli.places.models import Building, House, Region


@dataclass(frozen=True)
class RegionRef:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class BuildingIssue:
    id: int
    address: str
    region: RegionRef  # where it is attached now (a grid, or a higher region when in no grid)
    lng: float | None
    lat: float | None


@dataclass(frozen=True)
class HouseIssue:
    id: int
    address: str
    region: RegionRef


@dataclass(frozen=True)
class GridOverlap:
    first: RegionRef
    second: RegionRef
    square_metres: float


@dataclass
class CoverageReport:
    root: RegionRef
    grids: int = 0
    buildings: int = 0
    houses: int = 0
    limit: int = 200
    buildings_in_no_grid: list[BuildingIssue] = field(default_factory=list)
    buildings_in_no_grid_count: int = 0
    houses_in_no_grid: list[HouseIssue] = field(default_factory=list)
    houses_in_no_grid_count: int = 0
    buildings_outside_grid_polygon: list[BuildingIssue] = field(default_factory=list)
    buildings_outside_grid_polygon_count: int = 0
    buildings_without_point: list[BuildingIssue] = field(default_factory=list)
    buildings_without_point_count: int = 0
    overlapping_grids: list[GridOverlap] = field(default_factory=list)
    grids_without_polygon: list[RegionRef] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Fully covered: nothing outside a grid, no overlaps, every grid drawn."""
        return not (
            self.buildings_in_no_grid_count
            or self.houses_in_no_grid_count
            or self.buildings_outside_grid_polygon_count
            or self.buildings_without_point_count
            or self.overlapping_grids
            or self.grids_without_polygon
        )


def _ref(region: Region) -> RegionRef:
    return RegionRef(region.pk, region.code, region.name)


def coverage_report(root: Region, *, limit: int = 200) -> CoverageReport:
    """The coverage of everything under ``root`` (the caller has checked the user may see root)."""
    regions = {r.pk: r for r in Region.objects.filter(path__subtree=root.path)}
    grids = [r for r in regions.values() if r.kind == RegionKind.GRID]
    report = CoverageReport(root=_ref(root), grids=len(grids), limit=limit)
    buildings = Building.objects.within(root.path)
    houses = House.objects.within(root.path)
    report.buildings = buildings.count()
    report.houses = houses.count()

    def building_issue(row: tuple[int, str, int, float | None, float | None]) -> BuildingIssue:
        pk, address, region_id, lng, lat = row
        return BuildingIssue(pk, address, _ref(regions[region_id]), lng, lat)

    columns = ("pk", "address", "region_id", "lng", "lat")
    not_in_grid = buildings.exclude(region__kind=RegionKind.GRID).order_by("region_path", "pk")
    report.buildings_in_no_grid_count = not_in_grid.count()
    report.buildings_in_no_grid = [building_issue(r) for r in not_in_grid.values_list(*columns)[:limit]]

    houses_out = houses.exclude(region__kind=RegionKind.GRID).order_by("region_path", "pk")
    report.houses_in_no_grid_count = houses_out.count()
    report.houses_in_no_grid = [
        HouseIssue(pk, address, _ref(regions[region_id]))
        for pk, address, region_id in houses_out.values_list("pk", "address", "region_id")[:limit]
    ]

    in_grids = buildings.filter(region__kind=RegionKind.GRID).order_by("region_path", "pk")
    no_point = in_grids.filter(lng__isnull=True) | in_grids.filter(lat__isnull=True)
    report.buildings_without_point_count = no_point.count()
    report.buildings_without_point = [building_issue(r) for r in no_point.values_list(*columns)[:limit]]

    drawn = {g.pk: g.boundary for g in grids if g.boundary}
    outside: list[BuildingIssue] = []
    for row in in_grids.filter(lng__isnull=False, lat__isnull=False, region_id__in=list(drawn)).values_list(*columns):
        boundary = drawn[row[2]]
        if not geo.contains_point(boundary, row[3], row[4]):
            outside.append(building_issue(row))
    report.buildings_outside_grid_polygon_count = len(outside)
    report.buildings_outside_grid_polygon = outside[:limit]

    areas = geo.areas((g.pk, g.code, g.name, g.boundary) for g in grids)
    for a, b, area in geo.overlapping_pairs(areas):
        lat = a.geom.centroid.y
        report.overlapping_grids.append(
            GridOverlap(
                RegionRef(a.region_id, a.code, a.name),
                RegionRef(b.region_id, b.code, b.name),
                round(geo.approx_square_metres(area, lat), 1),
            )
        )
    report.grids_without_polygon = [_ref(g) for g in sorted(grids, key=lambda g: g.path) if not g.boundary]
    return report


def format_report(report: CoverageReport) -> str:
    """The report as Chinese text (the CLI prints this)."""
    lines = [
        _("覆盖情况：%(code)s %(name)s") % {"code": report.root.code, "name": report.root.name},
        _("网格 %(g)d 个，楼栋 %(b)d 栋，房屋 %(h)d 套。")
        % {"g": report.grids, "b": report.buildings, "h": report.houses},
    ]

    def section(title: str, count: int, items: list[str]) -> None:
        lines.append("")
        lines.append(_("%(title)s：%(n)d") % {"title": title, "n": count})
        lines.extend(f"  - {item}" for item in items)
        if count > len(items):
            lines.append(_("  …… 另有 %(n)d 条未列出") % {"n": count - len(items)})

    def where(ref: RegionRef) -> str:
        return f"{ref.name}（{ref.code}）"

    section(
        _("不在任何网格内的楼栋"),
        report.buildings_in_no_grid_count,
        [_("%(a)s，挂在 %(r)s") % {"a": b.address, "r": where(b.region)} for b in report.buildings_in_no_grid],
    )
    section(
        _("不在任何网格内的房屋"),
        report.houses_in_no_grid_count,
        [_("%(a)s，挂在 %(r)s") % {"a": h.address, "r": where(h.region)} for h in report.houses_in_no_grid],
    )
    section(
        _("坐标落在所属网格边界外的楼栋"),
        report.buildings_outside_grid_polygon_count,
        [
            _("%(a)s (%(lng)s, %(lat)s) 不在 %(r)s 内")
            % {"a": b.address, "lng": b.lng, "lat": b.lat, "r": where(b.region)}
            for b in report.buildings_outside_grid_polygon
        ],
    )
    section(
        _("没有坐标的楼栋"),
        report.buildings_without_point_count,
        [_("%(a)s，属于 %(r)s") % {"a": b.address, "r": where(b.region)} for b in report.buildings_without_point],
    )
    section(
        _("互相重叠的网格"),
        len(report.overlapping_grids),
        [
            _("%(a)s 与 %(b)s 重叠约 %(m).0f 平方米")
            % {"a": where(o.first), "b": where(o.second), "m": o.square_metres}
            for o in report.overlapping_grids
        ],
    )
    section(_("没有边界的网格"), len(report.grids_without_polygon), [where(g) for g in report.grids_without_polygon])
    lines.append("")
    lines.append(_("结论：全覆盖，无缝隙，无重叠。") if report.ok else _("结论：存在未覆盖或重叠，请按上表处理。"))
    return "\n".join(lines)
