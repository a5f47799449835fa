"""Writes to the place tree: regions (create, rename, move, merge, split) and estates, buildings,
units and houses. See docs/places.md for the rules.

Every function here is an ``@action``: one transaction, a permission check, the write, an audit
event, then ``ensure_in_scope`` on what was written. A refusal raises ``ActionError`` with a
Chinese message naming what and where; nothing is left changed.

``actor=None`` means the system itself (the seed, fixtures, a migration, the CLI bootstrapping an
empty database): no permission or scope check, and the audit row has no actor. Views and the API
always pass ``request.user`` (an ``AnonymousUser`` is refused, never treated as the system).

Region paths are copied onto every scoped row (``region`` + ``region_path``). When a region's
path changes, every scoped model's ``region_path`` under the old prefix is rewritten to the new
prefix with one UPDATE per table, in the same transaction as treebeard's move.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import CharField, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry.base import BaseGeometry

from linli.accounts.roles import Capability
from linli.core import audit
from linli.core.actions import ActionError, action, require
from linli.core.scope import ensure_in_scope, path_in_scope, scope_paths
from linli.places import geo
from linli.places.choices import CHILD_KIND, BuildingKind, HouseUse, RegionKind
from linli.places.codes import CODE_LENGTH, CodeError, validate_region_code
from linli.places.models import Building, Estate, House, Region, RegionVersion, Unit

STEPLEN = Region.steplen

# RegionVersion.change values.
CHANGE_CREATE = "create"
CHANGE_RENAME = "rename"
CHANGE_MOVE = "move"
CHANGE_MERGE = "merge"
CHANGE_MERGED_INTO = "merged_into"
CHANGE_SPLIT = "split"
CHANGE_BASELINE = "baseline"

# Regions bulk-inserted without history get a baseline version from created_on, or from this
# date ("since records began") when created_on is unknown.
HISTORY_START = date(1949, 10, 1)


# --- small helpers -------------------------------------------------------------------------------


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


def _require_tree_permission(actor: Any, *regions: Region) -> None:
    if actor is None:
        return
    require(actor.has_capability(Capability.MANAGE_TREE), _("您没有调整区域树的权限。"))
    prefixes = scope_paths(actor)
    for region in regions:
        require(path_in_scope(region.path, prefixes), _("%(region)s不在您的管辖范围内。") % {"region": _label(region)})


def _require_places_permission(actor: Any, path: str, what: str) -> None:
    if actor is None:
        return
    require(actor.has_capability(Capability.EDIT_PLACES), _("您没有维护楼栋、单元、房屋的权限。"))
    require(path_in_scope(path, scope_paths(actor)), _("%(what)s不在您的管辖范围内。") % {"what": what})


def _ensure_in_scope(actor: Any, path: str) -> None:
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


def _parse_boundary(boundary: Any, what: str) -> BaseGeometry | None:
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


# --- scoped rows -----------------------------------------------------------------------------------


@cache
def scoped_models() -> tuple[type[models.Model], ...]:
    """Every model following the scoped-row convention: a ``region`` FK to Region plus ``region_path``.

    Found from the app registry so later apps' rows (persons, cases …) are rewritten too. The audit
    table stores a ``region_path`` but no ``region`` key: history is never rewritten.
    """
    found = []
    for model in apps.get_models():
        names = {f.name: f for f in model._meta.concrete_fields}
        region_fk = names.get("region")
        if (
            "region_path" in names
            and region_fk is not None
            and region_fk.is_relation
            and region_fk.related_model is Region
        ):
            found.append(model)
    return tuple(found)


@cache
def _region_foreign_keys() -> tuple[tuple[type[models.Model], str], ...]:
    """(model, field name) of every concrete foreign key to Region, for repointing on merge."""
    found = []
    for model in apps.get_models():
        if model is Region:
            continue
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is Region and (f.many_to_one or f.one_to_one):
                found.append((model, f.name))
    return tuple(found)


def _rewrite_paths(old_prefix: str, new_prefix: str) -> None:
    """One UPDATE per scoped table: region_path old_prefix… → new_prefix…; works on SQLite and PostgreSQL."""
    if old_prefix == new_prefix:
        return
    new_value = Concat(Value(new_prefix), Substr("region_path", len(old_prefix) + 1), output_field=CharField())
    for model in scoped_models():
        model._base_manager.filter(region_path__subtree=old_prefix).update(region_path=new_value)


# --- history -------------------------------------------------------------------------------------


def _parent_ids(paths: Iterable[str]) -> dict[str, int]:
    parent_paths = {_parent_path(p) for p in paths if len(p) > STEPLEN}
    return dict(Region.objects.filter(path__in=parent_paths).values_list("path", "pk"))


def _open_versions(
    regions: Sequence[Region], on: date, change: str, note: str = "", *, from_created_on: bool = False
) -> None:
    """Record the current state of these regions as versions valid from ``on`` (or, with
    ``from_created_on``, from each region's own ``created_on`` where it has one)."""
    parents = _parent_ids(r.path for r in regions)
    RegionVersion.objects.bulk_create(
        (
            RegionVersion(
                region_id=r.pk,
                kind=r.kind,
                code=r.code,
                name=r.name,
                parent_region_id=parents.get(_parent_path(r.path)),
                path=r.path,
                valid_from=(r.created_on or on) if from_created_on else on,
                change=change,
                note=note[:200],
            )
            for r in regions
        ),
        batch_size=2000,
    )


def _close_versions(regions: Sequence[Region], on: date) -> None:
    """End the open version of each region on ``on``; call before changing them.

    Regions without an open version (bulk-inserted by a seed) first get a baseline version of
    their present state. A change dated before a region's latest change is refused: history is
    written in order.
    """
    ids = [r.pk for r in regions]
    open_versions = RegionVersion.objects.current().filter(region_id__in=ids)
    latest = open_versions.order_by("-valid_from").first()
    if latest is not None and latest.valid_from > on:
        raise ActionError(
            _("变更日期 %(on)s 早于“%(name)s”最近一次变更的日期 %(last)s，沿革只能按时间顺序记录。")
            % {"on": on, "name": latest.name, "last": latest.valid_from},
            field="on",
        )
    have = set(open_versions.values_list("region_id", flat=True))
    missing = [r for r in regions if r.pk not in have]
    for region in missing:
        _open_versions([region], min(region.created_on or HISTORY_START, on), CHANGE_BASELINE)
    RegionVersion.objects.current().filter(region_id__in=ids).update(valid_to=on)


def _subtree(region: Region) -> list[Region]:
    return list(Region.objects.filter(path__subtree=region.path).order_by("path"))


def ensure_baseline_versions(on: date | None = None) -> int:
    """Give every region without an open version one (for trees bulk-inserted by a seed). Returns how many."""
    have = RegionVersion.objects.current().values_list("region_id", flat=True)
    missing = list(Region.objects.exclude(pk__in=have))
    _open_versions(missing, _day(on), CHANGE_BASELINE, from_created_on=True)
    return len(missing)


# --- regions -------------------------------------------------------------------------------------


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
    actor: Any,
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
def rename_region(actor: Any, region: Region, *, name: str, on: date | None = None) -> Region:
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


def _derive_code(region: Region, new_parent: Region) -> str:
    """The moved region's code under its new parent: keep its own digits when free, else the next free."""
    if region.kind == RegionKind.DISTRICT:
        candidate = new_parent.code[:4] + region.code[4:6]
        code = _validate_code(candidate, region.kind, new_parent)
        _ensure_code_free(code, exclude_pk=region.pk)
        return code
    prefix = new_parent.code
    length = CODE_LENGTH[region.kind]
    width = length - len(prefix)
    limit = 999 if region.kind == RegionKind.GRID else 599
    taken = {
        c for c in Region.objects.filter(code__startswith=prefix).values_list("code", flat=True) if len(c) == length
    }
    try:
        own = int(region.code[-width:])
    except ValueError:
        own = 1
    own = own if 1 <= own <= limit else 1
    for n in [*range(own, limit + 1), *range(1, own)]:
        candidate = f"{prefix}{n:0{width}d}"
        if candidate not in taken:
            return _validate_code(candidate, region.kind, new_parent)
    raise ActionError(
        _("%(parent)s下已没有可用的下级代码，请指定新代码。") % {"parent": _label(new_parent)}, field="new_code"
    )


def _check_subtree_codes_free(region: Region, old_code: str, new_code: str) -> None:
    """Re-prefixed descendant codes must not collide with codes outside the subtree."""
    clash = Region.objects.filter(code__startswith=new_code).exclude(path__subtree=region.path).order_by("code").first()
    if clash is not None:
        raise ActionError(
            _("代码“%(new)s”下已有%(clash)s，%(region)s及其下级改用该代码会重复。")
            % {"new": new_code, "clash": _label(clash), "region": _label(region)},
            field="new_code",
        )


def _move_subtree(
    region: Region, new_parent: Region, *, new_code: str | None, on: date, change: str, note: str = ""
) -> Region:
    """Move ``region`` (with everything below it) under ``new_parent``; codes re-prefixed, paths rewritten."""
    region = _fresh(region)
    new_parent = _fresh(new_parent)
    if new_parent.path.startswith(region.path):
        if new_parent.pk == region.pk:
            message = _("不能把%(region)s迁移到它自己下面。") % {"region": _label(region)}
        else:
            message = _("不能把%(region)s迁移到它的下级%(target)s下面（会形成循环）。") % {
                "region": _label(region),
                "target": _label(new_parent),
            }
        raise ActionError(message, field="new_parent")
    expected = CHILD_KIND[new_parent.kind]
    if region.kind != expected:
        raise ActionError(
            _("%(region)s是%(kind)s，不能作为%(parent)s的下级（其下级应为%(expected)s）。")
            % {
                "region": _label(region),
                "kind": RegionKind(region.kind).label,
                "parent": _label(new_parent),
                "expected": RegionKind(expected).label if expected else _("无"),
            },
            field="new_parent",
        )
    same_parent = _parent_path(region.path) == new_parent.path
    if new_code is None:
        if same_parent:
            raise ActionError(
                _("%(region)s已在%(parent)s下，无需迁移。") % {"region": _label(region), "parent": _label(new_parent)},
                field="new_parent",
            )
        code = _derive_code(region, new_parent)
    else:
        code = _validate_code(new_code, region.kind, new_parent)
        _ensure_code_free(code, exclude_pk=region.pk)
    if not same_parent and region.boundary:
        _check_grid_overlap(
            region.kind, geo.geometry(region.boundary), new_parent, what=_label(region), exclude=[region.pk]
        )
    old_path, old_code = region.path, region.code
    if code != old_code:
        _check_subtree_codes_free(region, old_code, code)
    _close_versions(_subtree(region), on)
    if not same_parent:
        Region.objects.move(region, new_parent, "last-child")
        region = _fresh(region)
        _rewrite_paths(old_path, region.path)
    if code != old_code:
        Region.objects.filter(path__subtree=region.path, code__startswith=old_code).update(
            code=Concat(Value(code), Substr("code", len(old_code) + 1), output_field=CharField())
        )
    moved = _subtree(region)
    _open_versions(moved[:1], on, change, note)
    _open_versions(moved[1:], on, change, _("随%(region)s变更") % {"region": _label(moved[0])})
    return moved[0]


@action
def move_region(
    actor: Any, region: Region, *, new_parent: Region, new_code: str | None = None, on: date | None = None
) -> Region:
    """迁移: put ``region`` under ``new_parent``; its code (and its descendants') takes the new prefix."""
    day = _day(on)
    region, new_parent = _fresh(region), _fresh(new_parent)
    _require_tree_permission(actor, region, new_parent)
    before = {"parent": _full_name(region), "code": region.code, "path": region.path}
    moved = _move_subtree(
        region,
        new_parent,
        new_code=new_code,
        on=day,
        change=CHANGE_MOVE,
        note=_("自“%(old)s”迁入") % {"old": before["parent"]},
    )
    audit.record(
        actor,
        "move_region",
        moved,
        changes={
            "parent": [before["parent"], _full_name(_fresh(new_parent))],
            "code": [before["code"], moved.code],
            "path": [before["path"], moved.path],
            "on": [None, str(day)],
        },
    )
    _ensure_in_scope(actor, moved.path)
    return moved


def _set_boundary(region: Region, geom: BaseGeometry | None) -> None:
    if geom is None:
        region.boundary, region.centroid_lng, region.centroid_lat = None, None, None
    else:
        region.boundary = geo.to_geojson(geom)
        region.centroid_lng, region.centroid_lat = geo.centroid(geom)
    region.save(update_fields=["boundary", "centroid_lng", "centroid_lat"])


@action
def merge_regions(actor: Any, source: Region, *, into: Region, on: date | None = None) -> Region:
    """合并: ``source`` is absorbed by ``into`` (same kind) and deleted; its history is kept.

    Source's children move under ``into`` (codes re-prefixed); rows attached to source itself
    (buildings of a grid, assignments …) are repointed to ``into``; boundaries are unioned.
    """
    day = _day(on)
    source, into = _fresh(source), _fresh(into)
    _require_tree_permission(actor, source, into)
    if source.pk == into.pk:
        raise ActionError(_("不能把%(region)s与它自己合并。") % {"region": _label(source)}, field="into")
    if source.kind != into.kind:
        raise ActionError(
            _("只能合并同一层级的区域：%(source)s是%(a)s，%(into)s是%(b)s。")
            % {
                "source": _label(source),
                "a": RegionKind(source.kind).label,
                "into": _label(into),
                "b": RegionKind(into.kind).label,
            },
            field="into",
        )
    source_label, into_label = _label(source), _label(into)
    merged_geom: BaseGeometry | None = None
    if source.boundary:
        parts = [geo.geometry(source.boundary)] + ([geo.geometry(into.boundary)] if into.boundary else [])
        merged_geom = geo.union(parts)
        into_parent = Region.objects.get_parent(into)
        _check_grid_overlap(into.kind, merged_geom, into_parent, what=into_label, exclude=[into.pk, source.pk])
    note = _("随%(source)s并入%(into)s") % {"source": source_label, "into": into_label}
    for child in list(Region.objects.get_children(source)):
        _move_subtree(child, into, new_code=None, on=day, change=CHANGE_MOVE, note=note)
    source, into = _fresh(source), _fresh(into)
    _rewrite_paths(source.path, into.path)
    for model, field in _region_foreign_keys():
        values: dict[str, Any] = {field: into}
        if field == "region" and model in scoped_models():
            values["region_path"] = into.path
        model._base_manager.filter(**{field: source}).update(**values)
    _close_versions([source, into], day)
    RegionVersion.objects.create(
        region_id=source.pk,
        kind=source.kind,
        code=source.code,
        name=source.name,
        parent_region_id=_parent_ids([source.path]).get(_parent_path(source.path)),
        path=source.path,
        valid_from=day,
        valid_to=day,
        change=CHANGE_MERGED_INTO,
        note=(_("并入%(into)s") % {"into": into_label})[:200],
    )
    if merged_geom is not None:
        _set_boundary(into, merged_geom)
    _open_versions([into], day, CHANGE_MERGE, _("合并了%(source)s") % {"source": source_label})
    source_id, source_code = source.pk, source.code
    source.delete()
    into = _fresh(into)
    audit.record(
        actor,
        "merge_regions",
        into,
        changes={"merged": [f"{source_id}:{source_code}", None], "into": [None, into.code], "on": [None, str(day)]},
    )
    _ensure_in_scope(actor, into.path)
    return into


@action
def split_region(
    actor: Any,
    region: Region,
    *,
    new_code: str,
    new_name: str,
    children: Sequence[Region] = (),
    buildings: Sequence[Building] = (),
    boundary: dict[str, Any] | None = None,
    on: date | None = None,
) -> Region:
    """拆分: a new sibling of ``region`` takes the chosen children and buildings (and, if given, a
    boundary carved out of ``region``'s). Returns the new region.
    """
    day = _day(on)
    region = _fresh(region)
    _require_tree_permission(actor, region)
    parent = Region.objects.get_parent(region)
    if parent is None:
        raise ActionError(_("%(region)s是顶级区域，不能拆分。") % {"region": _label(region)})
    name = _clean_name(new_name, "new_name")
    code = _validate_code(new_code, region.kind, parent)
    _ensure_code_free(code)
    for child in children:
        child = _fresh(child)
        if _parent_path(child.path) != region.path:
            raise ActionError(
                _("%(child)s不是%(region)s的直接下级，不能随拆分迁出。")
                % {"child": _label(child), "region": _label(region)},
                field="children",
            )
    for building in buildings:
        if Building.objects.filter(pk=building.pk, region=region).count() != 1:
            raise ActionError(
                _("楼栋“%(b)s”不直接属于%(region)s，不能随拆分迁出。") % {"b": building, "region": _label(region)},
                field="buildings",
            )
    what = _("%(kind)s“%(name)s”") % {"kind": RegionKind(region.kind).label, "name": name}
    geom = _parse_boundary(boundary, what)
    rest: BaseGeometry | None = None
    if geom is not None:
        _check_grid_overlap(region.kind, geom, parent, what=what, exclude=[region.pk])
        if region.boundary:
            rest = geo.geometry(region.boundary).difference(geom)
            if rest.is_empty or rest.area <= geo.OVERLAP_EPSILON:
                raise ActionError(
                    _("新边界覆盖了%(region)s的全部范围，拆分后原区域将没有面积。") % {"region": _label(region)},
                    field="boundary",
                )
            rest = geo.union([rest])
        for building in buildings:
            if (
                building.lng is not None
                and building.lat is not None
                and not geom.covers(geo.Point(building.lng, building.lat))
            ):
                raise ActionError(
                    _("楼栋“%(b)s”的坐标(%(lng)s, %(lat)s)不在新边界内。")
                    % {"b": building, "lng": building.lng, "lat": building.lat},
                    field="buildings",
                )
    note = _("由%(region)s拆分") % {"region": _label(region)}
    if rest is not None:
        _close_versions([region], day)
        _set_boundary(region, rest)
        _open_versions([region], day, CHANGE_SPLIT, _("拆分出“%(name)s”") % {"name": name})
    new = _insert_region(
        parent, kind=region.kind, code=code, name=name, geom=geom, on=day, change=CHANGE_SPLIT, note=note
    )
    for child in children:
        _move_subtree(child, new, new_code=None, on=day, change=CHANGE_MOVE, note=note)
    new = _fresh(new)
    for building in buildings:
        _move_building(Building.objects.get(pk=building.pk), new)
    audit.record(
        actor,
        "split_region",
        new,
        changes={
            "from": [region.code, None],
            "code": [None, code],
            "name": [None, name],
            "children": [None, [c.pk for c in children]],
            "buildings": [None, [b.pk for b in buildings]],
            "on": [None, str(day)],
        },
    )
    _ensure_in_scope(actor, new.path)
    _ensure_in_scope(actor, region.path)
    return new


# --- estates, buildings, units, houses -----------------------------------------------------------


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
def create_estate(actor: Any, *, region: Region, name: str, address: str = "") -> Estate:
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
    actor: Any,
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


@action
def create_unit(actor: Any, building: Building, *, number: str) -> Unit:
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
    actor: Any,
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
def reassign_building(actor: Any, building: Building, *, grid: Region) -> Building:
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
