"""Geometry of the place tree: GeoJSON boundaries checked and measured with shapely.

Coordinates are GeoJSON order, ``[lng, lat]`` in degrees (WGS-84 as delivered; no projection is
needed to decide containment and overlap). A boundary is a ``Polygon`` or, after grids are merged,
a ``MultiPolygon``. Prepared geometries are cached by the boundary's JSON text, so repeated
point-in-grid look-ups (building creation, the coverage report) do not rebuild them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import shapely
from django.utils.translation import gettext as _
from shapely.geometry import MultiPolygon, Point, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.prepared import PreparedGeometry, prep
from shapely.strtree import STRtree
from shapely.validation import explain_validity

# Two grids overlap when they share more than this area (square degrees; about 1 m² at 30°N).
# Grids that merely touch along an edge share a line, of area zero, plus floating-point noise.
OVERLAP_EPSILON = 1e-10


class GeometryError(ValueError):
    """A boundary that is not a usable polygon; the message says what is wrong (Chinese)."""


def _check_ring(ring: Any, what: str) -> None:
    if not isinstance(ring, list | tuple) or len(ring) < 4:
        raise GeometryError(_("%(what)s的边界环至少需要 4 个坐标点（首尾相同）。") % {"what": what})
    for pt in ring:
        if (
            not isinstance(pt, list | tuple)
            or len(pt) < 2
            or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in pt[:2])
        ):
            raise GeometryError(_("%(what)s的边界含有无效坐标：%(pt)s。") % {"what": what, "pt": pt})
        lng, lat = float(pt[0]), float(pt[1])
        if not (-180 <= lng <= 180 and -90 <= lat <= 90):
            raise GeometryError(
                _("%(what)s的边界坐标超出经纬度范围：(%(lng)s, %(lat)s)。") % {"what": what, "lng": lng, "lat": lat}
            )
    if list(ring[0][:2]) != list(ring[-1][:2]):
        raise GeometryError(_("%(what)s的边界没有闭合：首点与末点必须相同。") % {"what": what})


def parse_boundary(boundary: Any, *, what: str) -> BaseGeometry:
    """Check a GeoJSON Polygon/MultiPolygon and return it as a shapely geometry.

    ``what`` names the region in messages ("网格“红星路社区第1网格”"). Refuses rings that are not
    closed, self-intersecting or otherwise invalid shapes, and empty areas.
    """
    if not isinstance(boundary, dict) or boundary.get("type") not in ("Polygon", "MultiPolygon"):
        raise GeometryError(_("%(what)s的边界必须是 GeoJSON 的 Polygon 或 MultiPolygon。") % {"what": what})
    coords = boundary.get("coordinates")
    if not isinstance(coords, list) or not coords:
        raise GeometryError(_("%(what)s的边界缺少坐标。") % {"what": what})
    polygons = [coords] if boundary["type"] == "Polygon" else coords
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise GeometryError(_("%(what)s的边界缺少坐标。") % {"what": what})
        for ring in polygon:
            _check_ring(ring, what)
    try:
        geom = shape(boundary)
    except (ValueError, TypeError, AttributeError, shapely.errors.ShapelyError) as exc:
        raise GeometryError(_("%(what)s的边界无法解析：%(err)s") % {"what": what, "err": exc}) from exc
    if not geom.is_valid:
        raise GeometryError(
            _("%(what)s的边界不是有效的多边形（%(reason)s）。") % {"what": what, "reason": explain_validity(geom)}
        )
    if geom.is_empty or geom.area <= 0:
        raise GeometryError(_("%(what)s的边界面积为零。") % {"what": what})
    return geom


def to_geojson(geom: BaseGeometry) -> dict[str, Any]:
    """A plain-JSON GeoJSON dict (lists, not tuples) for storing in a JSONField."""
    result: dict[str, Any] = json.loads(json.dumps(mapping(geom)))
    return result


def centroid(geom: BaseGeometry) -> tuple[float, float]:
    """(lng, lat) of the geometry's centroid."""
    c = geom.centroid
    return float(c.x), float(c.y)


