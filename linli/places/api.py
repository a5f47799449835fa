"""The place tree over the REST API: regions, estates, buildings, units, houses.

Reads are scoped by ``ScopedViewSet`` (visible_to); writes (POST buildings, POST houses) call the
actions in linli.places.actions, exactly as the pages do.
"""

from __future__ import annotations

from typing import Any

from django.db.models import IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Length, Substr
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action as drf_action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.serializers import BaseSerializer

from linli.accounts.roles import Capability
from linli.core.api import FORBIDDEN, NOT_FOUND, VALIDATION_ERROR, ScopedViewSet, WritableScopedViewSet
from linli.places import filters as f
from linli.places import serializers as s
from linli.places.actions import create_building, create_house
from linli.places.models import Building, Estate, House, Region, Unit

# within_region and subtree_path serve the cases list until it has its FilterSet (the place and
# people lists use linli.core.filters.SubtreeFilter, the same rule).


def subtree_path(region_id: int) -> str | None:
    """The path of any region by id, for subtree filters. Not scoped on purpose: the rows filtered
    are already ``visible_to`` the caller, so a region outside scope only narrows to nothing."""
    return Region.objects.filter(pk=region_id).values_list("path", flat=True).first()


def within_region(queryset: QuerySet[Any], region_id: int, field: str = "region_path") -> QuerySet[Any]:
    path = subtree_path(region_id)
    return queryset.none() if path is None else queryset.filter(**{f"{field}__subtree": path})


@extend_schema(tags=["places"])
@extend_schema_view(
    list=extend_schema(summary=_("区域列表")),
    retrieve=extend_schema(summary=_("区域详情（含边界）"), responses={200: s.RegionDetailSerializer, 404: NOT_FOUND}),
)
class RegionViewSet(ScopedViewSet):
    """区域：市、区、街道/乡镇、社区/村、网格。只列出您管辖范围内的区域。"""

    queryset = Region.objects.all()
    serializer_class = s.RegionSerializer
    filterset_class = f.RegionFilterSet
    required_capability = Capability.VIEW_PLACES

    def get_queryset(self) -> QuerySet[Any]:
        steplen = Region.steplen
        parent_id = Subquery(
            Region.objects.filter(path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - steplen))
            .order_by()
            .values("pk")[:1],
            output_field=IntegerField(),
        )
        return super().get_queryset().annotate(parent_id=parent_id).order_by("path")

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        return s.RegionDetailSerializer if self.action == "retrieve" else s.RegionSerializer

    @extend_schema(
        summary=_("下级区域边界（GeoJSON）"),
        operation_id="v1_regions_children_geojson",
        description=_("该区域的直接下级，作为 GeoJSON FeatureCollection；每个 Feature 的 geometry 是边界多边形。"),
        responses={200: OpenApiTypes.OBJECT, 404: NOT_FOUND},
    )
    @drf_action(
        detail=True, methods=["get"], url_path=r"children\.geojson", url_name="children-geojson", pagination_class=None
    )
    def children_geojson(self, request: Request, pk: str | None = None, format: str | None = None) -> Response:
        region = self.get_object()
        children = (
            Region.objects.visible_to(request.user)
            .filter(path__subtree=region.path, depth=region.depth + 1)
            .order_by("path")
            .values("pk", "code", "name", "kind", "numchild", "boundary", "centroid_lat", "centroid_lng")
        )
        features = [
            {
                "type": "Feature",
                "id": child["pk"],
                "geometry": child["boundary"],
                "properties": {
                    "id": child["pk"],
                    "code": child["code"],
                    "name": child["name"],
                    "kind": child["kind"],
                    "children_count": child["numchild"],
                    "centroid": (
                        [child["centroid_lng"], child["centroid_lat"]] if child["centroid_lat"] is not None else None
                    ),
                },
            }
            for child in children
        ]
        return Response({"type": "FeatureCollection", "features": features})


