"""`linli seed --scale tiny`: a valid tree, tiling polygons, buildings inside their grids, determinism, users."""

from __future__ import annotations

import random
import re
from io import StringIO
from typing import Any

import pytest
import shapely
from django.core.management import CommandError, call_command
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from linli.accounts.models import Assignment, Department, User
from linli.accounts.roles import ROLE_REGION_KINDS, Role
from linli.core.audit import verify_chain
from linli.core.models import AuditEvent
from linli.places.choices import RegionKind
from linli.places.codes import validate_region_code
from linli.places.models import Building, Estate, House, Region, RegionVersion, Unit
from linli.places.tests.tree_checks import assert_tree_consistent
from linli.seed import DEMO_PASSWORD, DEMO_USERS, SeedReport, seed_city
from linli.seed.city import path_step
from linli.seed.geometry import box, interior_point, subdivide
from linli.seed.users import DEPARTMENTS

TILING_TOLERANCE = 1e-9


def run_seed(*args: str) -> str:
    out = StringIO()
    call_command("seed", "--scale", "tiny", "--no-progress", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def tiny(db: Any) -> SeedReport:
    return seed_city("tiny", 7)


def polygon(region: Region) -> BaseGeometry:
    assert region.boundary is not None, region.code
    return shape(region.boundary)


def location(lng: float | None, lat: float | None) -> Point:
    assert lng is not None and lat is not None
    return Point(lng, lat)


def assert_tiles(parent: Region, children: list[Region]) -> None:
    """The children's polygons cover the parent exactly: no overlaps, no gaps."""
    outer = polygon(parent)
    polygons = [polygon(child) for child in children]
    assert all(p.is_valid and p.geom_type == "Polygon" for p in polygons)
    for i, a in enumerate(polygons):
        for b in polygons[i + 1 :]:
            assert a.intersection(b).area < TILING_TOLERANCE**2, (parent.code, a, b)
    union = shapely.union_all(polygons)
    assert abs(union.area - outer.area) < TILING_TOLERANCE, parent.code
    assert union.symmetric_difference(outer).area < TILING_TOLERANCE, parent.code


def test_the_tiny_seed_builds_a_valid_tree_with_codes_extending_their_parents(tiny: SeedReport) -> None:
    kinds = {kind: Region.objects.filter(kind=kind).count() for kind in RegionKind.values}
    assert kinds == {"city": 1, "district": 1, "subdistrict": 2, "community": 4, "grid": 12}
    regions = {r.path: r for r in Region.objects.all()}
    for path, region in regions.items():
        parent = regions.get(path[: -Region.steplen]) if region.depth > 1 else None
        validate_region_code(region.code, region.kind, parent.code if parent else None, parent.kind if parent else None)
    subdistrict_numbers = sorted(int(r.code[6:]) for r in regions.values() if r.kind == RegionKind.SUBDISTRICT)
    assert subdistrict_numbers[0] < 100 <= subdistrict_numbers[1] < 200  # one 街道, one 镇
    assert_tree_consistent()
    assert Building.objects.count() == tiny.counts["buildings"] > 0
    assert 200 <= House.objects.count() == tiny.counts["houses"] <= 900
    assert Unit.objects.count() == tiny.counts["units"] and Estate.objects.count() == tiny.counts["estates"]


def test_polygons_tile_their_parent_at_every_level(tiny: SeedReport) -> None:
    for parent in Region.objects.exclude(kind=RegionKind.GRID):
        children = list(Region.objects.filter(path__startswith=parent.path, depth=parent.depth + 1))
        if parent.kind != RegionKind.CITY:  # the city holds one district at this scale
            assert_tiles(parent, children)
    for region in Region.objects.all():
        assert polygon(region).contains(location(region.centroid_lng, region.centroid_lat))


def test_every_building_lies_inside_its_grid_except_the_counted_irregular_ones(tiny: SeedReport) -> None:
    assert len(tiny.unassigned_buildings) == 1 and len(tiny.misplaced_buildings) == 1
    on_community = Building.objects.filter(region__kind=RegionKind.COMMUNITY)
    assert list(on_community.values_list("address", flat=True)) == tiny.unassigned_buildings
    outside: list[str] = []
    for building in Building.objects.filter(region__kind=RegionKind.GRID).select_related("region"):
        if not polygon(building.region).contains(location(building.lng, building.lat)):
            outside.append(building.address)
    assert outside == tiny.misplaced_buildings
    # Houses and units sit where their building sits.
    for building in Building.objects.all():
        assert set(House.objects.filter(building=building).values_list("region_id", flat=True)) <= {building.region_id}
        assert set(Unit.objects.filter(building=building).values_list("region_id", flat=True)) <= {building.region_id}


def test_houses_carry_standard_addresses_floor_areas_and_mostly_residential_uses(tiny: SeedReport) -> None:
    pattern = re.compile(r"^郫都区\w+?(街道|镇)\w*?\d+号(\d+栋)?\d单元\d{3,4}$")
    in_units = House.objects.filter(unit__isnull=False)
    assert in_units.exists()
    for address in in_units.values_list("address", flat=True):
        assert pattern.match(address), address
    assert House.objects.values("address").distinct().count() == House.objects.count()
    areas = [float(a) for a in House.objects.values_list("floor_area", flat=True) if a is not None]
    assert len(areas) == House.objects.count()
    assert min(areas) >= 40 and max(areas) <= 160
    uses = list(House.objects.values_list("use", flat=True))
    assert uses.count("residential") > len(uses) / 2
    assert {"shop", "vacant"} <= set(uses) or {"office", "vacant"} <= set(uses)


def test_the_same_seed_gives_the_same_codes_and_addresses(db: Any) -> None:
    def fingerprint() -> tuple[list[Any], list[Any]]:
        return (
            list(Region.objects.order_by("path").values_list("code", "name", "path", "boundary")),
            list(House.objects.order_by("id").values_list("address", "use", "floor_area")),
        )

    def wipe() -> None:
        for model in (House, Unit, Building, Estate, Assignment, RegionVersion):
            model.objects.all().delete()
        Region.objects.all().delete()

    seed_city("tiny", 11)
    first = fingerprint()
    wipe()
    seed_city("tiny", 11)
    assert fingerprint() == first
    wipe()
    seed_city("tiny", 12)
    assert fingerprint()[1] != first[1]


def test_demo_users_cover_every_role_with_a_concrete_region(tiny: SeedReport) -> None:
    assert {spec.role for spec in DEMO_USERS} == set(Role.values)
    assert set(Department.objects.values_list("short_name", flat=True)) >= {d[2] for d in DEPARTMENTS}
    for spec in DEMO_USERS:
        user = User.objects.get(username=spec.username)
        assert user.check_password(DEMO_PASSWORD)
        assignment = Assignment.objects.active().get(user=user)
        assert assignment.role == spec.role
        assert assignment.region.kind in ROLE_REGION_KINDS[spec.role]
        assert assignment.region_path == assignment.region.path
    community = Assignment.objects.get(user__username="community").region
    grid = Assignment.objects.get(user__username="grid").region
    assert grid.path.startswith(community.path) and grid.kind == RegionKind.GRID
    assert Assignment.objects.get(user__username="chengguan").department.short_name == "城管"  # type: ignore[union-attr]


def test_the_seed_is_audited_as_one_event_and_every_region_has_a_create_version(tiny: SeedReport) -> None:
    events = AuditEvent.objects.filter(verb="seed")
    assert events.count() == 1
    assert events.get().changes["counts"]["houses"] == tiny.counts["houses"]
    assert verify_chain().ok
    assert RegionVersion.objects.filter(change="create").count() == Region.objects.count()


def test_the_command_refuses_a_database_with_regions_and_if_empty_skips_it(db: Any) -> None:
    output = run_seed()
    assert "演示账号" in output and "community" in output and DEMO_PASSWORD in output
    houses = House.objects.count()
    with pytest.raises(CommandError, match="已有"):
        run_seed()
    skipped = run_seed("--if-empty")
    assert "跳过" in skipped and "community" in skipped
    assert House.objects.count() == houses


def test_new_rows_after_the_seed_get_fresh_ids(tiny: SeedReport) -> None:
    grid = Region.objects.filter(kind=RegionKind.GRID).first()
    assert grid is not None
    building = Building.objects.create(region=grid, region_path=grid.path, number="X", address="测试地址")
    assert building.pk > Building.objects.exclude(pk=building.pk).order_by("-pk").values_list("pk", flat=True)[0]


@pytest.mark.parametrize("parts", [1, 2, 3, 7, 10, 13, 20])
def test_subdivide_tiles_a_quad_with_convex_cells(parts: int) -> None:
    rng = random.Random(parts)
    quad = subdivide(box(103.9, 30.5, 104.2, 30.8), 3, rng)[1]
    cells = subdivide(quad, parts, rng)
    assert len(cells) == parts
    polygons = [shape(cell.geojson()) for cell in cells]
    outer = shape(quad.geojson())
    for i, a in enumerate(polygons):
        assert a.is_valid and a.convex_hull.area - a.area < 1e-15
        assert a.contains(Point(interior_point(cells[i], rng)))
        for b in polygons[i + 1 :]:
            assert a.intersection(b).area < 1e-15
    assert shapely.union_all(polygons).symmetric_difference(outer).area < 1e-12


def test_path_steps_are_treebeards_base36() -> None:
    assert [path_step(1), path_step(35), path_step(36), path_step(1295)] == ["0001", "000Z", "0010", "00ZZ"]
