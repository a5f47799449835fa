"""The tree as it stood on a date: renames, moves, merges and splits keep dated versions."""

from __future__ import annotations

from datetime import date

import pytest

from linli.core.actions import ActionError
from linli.places import actions
from linli.places.models import Region, RegionVersion, tree_as_of
from linli.testing import TREE_DATE, TestCity

RENAMED_ON = date(2024, 3, 1)
MOVED_ON = date(2024, 6, 1)


def _by_code(versions: list[RegionVersion]) -> dict[str, RegionVersion]:
    return {v.code: v for v in versions}


def test_the_tree_of_a_past_date_shows_the_old_name_and_parent_after_a_rename_and_a_move(city: TestCity) -> None:
    admin = city.users["administrator"]
    community = city.region("510104001001")
    old_parent, new_parent = city.region("510104001"), city.region("510104002")
    actions.rename_region(admin, community, name="红星社区", on=RENAMED_ON)
    moved = actions.move_region(admin, community, new_parent=new_parent, on=MOVED_ON)

    before = _by_code(tree_as_of(date(2023, 12, 31)))
    assert before["510104001001"].name == "红星路社区"
    assert before["510104001001"].parent_region_id == old_parent.pk
    assert "510104001001001" in before and "510104002002" not in before

    between = _by_code(tree_as_of(date(2024, 4, 1)))
    assert between["510104001001"].name == "红星社区"
    assert between["510104001001"].parent_region_id == old_parent.pk

    after = _by_code(tree_as_of(MOVED_ON))
    assert "510104001001" not in after
    assert after[moved.code].name == "红星社区" and after[moved.code].parent_region_id == new_parent.pk
    assert after[moved.code + "001"].parent_region_id == moved.pk  # its grids came along

    # Each snapshot is a tree: every version's parent is in the same snapshot, listed before it.
    for day in (date(2023, 12, 31), date(2024, 4, 1), MOVED_ON):
        seen: set[int] = set()
        for v in tree_as_of(day):
            assert v.parent_region_id is None or v.parent_region_id in seen
            seen.add(v.region_id)


def test_the_subtree_of_a_past_date_follows_the_root_s_path_then(city: TestCity) -> None:
    admin = city.users["administrator"]
    actions.move_region(admin, city.region("510104001001"), new_parent=city.region("510104002"), on=MOVED_ON)
    old_subdistrict = city.region("510104001")
    then = {v.code for v in tree_as_of(date(2024, 1, 1), root=old_subdistrict)}
    now = {v.code for v in tree_as_of(MOVED_ON, root=old_subdistrict)}
    assert "510104001001" in then and "510104001001002" in then
    assert now == {"510104001", "510104001002", "510104001002001", "510104001002002"}
    assert tree_as_of(date(2019, 1, 1), root=old_subdistrict) == []  # before the test city existed


def test_a_merged_region_is_in_the_past_tree_and_not_in_today_s(city: TestCity) -> None:
    admin = city.users["administrator"]
    source = city.region("510104001001002")
    actions.merge_regions(admin, source, into=city.region("510104001001001"), on=MOVED_ON)
    assert "510104001001002" in _by_code(tree_as_of(date(2024, 1, 1)))
    assert "510104001001002" not in _by_code(tree_as_of(MOVED_ON))
    assert RegionVersion.objects.filter(region_id=source.pk).order_by("valid_from").last().change == "merged_into"  # type: ignore[union-attr]


def test_a_split_region_appears_from_its_date(city: TestCity) -> None:
    admin = city.users["administrator"]
    new = actions.split_region(
        admin, city.region("510104001001"), new_code="510104001003", new_name="新社区", on=MOVED_ON
    )
    assert new.code not in _by_code(tree_as_of(date(2024, 5, 31)))
    assert _by_code(tree_as_of(MOVED_ON))[new.code].change == "split"


def test_history_cannot_be_written_out_of_order(city: TestCity) -> None:
    admin = city.users["administrator"]
    community = city.region("510104001001")
    actions.rename_region(admin, community, name="红星社区", on=RENAMED_ON)
    with pytest.raises(ActionError, match="沿革只能按时间顺序记录"):
        actions.rename_region(admin, community, name="更早的名字", on=date(2024, 1, 1))
    assert Region.objects.get(pk=community.pk).name == "红星社区"


def test_regions_bulk_inserted_without_history_get_a_baseline(city: TestCity) -> None:
    RegionVersion.objects.all().delete()  # as a seed that bulk-inserts regions leaves them
    assert actions.ensure_baseline_versions(on=TREE_DATE) == Region.objects.count()
    assert len(tree_as_of(TREE_DATE)) == Region.objects.count()
    actions.rename_region(city.users["administrator"], city.region("510104"), name="锦江新区", on=RENAMED_ON)
    assert _by_code(tree_as_of(date(2021, 1, 1)))["510104"].name == "锦江区"
