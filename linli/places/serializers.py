"""Serializers for the place tree API: what each row looks like on the wire, and what a write accepts.

Read serializers are flat (ids for relations, plus a display name where a client would otherwise
need a second request). Write serializers only validate shape and resolve referenced ids through
``visible_to(user)``: a referenced object that does not exist and one outside the caller's scope get
the same field error. Everything else (codes, coverage, permissions) is the actions' job.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from linli.core.api import NOT_VISIBLE, ScopedReferenceField  # noqa: F401  (NOT_VISIBLE: importable here as before)
from linli.places.choices import BuildingKind, HouseUse, RegionKind
from linli.places.models import Building, Estate, House, Region, Unit

# --- read ------------------------------------------------------------------------------------


class RegionSerializer(serializers.ModelSerializer[Region]):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True, label=_("层级名称"))
    parent = serializers.IntegerField(  # type: ignore[assignment]  # the API's name; shadows Field.parent in stubs
        source="parent_id",
        read_only=True,
        allow_null=True,
        label=_("上级区域编号"),
        help_text=_("上级区域的编号；顶层区域为 null。上级可能在您的管辖范围之外。"),
    )
    children_count = serializers.IntegerField(source="numchild", read_only=True, label=_("下级区域数"))

    class Meta:
        model = Region
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "kind_label",
            "depth",
            "parent",
            "children_count",
            "centroid_lat",
            "centroid_lng",
        ]
        read_only_fields = fields


class RegionDetailSerializer(RegionSerializer):
    class Meta(RegionSerializer.Meta):
        fields = [*RegionSerializer.Meta.fields, "boundary", "created_on"]
        read_only_fields = fields


class EstateSerializer(serializers.ModelSerializer[Estate]):
    region_name = serializers.CharField(source="region.name", read_only=True, label=_("所属区域名称"))

    class Meta:
        model = Estate
        fields = ["id", "region", "region_name", "name", "address"]
        read_only_fields = fields


class BuildingSerializer(serializers.ModelSerializer[Building]):
    region_name = serializers.CharField(source="region.name", read_only=True, label=_("所属网格名称"))
    kind_label = serializers.CharField(source="get_kind_display", read_only=True, label=_("类型名称"))

    class Meta:
        model = Building
        fields = [
            "id",
            "region",
            "region_name",
            "estate",
            "number",
            "name",
            "kind",
            "kind_label",
            "address",
            "floors",
            "lat",
            "lng",
        ]
        read_only_fields = fields


class UnitSerializer(serializers.ModelSerializer[Unit]):
    class Meta:
        model = Unit
        fields = ["id", "building", "region", "number"]
        read_only_fields = fields


class HouseSerializer(serializers.ModelSerializer[House]):
    use_label = serializers.CharField(source="get_use_display", read_only=True, label=_("用途名称"))

    class Meta:
        model = House
        fields = [
            "id",
            "building",
            "unit",
            "region",
            "number",
            "floor",
            "use",
            "use_label",
            "floor_area",
            "address",
            "lat",
            "lng",
        ]
        read_only_fields = fields


# --- write -----------------------------------------------------------------------------------


class BuildingCreateSerializer(serializers.Serializer[Any]):
    grid = ScopedReferenceField(
        Region.objects.filter(kind=RegionKind.GRID),
        _("网格"),
        required=False,
        allow_null=True,
        label=_("所属网格编号"),
        help_text=_("省略时归入坐标所在的网格"),
    )
    number = serializers.CharField(max_length=32, label=_("楼栋号"))
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, label=_("楼栋名称"))
    address = serializers.CharField(max_length=200, label=_("标准地址"))
    lat = serializers.FloatField(min_value=-90, max_value=90, label=_("纬度"))
    lng = serializers.FloatField(min_value=-180, max_value=180, label=_("经度"))
    estate = ScopedReferenceField(
        Estate.objects.all(), _("小区/院落"), required=False, allow_null=True, label=_("小区/院落编号")
    )
    kind = serializers.ChoiceField(choices=BuildingKind.choices, default=BuildingKind.RESIDENTIAL, label=_("类型"))
    floors = serializers.IntegerField(min_value=1, max_value=299, required=False, allow_null=True, label=_("层数"))


class HouseCreateSerializer(serializers.Serializer[Any]):
    building = ScopedReferenceField(Building.objects.all(), _("楼栋"), label=_("楼栋编号"))
    unit = ScopedReferenceField(Unit.objects.all(), _("单元"), required=False, allow_null=True, label=_("单元编号"))
    number = serializers.CharField(max_length=16, label=_("门牌号"))
    floor = serializers.IntegerField(min_value=-10, max_value=200, required=False, allow_null=True, label=_("楼层"))
    use = serializers.ChoiceField(choices=HouseUse.choices, default=HouseUse.RESIDENTIAL, label=_("用途"))
    floor_area = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        allow_null=True,
        label=_("建筑面积（㎡）"),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unit = attrs.get("unit")
        if unit is not None and unit.building_id != attrs["building"].pk:
            raise serializers.ValidationError(
                {"unit": [_("单元 %(unit)s 不属于楼栋 %(building)s。") % {"unit": unit, "building": attrs["building"]}]}
            )
        return attrs