@extend_schema(tags=["places"])
@extend_schema_view(
    list=extend_schema(summary=_("小区/院落列表")),
    retrieve=extend_schema(summary=_("小区/院落详情"), responses={200: s.EstateSerializer, 404: NOT_FOUND}),
)
class EstateViewSet(ScopedViewSet):
    """小区/院落。"""

    queryset = Estate.objects.select_related("region")
    serializer_class = s.EstateSerializer
    filterset_class = f.EstateFilterSet
    required_capability = Capability.VIEW_PLACES


@extend_schema(tags=["places"])
@extend_schema_view(
    list=extend_schema(summary=_("楼栋列表")),
    retrieve=extend_schema(summary=_("楼栋详情"), responses={200: s.BuildingSerializer, 404: NOT_FOUND}),
    create=extend_schema(
        summary=_("新建楼栋"),
        request=s.BuildingCreateSerializer,
        responses={201: s.BuildingSerializer, 400: VALIDATION_ERROR, 403: FORBIDDEN},
    ),
)
class BuildingViewSet(WritableScopedViewSet):
    """楼栋：每栋楼属于且只属于一个网格。"""

    queryset = Building.objects.select_related("region")
    serializer_class = s.BuildingSerializer
    create_serializer_class = s.BuildingCreateSerializer
    create_capability = Capability.EDIT_PLACES
    filterset_class = f.BuildingFilterSet
    required_capability = Capability.VIEW_PLACES

    def perform_action(self, data: dict[str, Any]) -> Building:
        return create_building(self.request.user, **{"grid": None, **data})  # type: ignore[arg-type]


@extend_schema(tags=["places"])
@extend_schema_view(
    list=extend_schema(summary=_("单元列表")),
    retrieve=extend_schema(summary=_("单元详情"), responses={200: s.UnitSerializer, 404: NOT_FOUND}),
)
class UnitViewSet(ScopedViewSet):
    """单元。"""

    queryset = Unit.objects.all()
    serializer_class = s.UnitSerializer
    filterset_class = f.UnitFilterSet
    required_capability = Capability.VIEW_PLACES


@extend_schema(tags=["places"])
@extend_schema_view(
    list=extend_schema(summary=_("房屋列表")),
    retrieve=extend_schema(summary=_("房屋详情"), responses={200: s.HouseSerializer, 404: NOT_FOUND}),
    create=extend_schema(
        summary=_("新建房屋"),
        request=s.HouseCreateSerializer,
        responses={201: s.HouseSerializer, 400: VALIDATION_ERROR, 403: FORBIDDEN},
    ),
)
class HouseViewSet(WritableScopedViewSet):
    """房屋：用途、楼层、建筑面积、标准地址。"""

    queryset = House.objects.all()
    serializer_class = s.HouseSerializer
    create_serializer_class = s.HouseCreateSerializer
    create_capability = Capability.EDIT_PLACES
    filterset_class = f.HouseFilterSet
    required_capability = Capability.VIEW_PLACES

    def perform_action(self, data: dict[str, Any]) -> House:
        return create_house(self.request.user, **data)  # type: ignore[arg-type]


def register(router: DefaultRouter) -> None:
    """Register the places viewsets on the /api/v1/ router."""
    router.register("regions", RegionViewSet, basename="region")
    router.register("estates", EstateViewSet, basename="estate")
    router.register("buildings", BuildingViewSet, basename="building")
    router.register("units", UnitViewSet, basename="unit")
    router.register("houses", HouseViewSet, basename="house")


__all__ = [
    "FORBIDDEN",  # these four now live in linli.core.api; importable here as before
    "NOT_FOUND",
    "VALIDATION_ERROR",
    "BuildingViewSet",
    "EstateViewSet",
    "HouseViewSet",
    "RegionViewSet",
    "UnitViewSet",
    "WritableScopedViewSet",
    "register",
]
