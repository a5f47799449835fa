"""Region actions that reshape the tree: move (迁移), merge (合并) and split (拆分). Codes are
re-prefixed, paths rewritten on every scoped row, history kept."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import CharField, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _
from shapely.geometry.base import BaseGeometry

from linli.core import audit
from linli.core.actions import ActionError, action
from linli.places import geo
from linli.places.actions._common import (
    _check_grid_overlap,
    _clean_name,
    _day,
    _ensure_code_free,
    _ensure_in_scope,
    _fresh,
    _full_name,
    _label,
    _parent_path,
    _parse_boundary,
    _require_tree_permission,
    _validate_code,
)
from linli.places.actions.buildings import _move_building
from linli.places.actions.history import (
    CHANGE_MERGE,
    CHANGE_MERGED_INTO,
    CHANGE_MOVE,
    CHANGE_SPLIT,
    _close_versions,
    _open_versions,
    _parent_ids,
    _subtree,
)
from linli.places.actions.regions import _insert_region
from linli.places.actions.scoped_rows import _region_foreign_keys, _rewrite_paths, scoped_models
from linli.places.choices import CHILD_KIND, RegionKind
from linli.places.codes import CODE_LENGTH
from linli.places.models import Building, Region, RegionVersion

if TYPE_CHECKING:
    from linli.accounts.models import User


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
    actor: User | None, region: Region, *, new_parent: Region, new_code: str | None = None, on: date | None = None
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
def merge_regions(actor: User | None, source: Region, *, into: Region, on: date | None = None) -> Region:
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
    actor: User | None,
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
