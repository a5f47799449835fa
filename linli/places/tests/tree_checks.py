"""Assertions shared by the place-tree tests: no stale path anywhere, history consistent."""

from __future__ import annotations

from typing import Any

from django.db.models import F

from linli.accounts.models import Assignment
from linli.core.models import AuditEvent
from linli.places.actions import scoped_models
from linli.places.choices import CHILD_KIND
from linli.places.codes import validate_region_code
from linli.places.models import Building, Estate, House, Region, RegionVersion, Unit


def assert_tree_consistent() -> None:
    """Every Region sits under a parent of the right kind with a code extending the parent's; every
    scoped row's region_path equals its region's path; each region has one open version matching it."""
    regions = {r.path: r for r in Region.objects.all()}
    # treebeard's own bookkeeping (what find_problems checks, without a query per node)
    children: dict[str, int] = {}
    for path in regions:
        children[path[: -Region.steplen]] = children.get(path[: -Region.steplen], 0) + 1
    for path, region in regions.items():
        assert len(path) % Region.steplen == 0 and region.depth == len(path) // Region.steplen
        assert region.numchild == children.get(path, 0), (region.code, region.numchild)
        if region.depth == 1:
            continue
        parent = regions.get(path[: -Region.steplen])
        assert parent is not None, f"orphan {region.code} at {path}"
        assert CHILD_KIND[parent.kind] == region.kind, (parent.code, region.code)
        validate_region_code(region.code, region.kind, parent.code, parent.kind)
    for model in scoped_models():
        stale = model._base_manager.exclude(region_path=F("region__path"))
        assert not stale.exists(), f"{model.__name__}: stale {list(stale.values_list('pk', 'region_path'))}"
    assert not Unit.objects.exclude(region_id=F("building__region_id")).exists()
    assert not House.objects.exclude(region_id=F("building__region_id")).exists()
    assert not House.objects.filter(unit__isnull=False).exclude(unit__building_id=F("building_id")).exists()
    open_versions = {v.region_id: v for v in RegionVersion.objects.current()}
    assert len(open_versions) == RegionVersion.objects.current().count(), "two open versions for one region"
    assert set(open_versions) == {r.pk for r in regions.values()}
    for region in regions.values():
        v = open_versions[region.pk]
        parent = regions.get(region.path[: -Region.steplen]) if region.depth > 1 else None
        assert (v.code, v.name, v.path, v.kind) == (region.code, region.name, region.path, region.kind)
        assert v.parent_region_id == (parent.pk if parent else None)


def snapshot() -> dict[str, Any]:
    """Everything a refused action must leave exactly as it was."""
    return {
        "regions": list(
            Region.objects.order_by("pk").values_list(
                "pk", "path", "depth", "numchild", "code", "name", "boundary", "centroid_lat", "centroid_lng"
            )
        ),
        "versions": list(RegionVersion.objects.order_by("pk").values_list()),
        "estates": list(Estate.objects.order_by("pk").values_list("pk", "region_id", "region_path")),
        "buildings": list(Building.objects.order_by("pk").values_list("pk", "region_id", "region_path", "estate_id")),
        "units": list(Unit.objects.order_by("pk").values_list("pk", "region_id", "region_path")),
        "houses": list(House.objects.order_by("pk").values_list("pk", "region_id", "region_path", "address")),
        "assignments": list(Assignment.objects.order_by("pk").values_list("pk", "region_id", "region_path")),
        "audit": AuditEvent.objects.count(),
    }
