"""The tree's history (沿革): region versions opened and closed around every change, and the
baseline versions of regions bulk-inserted without history."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from linli.core.actions import ActionError
from linli.places.actions._common import (
    STEPLEN,
    _day,
    _parent_path,
)
from linli.places.models import Region, RegionVersion

if TYPE_CHECKING:
    pass


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
