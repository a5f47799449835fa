"""The place-tree write path: each action's effect, and each refusal leaving the database unchanged."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from shapely.geometry.base import BaseGeometry

from linli.accounts.models import Assignment, User
from linli.accounts.roles import Role
from linli.core.actions import ActionError
from linli.places import actions, geo
from linli.places.choices import CHILD_KIND
from linli.places.models import Building, House, Region, RegionVersion, Unit
from linli.places.tests.tree_checks import assert_tree_consistent, snapshot
from linli.testing import TestCity, box_polygon


def refused(call: Callable[[], Any], *fragments: str, exc: type[Exception] = ActionError) -> str:
    """Run an action that must be refused: the message names what it should, nothing changes."""
    before = snapshot()
    with pytest.raises(exc) as info:
        call()
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert snapshot() == before
    return message


def shape_of(region: Region) -> BaseGeometry:
    assert region.boundary
    return geo.geometry(region.boundary)


# --- create ---------------------------------------------------------------------------------------


def test_a_new_community_and_grid_get_a_centroid_history_and_an_audit_row(city: TestCity) -> None:
    admin = city.users["administrator"]
    sub = city.region("510104002")
    community = actions.create_region(
        admin,
        parent=sub,
        kind="community",
        code="510104002002",
        name="新华社区",
        boundary=box_polygon((104.1, 30.6, 104.12, 30.62)),
    )
    grid = actions.create_region(
        admin,
        parent=community,
        kind="grid",
        code="510104002002001",
        name="新华社区第1网格",
        boundary=box_polygon((104.1, 30.6, 104.11, 30.62)),
    )
    assert grid.path.startswith(community.path) and grid.depth == community.depth + 1
    assert grid.centroid_lng == pytest.approx(104.105) and grid.centroid_lat == pytest.approx(30.61)
    version = RegionVersion.objects.current().get(region_id=grid.pk)
    assert (version.change, version.parent_region_id, version.code) == ("create", community.pk, grid.code)
    assert_tree_consistent()


def test_a_duplicate_code_is_refused_naming_the_region_that_has_it(city: TestCity) -> None:
    admin, sub = city.users["administrator"], city.region("510104001")
    message = refused(
        lambda: actions.create_region(admin, parent=sub, kind="community", code="510104001001", name="重复社区"),
        "510104001001",
        "红星路社区",
    )
    assert "不能重复" in message


@pytest.mark.parametrize(
    ("parent_code", "kind", "code", "fragment"),
    [
        ("510104001", "community", "510104002003", "必须以上级区域代码“510104001”开头"),
        ("510104001", "community", "5101040010", "应为 12 位"),
        ("510104001", "community", "51010400100A", "只能由数字组成"),
        ("510104001", "community", "510104001000", "不能是 000"),
        ("510104001", "grid", "510104001003001", "下级只能是社区/村"),
        ("510104001001001", "grid", "510104001001001001", "最末一级"),
    ],
)
def test_bad_codes_and_kinds_are_refused(city: TestCity, parent_code: str, kind: str, code: str, fragment: str) -> None:
    admin, parent = city.users["administrator"], city.region(parent_code)
    refused(lambda: actions.create_region(admin, parent=parent, kind=kind, code=code, name="某区域"), fragment)


def test_a_grid_overlapping_a_sibling_grid_is_refused_naming_both(city: TestCity) -> None:
    admin, community = city.users["administrator"], city.region("510104001001")
    refused(
        lambda: actions.create_region(
            admin,
            parent=community,
            kind="grid",
            code="510104001001003",
            name="插花网格",
            boundary=box_polygon((104.005, 30.6, 104.02, 30.65)),
        ),
        "插花网格",
        "红星路社区第1网格",
        "重叠",
    )


def test_a_grid_touching_its_siblings_along_an_edge_is_accepted(city: TestCity) -> None:
    admin, community = city.users["administrator"], city.region("510104001001")
    actions.create_region(
        admin,
        parent=community,
        kind="grid",
        code="510104001001003",
        name="北侧网格",
        boundary=box_polygon((104.0, 30.7, 104.025, 30.71)),
    )


@pytest.mark.parametrize(
    ("boundary", "fragment"),
    [
        (
            {"type": "Polygon", "coordinates": [[[104.1, 30.6], [104.2, 30.6], [104.2, 30.7], [104.1, 30.7]]]},
            "没有闭合",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[104.1, 30.6], [104.2, 30.7], [104.2, 30.6], [104.1, 30.7], [104.1, 30.6]]],
            },
            "不是有效的多边形",
        ),
        ({"type": "Point", "coordinates": [104.1, 30.6]}, "Polygon"),
        ({"type": "Polygon", "coordinates": [[[104.1, 30.6], ["a", 30.6], [104.2, 30.7], [104.1, 30.6]]]}, "无效坐标"),
        (
            {"type": "Polygon", "coordinates": [[[104.1, 30.6], [104.2, 30.6], [104.2, 30.6], [104.1, 30.6]]]},
            "不是有效的多边形",
        ),
    ],
)
def test_broken_polygons_are_refused(city: TestCity, boundary: dict[str, Any], fragment: str) -> None:
    admin, sub = city.users["administrator"], city.region("510104002")
    refused(
        lambda: actions.create_region(
            admin, parent=sub, kind="community", code="510104002002", name="坏边界社区", boundary=boundary
        ),
        fragment,
        "坏边界社区",
    )


def test_only_tree_managers_inside_their_scope_may_change_the_tree(city: TestCity) -> None:
    sub = city.region("510104001")
    for who in ("community_worker", "subdistrict_staff", "district_leader", "auditor"):
        user = city.users[who]
        refused(
            partial(actions.create_region, user, parent=sub, kind="community", code="510104001003", name="越权社区"),
            "权限",
            exc=PermissionDenied,
        )
    other_admin = User.objects.create_user(username="qingyang_admin", password="x-Long-pass-1")
    qingyang = city.region("510105")
    Assignment.objects.create(user=other_admin, role=Role.ADMINISTRATOR, region=qingyang, region_path=qingyang.path)
    refused(lambda: actions.rename_region(other_admin, sub, name="改名"), "不在您的管辖范围内", exc=PermissionDenied)
    refused(
        lambda: actions.move_region(other_admin, city.region("510105001"), new_parent=city.region("510104")),
        "不在您的管辖范围内",
        exc=PermissionDenied,
    )
    refused(
        lambda: actions.create_region(other_admin, parent=None, kind="district", code="510199", name="新区"),
        "顶级区域",
        exc=PermissionDenied,
    )


# --- rename, move ---------------------------------------------------------------------------------


def test_moving_a_community_recodes_it_and_rewrites_every_path_below(city: TestCity) -> None:
    admin = city.users["administrator"]
    community, target = city.region("510104001001"), city.region("510104002")
    houses_before = House.objects.count()
    moved = actions.move_region(admin, community, new_parent=target)
    assert moved.code == "510104002002"  # its own 001 is taken there: the next free number
    assert moved.path.startswith(target.path)
    grids = list(Region.objects.filter(path__startswith=moved.path, kind="grid").values_list("code", flat=True))
    assert grids == ["510104002002001", "510104002002002"]
    assert Building.objects.filter(region_path__startswith=moved.path).count() == 4
    assert House.objects.filter(region_path__startswith=moved.path).count() == 32
    assert House.objects.count() == houses_before
    worker = Assignment.objects.get(user=city.users["grid_worker"])
    assert worker.region_path == Region.objects.get(pk=worker.region_id).path
    # The community worker keeps exactly their community's subtree, now under the other subdistrict.
    codes = set(Region.objects.visible_to(User.objects.get(username="community_worker")).values_list("code", flat=True))
    assert codes == {"510104002002", "510104002002001", "510104002002002"}
    assert House.objects.visible_to(User.objects.get(username="grid_worker")).count() == 16
    assert_tree_consistent()


def test_a_move_may_name_the_new_code(city: TestCity) -> None:
    moved = actions.move_region(
        city.users["administrator"],
        city.region("510104001001"),
        new_parent=city.region("510104002"),
        new_code="510104002007",
    )
    assert moved.code == "510104002007"
    assert set(Region.objects.filter(path__startswith=moved.path).values_list("code", flat=True)) == {
        "510104002007",
        "510104002007001",
        "510104002007002",
    }
    assert_tree_consistent()


def test_moving_a_region_under_itself_or_its_descendant_is_refused(city: TestCity) -> None:
    admin, sub = city.users["administrator"], city.region("510104001")
    refused(lambda: actions.move_region(admin, sub, new_parent=sub), "自己", "春熙路街道")
    refused(
        lambda: actions.move_region(admin, sub, new_parent=city.region("510104001001")),
        "循环",
        "春熙路街道",
        "红星路社区",
    )
    refused(
        lambda: actions.move_region(admin, city.region("510104"), new_parent=city.region("510104001001001")), "循环"
    )


def test_moving_under_a_parent_of_the_wrong_kind_or_to_a_taken_code_is_refused(city: TestCity) -> None:
    admin = city.users["administrator"]
    grid = city.region("510104001001001")
    refused(lambda: actions.move_region(admin, grid, new_parent=city.region("510104002")), "网格", "不能作为")
    refused(
        lambda: actions.move_region(admin, grid, new_parent=city.region("510104002001"), new_code="510104002001001"),
        "已被",
        "510104002001001",
    )
    refused(lambda: actions.move_region(admin, grid, new_parent=city.region("510104001001")), "无需迁移")


# --- merge, split ---------------------------------------------------------------------------------


def test_merging_grids_unions_their_polygons_and_repoints_their_buildings(city: TestCity) -> None:
    admin = city.users["administrator"]
    first, second = city.region("510104001001001"), city.region("510104001001002")
    merged = actions.merge_regions(admin, second, into=first)
    assert not Region.objects.filter(pk=second.pk).exists()
    assert Building.objects.filter(region=merged).count() == 4
    assert House.objects.filter(region=merged, region_path=merged.path).count() == 32
    assert shape_of(merged).equals(shape_of(city.region("510104001001")))
    tomb = RegionVersion.objects.get(region_id=second.pk, change="merged_into")
    assert "红星路社区第1网格" in tomb.note
    assert not RegionVersion.objects.current().filter(region_id=second.pk).exists()
    assert_tree_consistent()


def test_merging_communities_moves_the_grids_with_new_codes(city: TestCity) -> None:
    admin = city.users["administrator"]
    source, into = city.region("510104001002"), city.region("510104002001")
    houses = House.objects.count()
    actions.merge_regions(admin, source, into=into)
    codes = list(
        Region.objects.filter(path__startswith=city.region("510104002001").path, kind="grid").values_list(
            "code", flat=True
        )
    )
    assert codes == ["510104002001001", "510104002001002", "510104002001003", "510104002001004"]
    assert House.objects.count() == houses
    assert_tree_consistent()


def test_merging_different_kinds_or_a_region_with_itself_is_refused(city: TestCity) -> None:
    admin = city.users["administrator"]
    grid = city.region("510104001001001")
    refused(lambda: actions.merge_regions(admin, grid, into=city.region("510104001001")), "同一层级")
    refused(lambda: actions.merge_regions(admin, grid, into=grid), "自己")


def test_splitting_a_grid_carves_the_new_polygon_out_and_takes_the_chosen_building(city: TestCity) -> None:
    admin = city.users["administrator"]
    grid = city.region("510104001001001")  # 104.0-104.0125 × 30.6-30.7; buildings at 30% and 70% across
    east = (104.00625, 30.6, 104.0125, 30.7)
    building = Building.objects.filter(region=grid).order_by("-lng").first()
    assert building is not None
    new = actions.split_region(
        admin,
        grid,
        new_code="510104001001003",
        new_name="红星路社区第3网格",
        buildings=[building],
        boundary=box_polygon(east),
    )
    assert new.kind == "grid" and Region.objects.get_parent(new).pk == Region.objects.get_parent(grid).pk
    assert House.objects.filter(region=new).count() == 8 and Unit.objects.filter(region=new).count() == 2
    old = city.region("510104001001001")
    assert shape_of(old).area == pytest.approx(shape_of(new).area)
    assert not geo.overlaps(shape_of(old), shape_of(new))
    assert RegionVersion.objects.current().get(region_id=old.pk).change == "split"
    assert_tree_consistent()


def test_splitting_a_community_takes_the_chosen_grids(city: TestCity) -> None:
    admin = city.users["administrator"]
    community = city.region("510104001001")
    second = city.region("510104001001002")
    new = actions.split_region(admin, community, new_code="510104001003", new_name="新分社区", children=[second])
    assert list(Region.objects.filter(path__startswith=new.path, kind="grid").values_list("code", flat=True)) == [
        "510104001003002"
    ]
    assert_tree_consistent()


def test_a_split_with_foreign_children_or_a_building_outside_the_new_polygon_is_refused(city: TestCity) -> None:
    admin = city.users["administrator"]
    community, grid = city.region("510104001001"), city.region("510104001001001")
    refused(
        lambda: actions.split_region(
            admin, community, new_code="510104001003", new_name="新分社区", children=[city.region("510104001002001")]
        ),
        "不是",
        "直接下级",
    )
    west_building = Building.objects.filter(region=grid).order_by("lng").first()
    assert west_building is not None
    refused(
        lambda: actions.split_region(
            admin,
            grid,
            new_code="510104001001003",
            new_name="东半网格",
            buildings=[west_building],
            boundary=box_polygon((104.00625, 30.6, 104.0125, 30.7)),
        ),
        "不在新边界内",
    )
    refused(
        lambda: actions.split_region(
            admin,
            grid,
            new_code="510104001001003",
            new_name="全覆盖",
            boundary=box_polygon((104.0, 30.6, 104.0125, 30.7)),
        ),
        "全部范围",
    )


# --- buildings, units, houses ---------------------------------------------------------------------


def test_a_building_without_a_grid_goes_to_the_grid_containing_its_point(city: TestCity) -> None:
    worker = city.users["grid_worker"]
    building = actions.create_building(worker, grid=None, number="9", address="红星路9号", lng=104.006, lat=30.65)
    assert building.region.code == "510104001001001" and building.region_path == building.region.path


def test_a_building_point_outside_every_grid_is_refused(city: TestCity) -> None:
    refused(
        lambda: actions.create_building(
            city.users["administrator"], grid=None, number="1", address="荒地1号", lng=105.0, lat=31.0
        ),
        "楼栋坐标(105.0, 31.0)不在任何网格内",
    )


def test_a_building_point_outside_the_named_grid_is_refused_naming_it(city: TestCity) -> None:
    grid = city.region("510104001001001")
    refused(
        lambda: actions.create_building(
            city.users["administrator"], grid=grid, number="1", address="错位1号", lng=104.03, lat=30.65
        ),
        "红星路社区第1网格",
        "510104001001001",
    )


def test_a_grid_worker_cannot_put_a_building_in_another_grid(city: TestCity) -> None:
    refused(
        lambda: actions.create_building(
            city.users["grid_worker"], grid=None, number="1", address="隔壁1号", lng=104.02, lat=30.65
        ),
        "管辖范围",
        exc=PermissionDenied,
    )


def test_units_and_houses_get_their_building_s_place_and_a_derived_address(city: TestCity) -> None:
    worker = city.users["grid_worker"]
    building = actions.create_building(worker, grid=None, number="9", address="红星路9号", lng=104.006, lat=30.65)
    unit = actions.create_unit(worker, building, number="1")
    house = actions.create_house(worker, building=building, unit=unit, number="301", floor=3, floor_area="89.5")
    shop = actions.create_house(worker, building=building, number="底商1", use="shop")
    assert house.address == "红星路9号1单元301" and shop.address == "红星路9号底商1"
    assert house.region_path == unit.region_path == building.region_path
    refused(lambda: actions.create_unit(worker, building, number="1"), "已有1单元")
    refused(lambda: actions.create_house(worker, building=building, unit=unit, number="301"), "已有门牌号301")
    refused(lambda: actions.create_house(worker, building=building, number="x", floor_area="abc"), "不是数字")
    other = Building.objects.exclude(pk=building.pk).filter(region=building.region).first()
    assert other is not None
    refused(lambda: actions.create_house(worker, building=other, unit=unit, number="1"), "不属于")


def test_reassigning_a_building_moves_its_units_and_houses(city: TestCity) -> None:
    admin = city.users["administrator"]
    grid1, grid2 = city.region("510104001001001"), city.region("510104001001002")
    building = actions.create_building(admin, grid=grid1, number="9", address="边界9号", lng=104.0125, lat=30.65)
    unit = actions.create_unit(admin, building, number="1")
    actions.create_house(admin, building=building, unit=unit, number="101")
    moved = actions.reassign_building(admin, building, grid=grid2)  # on the shared edge: either grid takes it
    assert moved.region_id == grid2.pk
    assert set(House.objects.filter(building=building).values_list("region_path", flat=True)) == {grid2.path}
    assert set(Unit.objects.filter(building=building).values_list("region_id", flat=True)) == {grid2.pk}
    refused(lambda: actions.reassign_building(admin, building, grid=city.region("510104002001001")), "不在")
    assert_tree_consistent()


# --- property: random sequences of moves, merges and splits -------------------------------------

OPS = st.lists(
    st.tuples(st.sampled_from(["move", "merge", "split"]), st.integers(0, 50), st.integers(0, 50), st.integers(0, 15)),
    min_size=1,
    max_size=6,
)


def _apply(admin: User, op: str, a: int, b: int, mask: int) -> None:
    regions = list(Region.objects.order_by("path"))
    non_root = [r for r in regions if r.depth > 1]
    if op == "move":
        region = non_root[a % len(non_root)]
        # Mostly a parent of the right kind (a real move); sometimes any region (cycles, wrong kinds).
        fitting = [r for r in regions if CHILD_KIND[r.kind] == region.kind] if mask % 4 else regions
        actions.move_region(admin, region, new_parent=fitting[b % len(fitting)])
    elif op == "merge":
        kind = non_root[a % len(non_root)].kind
        same = [r for r in non_root if r.kind == kind]
        actions.merge_regions(admin, same[b % len(same)], into=same[mask % len(same)])
    else:
        region = non_root[a % len(non_root)]
        parent = Region.objects.get_parent(region)
        taken = set(Region.objects.values_list("code", flat=True))
        width = 3 if region.kind != "district" else 2
        prefix = parent.code if region.kind != "district" else parent.code[:4]
        new_code = next(f"{prefix}{n:0{width}d}" for n in range(1, 99) if f"{prefix}{n:0{width}d}" not in taken)
        children = [c for i, c in enumerate(Region.objects.get_children(region)) if mask >> i & 1]
        buildings = [x for i, x in enumerate(Building.objects.filter(region=region).order_by("pk")) if mask >> i & 1]
        actions.split_region(
            admin, region, new_code=new_code, new_name=f"拆分{new_code}", children=children, buildings=buildings
        )


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(ops=OPS)
def test_no_sequence_of_moves_merges_and_splits_leaves_a_stale_path(
    city: TestCity, ops: list[tuple[str, int, int, int]]
) -> None:
    admin = User.objects.get(username="administrator")
    houses, units, buildings = House.objects.count(), Unit.objects.count(), Building.objects.count()
    with transaction.atomic():
        for op in ops:
            before = snapshot()
            try:
                _apply(admin, *op)
                event(f"{op[0]} done")
            except ActionError:
                event(f"{op[0]} refused")
                assert snapshot() == before
            assert_tree_consistent()
        assert (House.objects.count(), Unit.objects.count(), Building.objects.count()) == (houses, units, buildings)
        transaction.set_rollback(True)
