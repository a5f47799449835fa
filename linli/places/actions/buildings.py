"""Estate and building actions: create an estate (小区/院落), create a building (楼栋) in a grid or in
the grid its point lies in, move a building to another grid."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from linli.accounts.roles import Capability
from linli.core import audit
from linli.core.actions import ActionError, action, require
from linli.places import geo
from linli.places.actions._common import (
    _clean_name,
    _ensure_in_scope,
    _fresh,
    _label,
    _require_places_permission,
)
from linli.places.choices import BuildingKind, RegionKind
from linli.places.models import Building, Estate, House, Region, Unit

if TYPE_CHECKING:
    from linli.accounts.models import User


def _grid_for_point(lng: float, lat: float) -> Region:
    grids = geo.areas(Region.objects.filter(kind=RegionKind.GRID).values_list("pk", "code", "name", "boundary"))
    hits = geo.find_containing(grids, lng, lat)
    if not hits:
        raise ActionError(_("楼栋坐标(%(lng)s, %(lat)s)不在任何网格内。") % {"lng": lng, "lat": lat}, field="lng")
    if len(hits) > 1:
        names = "、".join(f"“{a.name}”（{a.code}）" for a in hits)
        raise ActionError(
            _("楼栋坐标(%(lng)s, %(lat)s)同时落在多个网格内：%(names)s（网格重叠），请指定网格。")
            % {"lng": lng, "lat": lat, "names": names},
            field="grid",
        )
    return Region.objects.get(pk=hits[0].region_id)


def _check_point(lng: float | None, lat: float | None) -> tuple[float, float]:
    try:
        lng_f, lat_f = float(lng), float(lat)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ActionError(_("楼栋坐标必须是数字（经度、纬度）。"), field="lng") from exc
    if not (-180 <= lng_f <= 180 and -90 <= lat_f <= 90):
        raise ActionError(_("楼栋坐标(%(lng)s, %(lat)s)超出经纬度范围。") % {"lng": lng_f, "lat": lat_f}, field="lng")
    return lng_f, lat_f


def _check_grid_takes_point(grid: Region, lng: float | None, lat: float | None) -> None:
    if grid.kind != RegionKind.GRID:
        raise ActionError(_("楼栋只能属于网格，%(region)s不是网格。") % {"region": _label(grid)}, field="grid")
    if grid.boundary and lng is not None and lat is not None and not geo.contains_point(grid.boundary, lng, lat):
        raise ActionError(
            _("楼栋坐标(%(lng)s, %(lat)s)不在%(grid)s的范围内。") % {"lng": lng, "lat": lat, "grid": _label(grid)},
            field="grid",
        )


@action
def create_estate(actor: User | None, *, region: Region, name: str, address: str = "") -> Estate:
    """新建小区/院落 in a community or grid."""
    region = _fresh(region)
    _require_places_permission(actor, region.path, _label(region))
    if region.kind not in (RegionKind.COMMUNITY, RegionKind.GRID):
        raise ActionError(
            _("小区/院落只能建在社区或网格下，%(region)s不是。") % {"region": _label(region)}, field="region"
        )
    estate = Estate.objects.create(
        region=region, region_path=region.path, name=_clean_name(name), address=(address or "").strip()
    )
    audit.record(actor, "create_estate", estate, changes={"name": [None, estate.name], "region": [None, region.code]})
    _ensure_in_scope(actor, estate.region_path)
    return estate


@action
def create_building(
    actor: User | None,
    *,
    grid: Region | None,
    number: str,
    address: str,
    lat: float,
    lng: float,
    estate: Estate | None = None,
    kind: str = BuildingKind.RESIDENTIAL,
    floors: int | None = None,
    name: str = "",
) -> Building:
    """新建楼栋 in ``grid``, or in the grid whose polygon contains the point when ``grid`` is None."""
    lng, lat = _check_point(lng, lat)
    if actor is not None:
        require(actor.has_capability(Capability.EDIT_PLACES), _("您没有维护楼栋、单元、房屋的权限。"))
    grid = _grid_for_point(lng, lat) if grid is None else _fresh(grid)
    _check_grid_takes_point(grid, lng, lat)
    _require_places_permission(actor, grid.path, _label(grid))
    number = (number or "").strip()
    if not number:
        raise ActionError(_("楼栋号不能为空。"), field="number")
    address = (address or "").strip()
    if not address:
        raise ActionError(_("楼栋的标准地址不能为空。"), field="address")
    if kind not in BuildingKind.values:
        raise ActionError(_("未知的楼栋类型“%(kind)s”。") % {"kind": kind}, field="kind")
    if floors is not None and not 0 < int(floors) < 300:
        raise ActionError(_("层数应在 1-299 之间。"), field="floors")
    if estate is not None and not grid.path.startswith(estate.region_path):
        raise ActionError(
            _("小区/院落“%(estate)s”不在%(grid)s所属的范围内。") % {"estate": estate, "grid": _label(grid)},
            field="estate",
        )
    if Building.objects.filter(region=grid, estate=estate, number=number).exists():
        raise ActionError(
            _("%(grid)s内已有楼栋号“%(number)s”。") % {"grid": _label(grid), "number": number}, field="number"
        )
    building = Building.objects.create(
        region=grid,
        region_path=grid.path,
        estate=estate,
        number=number,
        name=(name or "").strip(),
        kind=kind,
        address=address,
        floors=floors,
        lat=lat,
        lng=lng,
    )
    audit.record(
        actor,
        "create_building",
        building,
        changes={"grid": [None, grid.code], "number": [None, number], "address": [None, address]},
    )
    _ensure_in_scope(actor, building.region_path)
    return building


def _move_building(building: Building, region: Region) -> None:
    """Put a building, its units and houses in ``region``; an estate outside the new region is detached."""
    building.region = region
    building.region_path = region.path
    fields = ["region", "region_path"]
    if building.estate_id is not None and not region.path.startswith(building.estate.region_path):  # type: ignore[union-attr]
        building.estate = None
        fields.append("estate")
    building.save(update_fields=fields)
    Unit.objects.filter(building=building).update(region=region, region_path=region.path)
    House.objects.filter(building=building).update(region=region, region_path=region.path)


@action
def reassign_building(actor: User | None, building: Building, *, grid: Region) -> Building:
    """Move a building (with its units and houses) to another grid; its point must lie in that grid."""
    building = Building.objects.select_related("region").get(pk=building.pk)
    grid = _fresh(grid)
    _require_places_permission(actor, building.region_path, _("楼栋“%(b)s”") % {"b": building})
    _check_grid_takes_point(grid, building.lng, building.lat)
    _require_places_permission(actor, grid.path, _label(grid))
    if building.region_id == grid.pk:
        return building
    old = building.region.code
    _move_building(building, grid)
    audit.record(actor, "reassign_building", building, changes={"grid": [old, grid.code]})
    _ensure_in_scope(actor, building.region_path)
    return building
