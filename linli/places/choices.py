from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionKind(models.TextChoices):
    CITY = "city", _("市")
    DISTRICT = "district", _("区")
    SUBDISTRICT = "subdistrict", _("街道/乡镇")
    COMMUNITY = "community", _("社区/村")
    GRID = "grid", _("网格")


# The kind each kind's children must be; the tree is exactly these levels.
CHILD_KIND: dict[str, str | None] = {
    RegionKind.CITY: RegionKind.DISTRICT,
    RegionKind.DISTRICT: RegionKind.SUBDISTRICT,
    RegionKind.SUBDISTRICT: RegionKind.COMMUNITY,
    RegionKind.COMMUNITY: RegionKind.GRID,
    RegionKind.GRID: None,
}


class HouseUse(models.TextChoices):
    RESIDENTIAL = "residential", _("住宅")
    SHOP = "shop", _("商铺")
    OFFICE = "office", _("办公")
    VACANT = "vacant", _("空置")
    RENTAL = "rental", _("出租")
    PUBLIC = "public", _("公共用房")
    OTHER = "other", _("其他")


class BuildingKind(models.TextChoices):
    RESIDENTIAL = "residential", _("住宅楼")
    BUNGALOW = "bungalow", _("平房/自建房")
    COMMERCIAL = "commercial", _("商业楼宇")
    MIXED = "mixed", _("商住混合")
    PUBLIC = "public", _("公共建筑")
    OTHER = "other", _("其他")
