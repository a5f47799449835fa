"""Region actions that add to or rename the tree: create (新建) and rename (改名)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from shapely.geometry.base import BaseGeometry

from linli.core import audit
from linli.core.actions import ActionError, action, require
from linli.places import geo
from linli.places.actions._common import (
    _check_grid_overlap,
    _clean_name,
    _day,
    _ensure_code_free,
    _ensure_in_scope,
    _fresh,
    _label,
    _parse_boundary,
    _require_tree_permission,
    _validate_code,
)
from linli.places.actions.history import (
    CHANGE_CREATE,
    CHANGE_RENAME,
    _close_versions,
    _open_versions,
)
from linli.places.choices import CHILD_KIND, RegionKind
from linli.places.models import Region

if TYPE_CHECKING:
    from linli.accounts.models import User


def _insert_region(
    parent: Region | None,
    *,
    kind: str,
    code: str,
    name: str,
    geom: BaseGeometry | None,
    on: date,
    change: str,
    note: str = "",
) -> Region:
    region = Region(kind=kind, code=code, name=name, created_on=on)
    if geom is not None:
        region.boundary = geo.to_geojson(geom)
        region.centroid_lng, region.centroid_lat = geo.centroid(geom)
    if parent is None:
        region = Region.objects.add_root(instance=region)
    else:
        region = Region.objects.add_child(_fresh(parent), instance=region)
    _open_versions([region], on, change, note)
    return region


@action
def create_region(
    actor: User | None,
    *,
    parent: Region | None,
    kind: str,
    code: str,
    name: str,
    boundary: dict[str, Any] | None = None,
    on: date | None = None,
) -> Region:
    """新建区域: a child of ``parent`` (or a root, system only) with a valid, unique code."""
    day = _day(on)
    if parent is not None:
        parent = _fresh(parent)
        _require_tree_permission(actor, parent)
    elif actor is not None:
        require(False, _("顶级区域只能在系统初始化时建立。"))
    if kind not in RegionKind.values:
        raise ActionError(_("未知的区域层级“%(kind)s”。") % {"kind": kind}, field="kind")
    if parent is not None:
        expected = CHILD_KIND[parent.kind]
        if expected is None:
            raise ActionError(_("%(parent)s是最末一级，不能再设下级区域。") % {"parent": _label(parent)}, field="kind")
        if kind != expected:
            raise ActionError(
                _("%(parent)s的下级只能是%(expected)s，不能是%(kind)s。")
                % {
                    "parent": _label(parent),
                    "expected": RegionKind(expected).label,
                    "kind": RegionKind(kind).label,
                },
                field="kind",
            )
    name = _clean_name(name)
    code = _validate_code(code, kind, parent)
    _ensure_code_free(code)
    what = _("%(kind)s“%(name)s”") % {"kind": RegionKind(kind).label, "name": name}
    geom = _parse_boundary(boundary, what)
    _check_grid_overlap(kind, geom, parent, what=what)
    region = _insert_region(parent, kind=kind, code=code, name=name, geom=geom, on=day, change=CHANGE_CREATE)
    audit.record(
        actor,
        "create_region",
        region,
        changes={"kind": [None, kind], "code": [None, code], "name": [None, name], "on": [None, str(day)]},
    )
    _ensure_in_scope(actor, region.path)
    return region


@action
def rename_region(actor: User | None, region: Region, *, name: str, on: date | None = None) -> Region:
    """改名: the region keeps its code and place; history keeps the old name."""
    day = _day(on)
    region = _fresh(region)
    _require_tree_permission(actor, region)
    name = _clean_name(name)
    if name == region.name:
        return region
    old = region.name
    _close_versions([region], day)
    region.name = name
    region.save(update_fields=["name"])
    _open_versions([region], day, CHANGE_RENAME, _("原名“%(old)s”") % {"old": old})
    audit.record(actor, "rename_region", region, changes={"name": [old, name], "on": [None, str(day)]})
    _ensure_in_scope(actor, region.path)
    return region
