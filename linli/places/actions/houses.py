"""Unit and house actions: create a unit (单元) in a building, create a house (房屋) with its
standard address."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from linli.core import audit
from linli.core.actions import ActionError, action
from linli.places.actions._common import (
    _ensure_in_scope,
    _require_places_permission,
)
from linli.places.choices import HouseUse
from linli.places.models import Building, House, Unit

if TYPE_CHECKING:
    from linli.accounts.models import User


@action
def create_unit(actor: User | None, building: Building, *, number: str) -> Unit:
    """新建单元 in a building."""
    building = Building.objects.get(pk=building.pk)
    _require_places_permission(actor, building.region_path, _("楼栋“%(b)s”") % {"b": building})
    number = (number or "").strip()
    if not number:
        raise ActionError(_("单元号不能为空。"), field="number")
    if Unit.objects.filter(building=building, number=number).exists():
        raise ActionError(_("楼栋“%(b)s”已有%(n)s单元。") % {"b": building, "n": number}, field="number")
    unit = Unit.objects.create(
        building=building, region_id=building.region_id, region_path=building.region_path, number=number
    )
    audit.record(actor, "create_unit", unit, changes={"building": [None, building.pk], "number": [None, number]})
    _ensure_in_scope(actor, unit.region_path)
    return unit


@action
def create_house(
    actor: User | None,
    *,
    building: Building,
    unit: Unit | None = None,
    number: str,
    floor: int | None = None,
    use: str = HouseUse.RESIDENTIAL,
    floor_area: Decimal | float | str | None = None,
) -> House:
    """新建房屋; its standard address is the building's address + unit + number."""
    building = Building.objects.get(pk=building.pk)
    _require_places_permission(actor, building.region_path, _("楼栋“%(b)s”") % {"b": building})
    if unit is not None and unit.building_id != building.pk:
        raise ActionError(_("单元“%(u)s”不属于楼栋“%(b)s”。") % {"u": unit, "b": building}, field="unit")
    number = (number or "").strip()
    if not number:
        raise ActionError(_("门牌号不能为空。"), field="number")
    if use not in HouseUse.values:
        raise ActionError(_("未知的房屋用途“%(use)s”。") % {"use": use}, field="use")
    area: Decimal | None = None
    if floor_area is not None and floor_area != "":
        try:
            area = Decimal(str(floor_area)).quantize(Decimal("0.01"))
        except InvalidOperation as exc:
            raise ActionError(_("建筑面积“%(a)s”不是数字。") % {"a": floor_area}, field="floor_area") from exc
        if not Decimal(0) < area < Decimal("1000000"):
            raise ActionError(_("建筑面积应大于 0 且小于 1000000 平方米。"), field="floor_area")
    if House.objects.filter(building=building, unit=unit, number=number).exists():
        where = f"{building}{unit.number}单元" if unit else str(building)
        raise ActionError(_("“%(where)s”已有门牌号%(n)s。") % {"where": where, "n": number}, field="number")
    address = f"{building.address}{unit.number}单元{number}" if unit else f"{building.address}{number}"
    house = House.objects.create(
        building=building,
        unit=unit,
        region_id=building.region_id,
        region_path=building.region_path,
        number=number,
        floor=floor,
        use=use,
        floor_area=area,
        address=address,
        lat=building.lat,
        lng=building.lng,
    )
    audit.record(actor, "create_house", house, changes={"address": [None, address], "use": [None, use]})
    _ensure_in_scope(actor, house.region_path)
    return house