def union(geoms: Sequence[BaseGeometry]) -> BaseGeometry:
    """The union of boundaries; a Polygon when they touch, else a MultiPolygon."""
    merged = shapely.union_all(list(geoms))
    if isinstance(merged, Polygon | MultiPolygon):
        return merged
    # Unions of polygons are polygonal; drop stray lines/points a GeometryCollection may carry.
    parts = [g for g in getattr(merged, "geoms", []) if isinstance(g, Polygon | MultiPolygon)]
    return shapely.union_all(parts)


def overlap_area(a: BaseGeometry, b: BaseGeometry) -> float:
    return float(a.intersection(b).area)


def overlaps(a: BaseGeometry, b: BaseGeometry) -> bool:
    """True when two areas share more than a sliver (touching edges do not count)."""
    return a.intersects(b) and overlap_area(a, b) > OVERLAP_EPSILON


@lru_cache(maxsize=8192)
def _geometry_from_text(text: str) -> tuple[BaseGeometry, PreparedGeometry]:
    geom = shape(json.loads(text))
    if not geom.is_valid:
        geom = geom.buffer(0)  # stored before validation existed: repair for measuring only
    return geom, prep(geom)


def geometry(boundary: dict[str, Any]) -> BaseGeometry:
    """Shapely geometry of a stored (already validated) boundary, cached."""
    return _geometry_from_text(json.dumps(boundary, sort_keys=True))[0]


def prepared(boundary: dict[str, Any]) -> PreparedGeometry:
    return _geometry_from_text(json.dumps(boundary, sort_keys=True))[1]


def contains_point(boundary: dict[str, Any] | None, lng: float, lat: float) -> bool:
    """Whether the point lies in the boundary, its edge included (a building on a shared edge is in)."""
    if not boundary:
        return False
    return bool(prepared(boundary).covers(Point(lng, lat)))


@dataclass(frozen=True)
class Area:
    """A region's boundary for bulk geometry work: who it is and its shape."""

    region_id: int
    code: str
    name: str
    geom: BaseGeometry


def areas(rows: Iterable[tuple[int, str, str, dict[str, Any] | None]]) -> list[Area]:
    """(pk, code, name, boundary) rows → Areas, skipping rows without a boundary."""
    return [Area(pk, code, name, geometry(b)) for pk, code, name, b in rows if b]


def overlapping_pairs(items: Sequence[Area]) -> list[tuple[Area, Area, float]]:
    """Every pair of areas sharing more than a sliver, with the shared area; an STRtree keeps it n log n."""
    if len(items) < 2:
        return []
    tree = STRtree([a.geom for a in items])
    pairs: list[tuple[Area, Area, float]] = []
    left, right = tree.query([a.geom for a in items], predicate="intersects")
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        area = overlap_area(items[i].geom, items[j].geom)
        if area > OVERLAP_EPSILON:
            pairs.append((items[i], items[j], area))
    return pairs


def find_containing(items: Sequence[Area], lng: float, lat: float) -> list[Area]:
    """The areas whose boundary covers the point (normally one grid; more means overlapping grids)."""
    pt = Point(lng, lat)
    return [a for a in items if a.geom.covers(pt)]


def approx_square_metres(square_degrees: float, lat: float) -> float:
    """Rough area in m² of a small area given in square degrees at latitude ``lat`` (for messages)."""
    metres_per_degree = 111_320.0
    return square_degrees * metres_per_degree * metres_per_degree * math.cos(math.radians(lat))


__all__ = [
    "OVERLAP_EPSILON",
    "Area",
    "GeometryError",
    "Point",
    "approx_square_metres",
    "areas",
    "centroid",
    "contains_point",
    "find_containing",
    "geometry",
    "overlap_area",
    "overlapping_pairs",
    "overlaps",
    "parse_boundary",
    "prepared",
    "to_geojson",
    "union",
]
