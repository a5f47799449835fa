"""Polygons that tile their parent exactly: jittered row-and-column subdivision of a convex quad.

A region is a convex quadrilateral (SW, SE, NE, NW corners, lng/lat). ``subdivide`` cuts it into
``n`` convex quads: first into rows by straight, slightly tilted lines running from the left edge
to the right edge, then each row into cells by straight, slightly tilted separators. Every cut
point is computed once by ``_Lines.point`` and cached, so two neighbours share the very same
floats; a cell's ring also carries the break points its neighbours across a row line put on its
edge (T-junctions), so shared edges are vertex-for-vertex identical. The union of the cells is
the parent quad (its outer edges are the parent's straight edges) and no two cells overlap.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

Point = tuple[float, float]  # (lng, lat)

# Fraction of a row's height (or a cell's width) a cut may move either way; below 0.5 keeps
# neighbouring cuts from crossing, so every cell stays a convex quad.
JITTER = 0.22


@dataclass(frozen=True)
class Quad:
    """A convex quadrilateral; ``ring`` is the closed GeoJSON ring (may hold collinear T-junctions)."""

    sw: Point
    se: Point
    ne: Point
    nw: Point
    ring: tuple[Point, ...] = field(default=(), compare=False)

    def closed_ring(self) -> list[list[float]]:
        points = self.ring or (self.sw, self.se, self.ne, self.nw)
        return [[x, y] for x, y in points] + [[points[0][0], points[0][1]]]

    def geojson(self) -> dict[str, object]:
        return {"type": "Polygon", "coordinates": [self.closed_ring()]}

    def point_at(self, u: float, v: float) -> Point:
        """Bilinear map of (u, v) in [0, 1]²; (0, 0) is SW, (1, 1) is NE. Inside when 0 < u, v < 1."""
        x = (1 - u) * (1 - v) * self.sw[0] + u * (1 - v) * self.se[0] + u * v * self.ne[0] + (1 - u) * v * self.nw[0]
        y = (1 - u) * (1 - v) * self.sw[1] + u * (1 - v) * self.se[1] + u * v * self.ne[1] + (1 - u) * v * self.nw[1]
        return (x, y)

    def centroid(self) -> Point:
        return polygon_centroid(self.ring or (self.sw, self.se, self.ne, self.nw))

    def size_km(self) -> tuple[float, float]:
        """Rough width and height in km (for choosing how many rows to cut)."""
        lat = (self.sw[1] + self.nw[1]) / 2
        width = (_dist(self.sw, self.se) + _dist(self.nw, self.ne)) / 2 * 111.32 * math.cos(math.radians(lat))
        height = (_dist(self.sw, self.nw) + _dist(self.se, self.ne)) / 2 * 110.57
        return width, height


def box(west: float, south: float, east: float, north: float) -> Quad:
    return Quad((west, south), (east, south), (east, north), (west, north))


def _dist(a: Point, b: Point) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def _lerp(a: Point, b: Point, t: float) -> Point:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def polygon_centroid(points: tuple[Point, ...] | list[Point]) -> Point:
    """Area centroid of a simple polygon (shoelace); the ring need not be closed."""
    area2 = cx = cy = 0.0
    count = len(points)
    for i in range(count):
        x0, y0 = points[i]
        x1, y1 = points[(i + 1) % count]
        cross = x0 * y1 - x1 * y0
        area2 += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    return (cx / (3 * area2), cy / (3 * area2))


def split_counts(total: int, parts: int, rng: random.Random) -> list[int]:
    """``total`` as ``parts`` near-equal positive counts; which parts get the extra one is random."""
    base, extra = divmod(total, parts)
    bonus = set(rng.sample(range(parts), extra))
    return [base + (1 if i in bonus else 0) for i in range(parts)]


class _Lines:
    """The row lines of one subdivision: line i runs from the left edge to the right edge."""

    def __init__(self, quad: Quad, left: list[float], right: list[float]) -> None:
        self.ends = [(_lerp(quad.sw, quad.nw, s), _lerp(quad.se, quad.ne, t)) for s, t in zip(left, right, strict=True)]
        self.cache: dict[tuple[int, float], Point] = {}
        self.breaks: list[set[float]] = [{0.0, 1.0} for _ in left]

    def point(self, line: int, t: float) -> Point:
        key = (line, t)
        if key not in self.cache:
            a, b = self.ends[line]
            self.cache[key] = a if t == 0.0 else b if t == 1.0 else _lerp(a, b, t)
        return self.cache[key]

    def between(self, line: int, lo: float, hi: float) -> list[float]:
        return sorted(t for t in self.breaks[line] if lo < t < hi)


def _cuts(count: int, rng: random.Random) -> list[float]:
    """0, jittered interior fractions, 1."""
    return [0.0] + [(i + rng.uniform(-JITTER, JITTER)) / count for i in range(1, count)] + [1.0]


def subdivide(quad: Quad, n: int, rng: random.Random) -> list[Quad]:
    """Cut ``quad`` into ``n`` convex quads that tile it, row by row from south-west to north-east."""
    if n < 1:
        raise ValueError("n must be positive")
    width, height = quad.size_km()
    rows = max(1, min(n, round(math.sqrt(n * height / width)) if width > 0 else 1))
    per_row = split_counts(n, rows, rng)
    lines = _Lines(quad, _cuts(rows, rng), _cuts(rows, rng))
    # Separators of row r: fractions along line r (bottom) and line r + 1 (top).
    separators = [(_cuts(cols, rng), _cuts(cols, rng)) for cols in per_row]
    for r, (bottom, top) in enumerate(separators):
        lines.breaks[r].update(bottom)
        lines.breaks[r + 1].update(top)
    cells: list[Quad] = []
    for r, (bottom, top) in enumerate(separators):
        for c in range(per_row[r]):
            b0, b1, t0, t1 = bottom[c], bottom[c + 1], top[c], top[c + 1]
            ring = (
                [lines.point(r, b0)]
                + [lines.point(r, t) for t in lines.between(r, b0, b1)]
                + [lines.point(r, b1), lines.point(r + 1, t1)]
                + [lines.point(r + 1, t) for t in reversed(lines.between(r + 1, t0, t1))]
                + [lines.point(r + 1, t0)]
            )
            cells.append(
                Quad(
                    lines.point(r, b0), lines.point(r, b1), lines.point(r + 1, t1), lines.point(r + 1, t0), tuple(ring)
                )
            )
    return cells


def interior_point(quad: Quad, rng: random.Random, margin: float = 0.08) -> Point:
    """A point strictly inside the quad, away from its edges."""
    return quad.point_at(rng.uniform(margin, 1 - margin), rng.uniform(margin, 1 - margin))
