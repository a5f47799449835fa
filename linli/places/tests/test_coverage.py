"""The coverage report lists what is not properly in a grid; the command prints it in Chinese."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from linli.places import actions
from linli.places.coverage import coverage_report
from linli.places.models import Building, House, Region
from linli.testing import TestCity, box_polygon


def _break_coverage(city: TestCity) -> dict[str, object]:
    """Rows as a careless import leaves them (actions refuse these, so write them directly)."""
    community = city.region("510104001001")
    stray = Building.objects.create(
        region=community, region_path=community.path, number="99", address="红星路99号", lng=104.01, lat=30.65
    )
    House.objects.create(
        building=stray, region=community, region_path=community.path, number="1", address="红星路99号1"
    )
    drifted = Building.objects.filter(region=city.region("510104001001001")).first()
    assert drifted is not None
    Building.objects.filter(pk=drifted.pk).update(lng=104.2)
    pointless = Building.objects.filter(region=city.region("510104001001002")).first()
    assert pointless is not None
    Building.objects.filter(pk=pointless.pk).update(lat=None)
    Region.objects.filter(code="510104002001002").update(boundary=box_polygon((104.07, 30.6, 104.1, 30.7)))
    blank = actions.create_region(
        None, parent=city.region("510104002001"), kind="grid", code="510104002001003", name="未画网格"
    )
    return {"stray": stray, "drifted": drifted, "pointless": pointless, "blank": blank}


def test_the_test_city_is_fully_covered(city: TestCity) -> None:
    report = coverage_report(city.region("510100"))
    assert report.ok
    assert (report.grids, report.buildings, report.houses) == (7, 14, 112)


def test_the_report_lists_each_kind_of_gap(city: TestCity) -> None:
    broken = _break_coverage(city)
    report = coverage_report(city.region("510104"))
    assert not report.ok
    assert [b.id for b in report.buildings_in_no_grid] == [broken["stray"].pk]  # type: ignore[attr-defined]
    assert report.houses_in_no_grid_count == 1 and report.houses_in_no_grid[0].region.code == "510104001001"
    assert [b.id for b in report.buildings_outside_grid_polygon] == [broken["drifted"].pk]  # type: ignore[attr-defined]
    assert [b.id for b in report.buildings_without_point] == [broken["pointless"].pk]  # type: ignore[attr-defined]
    [overlap] = report.overlapping_grids
    assert {overlap.first.code, overlap.second.code} == {"510104002001001", "510104002001002"}
    assert overlap.square_metres > 1_000_000
    assert [g.code for g in report.grids_without_polygon] == ["510104002001003"]


def test_the_report_is_limited_to_the_subtree_it_is_asked_about(city: TestCity) -> None:
    _break_coverage(city)
    assert coverage_report(city.region("510105")).ok
    report = coverage_report(city.region("510104002"))
    assert report.buildings_in_no_grid_count == 0 and len(report.overlapping_grids) == 1


def test_the_command_prints_the_report_in_chinese(city: TestCity) -> None:
    _break_coverage(city)
    out = StringIO()
    call_command("coverage", "--region", "510104", stdout=out)
    text = out.getvalue()
    assert "覆盖情况：510104 锦江区" in text
    assert "不在任何网格内的楼栋：1" in text and "红星路99号" in text
    assert "互相重叠的网格：1" in text and "没有边界的网格：1" in text
    assert "存在未覆盖或重叠" in text
    with pytest.raises(CommandError):
        call_command("coverage", "--region", "510104", "--fail", stdout=StringIO())
    with pytest.raises(CommandError, match="找不到"):
        call_command("coverage", "--region", "999999", stdout=StringIO())


def test_the_command_says_when_all_is_covered(city: TestCity) -> None:
    out = StringIO()
    call_command("coverage", stdout=out)
    assert "结论：全覆盖，无缝隙，无重叠。" in out.getvalue()
