"""The place lists' filters: one FilterSet per list, shared by the API and the search page.

``/api/v1/regions/``, ``estates/``, ``buildings/``, ``units/`` and ``houses/`` filter with these
(``filterset_class`` on each viewset); the places search page (places:search) lists regions,
buildings and houses with the same ``q``, so a search on the page and ``?q=`` in the API find the
same rows. See linli.core.filters for the rules (scope, malformed values, unknown parameters).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from linli.core.filters import IdFilter, ScopedFilterSet, subtree_filter
from linli.places.choices import BuildingKind, HouseUse, RegionKind
from linli.places.models import Building, Estate, House, Region, Unit

QUERY_MAX_LENGTH = 100


def text_filter(field: str, help_text: Any) -> django_filters.CharFilter:
    """``?q=``: ``field`` contains the text (case-insensitive), at most 100 characters."""
    return django_filters.CharFilter(
        field_name=field, lookup_expr="icontains", max_length=QUERY_MAX_LENGTH, help_text=help_text
    )


class RegionFilterSet(ScopedFilterSet):
    parent = IdFilter(method="filter_parent", help_text=_("只列出该区域的直接下级"))
    kind = django_filters.ChoiceFilter(choices=RegionKind.choices, help_text=_("层级"))
    code = django_filters.CharFilter(max_length=15, help_text=_("区划代码（精确匹配）"))
    q = django_filters.CharFilter(
        method="filter_q", max_length=QUERY_MAX_LENGTH, help_text=_("名称包含，或区划代码开头")
    )

    class Meta:
        model = Region
        fields: list[str] = []

    def filter_parent(self, queryset: QuerySet[Any], name: str, value: int) -> QuerySet[Any]:
        # The parent is looked up without scope: a parent above the caller's scope (a community
        # worker's subdistrict) lists the visible children only; the rows are already visible_to.
        parent = Region.objects.filter(pk=value).values("path", "depth").first()
        if parent is None:
            return queryset.none()
        return queryset.filter(path__subtree=parent["path"], depth=parent["depth"] + 1)

    def filter_q(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value))


class EstateFilterSet(ScopedFilterSet):
    region = subtree_filter(Region, _("该区域及其全部下级中的"))
    q = text_filter("name", _("名称包含"))

    class Meta:
        model = Estate
        fields: list[str] = []


class BuildingFilterSet(ScopedFilterSet):
    region = subtree_filter(Region, _("任一区域的编号：列出该区域及其全部下级中的楼栋"))
    estate = IdFilter(field_name="estate_id", help_text=_("小区/院落编号"))
    kind = django_filters.ChoiceFilter(choices=BuildingKind.choices, help_text=_("楼栋类型"))
    q = text_filter("address", _("地址包含"))

    class Meta:
        model = Building
        fields: list[str] = []


class UnitFilterSet(ScopedFilterSet):
    building = IdFilter(field_name="building_id", help_text=_("楼栋编号"))
    region = subtree_filter(Region, _("该区域及其全部下级中的"))

    class Meta:
        model = Unit
        fields: list[str] = []


class HouseFilterSet(ScopedFilterSet):
    building = IdFilter(field_name="building_id", help_text=_("楼栋编号"))
    unit = IdFilter(field_name="unit_id", help_text=_("单元编号"))
    region = subtree_filter(Region, _("该区域及其全部下级中的"))
    use = django_filters.ChoiceFilter(choices=HouseUse.choices, help_text=_("用途"))
    q = text_filter("address", _("地址包含"))

    class Meta:
        model = House
        fields: list[str] = []


__all__ = [
    "BuildingFilterSet",
    "EstateFilterSet",
    "HouseFilterSet",
    "RegionFilterSet",
    "UnitFilterSet",
    "text_filter",
]
