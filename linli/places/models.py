"""The place tree (一标三实's 标准地址): regions district … grid, then estates, buildings, units, houses.

Regions are one materialised-path tree (treebeard MP_Node): a subtree is a path prefix, the same
on SQLite and PostgreSQL. Buildings, units and houses are not tree nodes; they carry ``region``
(their grid — or their community while no grid has taken them, which the coverage report lists)
and ``region_path`` copied from it, like every scoped row.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from linli.core.scope import ScopedQuerySet
from linli.places.choices import BuildingKind, HouseUse, RegionKind


class RegionQuerySet(MP_NodeQuerySet, ScopedQuerySet["Region"]):
    scope_field = "path"


class RegionManager(MP_NodeManager):
    def get_queryset(self) -> RegionQuerySet:
        return RegionQuerySet(self.model, using=self._db).order_by("path")

    def visible_to(self, user: Any) -> RegionQuerySet:
        return self.get_queryset().visible_to(user)


class Region(MP_Node):
    """区域 — city, district, subdistrict, community or grid."""

    steplen = 4
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    node_order_by: list[str] = []

    kind = models.CharField(_("层级"), max_length=16, choices=RegionKind.choices)
    code = models.CharField(_("区划代码"), max_length=15, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    boundary = models.JSONField(_("边界（GeoJSON）"), null=True, blank=True)
    centroid_lat = models.FloatField(_("中心纬度"), null=True, blank=True)
    centroid_lng = models.FloatField(_("中心经度"), null=True, blank=True)
    created_on = models.DateField(_("设立日期"), null=True, blank=True)

    objects = RegionManager()

    class Meta:
        verbose_name = _("区域")
        verbose_name_plural = _("区域")
        indexes = [models.Index(fields=["kind", "path"], name="region_kind_path_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def region_path(self) -> str:
        return str(self.path)


class RegionVersionQuerySet(models.QuerySet["RegionVersion"]):
    def current(self) -> RegionVersionQuerySet:
        """The open versions: each existing region's present state."""
        return self.filter(valid_to__isnull=True)

    def valid_on(self, day: date) -> RegionVersionQuerySet:
        """Versions in force on ``day``: valid_from <= day < valid_to (open-ended when valid_to is null)."""
        return self.filter(Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gt=day))


class RegionVersion(models.Model):
    """区域沿革 — one row per state a region has been in; [valid_from, valid_to) in dates.

    Kept by the tree actions (create, rename, move, merge, split) so the tree as it stood on any
    date can be shown. Deliberately no foreign key: a merged-away region's history outlives it.
    """

    region_id = models.BigIntegerField(_("区域编号"), db_index=True)
    kind = models.CharField(_("层级"), max_length=16, choices=RegionKind.choices)
    code = models.CharField(_("区划代码"), max_length=15, db_index=True)
    name = models.CharField(_("名称"), max_length=100)
    parent_region_id = models.BigIntegerField(_("上级区域编号"), null=True, blank=True)
    path = models.CharField(_("路径"), max_length=255)
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    change = models.CharField(_("变更类型"), max_length=32)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    objects = RegionVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("区域沿革")
        verbose_name_plural = _("区域沿革")
        ordering = ["path", "valid_from"]
        indexes = [models.Index(fields=["valid_from", "valid_to"], name="regionversion_valid_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.valid_from}–{self.valid_to or ''})"


def tree_as_of(day: date, root: Region | None = None) -> list[RegionVersion]:
    """The tree as it stood on ``day``: one version per region then in force, ordered by path.

    With ``root``, only the subtree under root's path *on that day* (its path may have changed since);
    empty when root did not exist then. Paths within one day's snapshot are consistent, so the
    list reads as a depth-first walk: each version's parent precedes it.
    """
    versions = RegionVersion.objects.valid_on(day)
    if root is not None:
        then = versions.filter(region_id=root.pk).first()
        if then is None:
            return []
        versions = versions.filter(path__subtree=then.path)
    return list(versions.order_by("path"))


class Estate(models.Model):
    """小区 / 院落 — optional level grouping buildings inside a community."""

    region = models.ForeignKey(Region, verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="estates")
    region_path = models.CharField(_("区域路径"), max_length=255, db_index=True)
    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("小区/院落")
        verbose_name_plural = _("小区/院落")
        ordering = ["region_path", "name"]

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    """楼栋 — lies in exactly one grid (region.kind == grid when covered)."""

    region = models.ForeignKey(Region, verbose_name=_("所属网格"), on_delete=models.PROTECT, related_name="buildings")
    region_path = models.CharField(_("区域路径"), max_length=255, db_index=True)
    estate = models.ForeignKey(
        Estate, verbose_name=_("小区/院落"), null=True, blank=True, on_delete=models.SET_NULL, related_name="buildings"
    )
    number = models.CharField(_("楼栋号"), max_length=32)
    name = models.CharField(_("楼栋名称"), max_length=100, blank=True)
    kind = models.CharField(_("类型"), max_length=16, choices=BuildingKind.choices, default=BuildingKind.RESIDENTIAL)
    address = models.CharField(_("标准地址"), max_length=200, db_index=True)
    floors = models.PositiveSmallIntegerField(_("层数"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["region_path", "number"]

    def __str__(self) -> str:
        return self.address or self.name or self.number


class Unit(models.Model):
    """单元."""

    building = models.ForeignKey(Building, verbose_name=_("楼栋"), on_delete=models.CASCADE, related_name="units")
    region = models.ForeignKey(Region, verbose_name=_("所属网格"), on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(_("区域路径"), max_length=255, db_index=True)
    number = models.CharField(_("单元号"), max_length=16)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("单元")
        verbose_name_plural = _("单元")
        ordering = ["building_id", "number"]
        constraints = [models.UniqueConstraint(fields=["building", "number"], name="unit_unique_in_building")]

    def __str__(self) -> str:
        return f"{self.building} {self.number}单元"


class House(models.Model):
    """房屋 — the smallest place; persons and households (next issue) live here."""

    building = models.ForeignKey(Building, verbose_name=_("楼栋"), on_delete=models.CASCADE, related_name="houses")
    unit = models.ForeignKey(
        Unit, verbose_name=_("单元"), null=True, blank=True, on_delete=models.CASCADE, related_name="houses"
    )
    region = models.ForeignKey(Region, verbose_name=_("所属网格"), on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(_("区域路径"), max_length=255, db_index=True)
    number = models.CharField(_("门牌号"), max_length=16)
    floor = models.SmallIntegerField(_("楼层"), null=True, blank=True)
    use = models.CharField(_("用途"), max_length=16, choices=HouseUse.choices, default=HouseUse.RESIDENTIAL)
    floor_area = models.DecimalField(_("建筑面积（㎡）"), max_digits=8, decimal_places=2, null=True, blank=True)
    address = models.CharField(_("标准地址"), max_length=200, db_index=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")
        ordering = ["building_id", "unit_id", "number"]
        indexes = [models.Index(fields=["region_path", "use"], name="house_path_use_idx")]

    def __str__(self) -> str:
        return self.address
