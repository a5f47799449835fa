"""Helpers shared by the places actions: permission and scope checks, labels for messages, names,
codes and boundaries."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry.base import BaseGeometry

from linli.accounts.roles import Capability
from linli.core.actions import ActionError, require
from linli.core.scope import ensure_in_scope, path_in_scope, scope_paths
from linli.places import geo
from linli.places.choices import RegionKind
from linli.places.codes import CodeError, validate_region_code
from linli.places.models import Region

if TYPE_CHECKING:
    from linli.accounts.models import User


STEPLEN = Region.steplen


def _day(on: date | None) -> date:
    return on or timezone.localdate()


def _fresh(region: Region) -> Region:
    """Tree fields go stale after any move; always work from the row as it is now."""
    return Region.objects.get(pk=region.pk)


def _label(region: Region) -> str:
    return _("%(kind)s“%(name)s”（%(code)s）") % {
        "kind": RegionKind(region.kind).label,
        "name": region.name,
        "code": region.code,
    }


def _full_name(region: Region) -> str:
    """成都市 / 锦江区 / 春熙路街道 — where a region sits, for messages."""
    ancestor_paths = [region.path[:i] for i in range(STEPLEN, len(region.path) + 1, STEPLEN)]
    names = Region.objects.filter(path__in=ancestor_paths).order_by("path").values_list("name", flat=True)
    return " / ".join(names)


def _parent_path(path: str) -> str:
    return path[:-STEPLEN]


def _require_tree_permission(actor: User | None, *regions: Region) -> None:
    if actor is None:
        return
    require(actor.has_capability(Capability.MANAGE_TREE), _("您没有调整区域树的权限。"))
    prefixes = scope_paths(actor)
    for region in regions:
        require(path_in_scope(region.path, prefixes), _("%(region)s不在您的管辖范围内。") % {"region": _label(region)})


def _require_places_permission(actor: User | None, path: str, what: str) -> None:
    if actor is None:
        return
    require(actor.has_capability(Capability.EDIT_PLACES), _("您没有维护楼栋、单元、房屋的权限。"))
    require(path_in_scope(path, scope_paths(actor)), _("%(what)s不在您的管辖范围内。") % {"what": what})


def _ensure_in_scope(actor: User | None, path: str) -> None:
    if actor is not None:
        ensure_in_scope(actor, path)


def _clean_name(name: str, field: str = "name") -> str:
    name = (name or "").strip()
    if not name:
        raise ActionError(_("名称不能为空。"), field=field)
    if len(name) > 100:
        raise ActionError(_("名称“%(name)s”过长（最多 100 个字）。") % {"name": name[:20]}, field=field)
    return name


def _validate_code(code: str, kind: str, parent: Region | None) -> str:
    try:
        return validate_region_code(code, kind, parent.code if parent else None, parent.kind if parent else None)
    except CodeError as exc:
        raise ActionError(str(exc), field="code") from exc


def _ensure_code_free(code: str, *, exclude_pk: int | None = None) -> None:
    existing = Region.objects.filter(code=code).exclude(pk=exclude_pk).first()
    if existing is not None:
        raise ActionError(
            _("区域代码“%(code)s”已被%(region)s（%(where)s）使用，代码不能重复。")
            % {"code": code, "region": _label(existing), "where": _full_name(existing)},
            field="code",
        )


def _parse_boundary(boundary: dict[str, Any] | None, what: str) -> BaseGeometry | None:
    if boundary is None:
        return None
    try:
        return geo.parse_boundary(boundary, what=what)
    except geo.GeometryError as exc:
        raise ActionError(str(exc), field="boundary") from exc


def _check_grid_overlap(
    kind: str, geom: BaseGeometry | None, parent: Region | None, *, what: str, exclude: Iterable[int] = ()
) -> None:
    """A grid may not overlap a sibling grid (same community): 无缝隙 is for gaps, not double cover."""
    if kind != RegionKind.GRID or geom is None or parent is None:
        return
    siblings = (
        Region.objects.filter(path__subtree=parent.path, depth=parent.depth + 1, kind=RegionKind.GRID)
        .exclude(boundary__isnull=True)
        .exclude(pk__in=list(exclude))
    )
    for sibling in siblings:
        other = geo.geometry(sibling.boundary)
        if geo.overlaps(geom, other):
            square_metres = geo.approx_square_metres(geo.overlap_area(geom, other), geom.centroid.y)
            raise ActionError(
                _("%(what)s的边界与同一社区的%(other)s重叠（重叠面积约 %(area).0f 平方米），网格之间不能重叠。")
                % {"what": what, "other": _label(sibling), "area": square_metres},
                field="boundary",
            )
