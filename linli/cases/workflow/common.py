"""The common path of every transition (lock, refuse, finish with a step and an audit event) and the
routing of a case to the level that handles it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.models import Department, User
from linli.accounts.roles import Capability
from linli.cases.choices import (
    CaseStatus,
    HandlingLevel,
)
from linli.cases.models import Case, CaseCounter, Step
from linli.cases.workflow.rules import RULES, _unreported_summonses
from linli.core import audit
from linli.core.actions import ActionError, require
from linli.core.scope import get_visible_or_404
from linli.core.worktime import add_working_time
from linli.places import geo
from linli.places.choices import RegionKind
from linli.places.models import Region

S = CaseStatus

# --- the common path of every transition ------------------------------------------------------------


def _now(at: datetime | None) -> datetime:
    return at if at is not None else timezone.now()


def _holder_label(region: Region, department: Department | None) -> str:
    return f"{region.name}·{department}" if department is not None else region.name


def lock_case_row(pk: int) -> None:
    """Lock one case row for this transaction, with a bare query (no join, no DISTINCT).

    On PostgreSQL a ``FOR UPDATE`` over a join re-checks a row that another transaction changed against
    the joined rows it read first: a case whose holder changed meanwhile would drop out (a 404 instead of
    the "changed" 409), and department staff's visibility (``DISTINCT``) cannot be locked at all. So the
    row is locked alone, then read in full — READ COMMITTED reads the latest committed version."""
    list(Case.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True))


def _lock(actor: User | None, case: Case) -> Case:
    """The case row, locked for this transaction, if the actor may see it (404 otherwise).

    Visibility is checked first and the lock taken by primary key: department staff's ``visible_to``
    is DISTINCT, which PostgreSQL refuses to combine with FOR UPDATE."""
    if actor is not None:  # None is the system (scheduled deadline rules)
        get_visible_or_404(Case.objects.only("pk"), actor, pk=case.pk)
    lock_case_row(case.pk)  # not FOR UPDATE over the joins below: see lock_case_row
    return Case.objects.select_related("holder_region", "dispatcher_region", "category").get(pk=case.pk)


def refuse_stale(case: Case, expected_version: int | None) -> None:
    """Refuse to act on a case that moved since the caller saw it (two users at once: exactly one wins).

    Every step on a case — the transitions of ``RULES`` and the steps beside them (a dispute's record,
    mediation, follow-up) — calls this on the locked row."""
    if expected_version is not None and case.version != expected_version:
        raise ActionError(
            _("该事件已被他人更新（%(number)s 现为“%(status)s”），请刷新后再操作。")
            % {"number": case.number, "status": case.get_status_display()},
            code="conflict",
        )


def _remember(case: Case) -> None:
    """Note what the case was before this step: its status and holder for the step row, every column's
    value so ``_finish`` saves only the columns the step changed (``update_fields``)."""
    case._linli_before = (case.status, case.holder_label)  # type: ignore[attr-defined]
    case._linli_fields = {  # type: ignore[attr-defined]
        field.attname: getattr(case, field.attname) for field in Case._meta.concrete_fields if not field.primary_key
    }


def _begin(actor: User | None, case: Case, verb: str, expected_version: int | None) -> Case:
    """Lock, and refuse a stale version, a status the verb cannot start from, or a user it is not for."""
    if actor is not None:
        require(
            actor.has_capability(Capability.HANDLE_CASES) or actor.has_capability(Capability.REPORT_CASES),
            _("您的角色不能办理事件。"),
        )
    fresh = _lock(actor, case)
    refuse_stale(fresh, expected_version)
    rule = RULES[verb]
    if fresh.status not in rule.sources:
        raise ActionError(
            _("事件 %(number)s 当前为“%(status)s”，不能“%(verb)s”。")
            % {"number": fresh.number, "status": fresh.get_status_display(), "verb": rule.label},
            code="state",
        )
    if actor is not None and not rule.who(actor, fresh):
        raise PermissionDenied(
            _("您不是事件 %(number)s 当前的承办人（%(holder)s），不能“%(verb)s”。")
            % {"number": fresh.number, "holder": fresh.holder_label, "verb": rule.label}
        )
    _remember(fresh)
    return fresh


def _finish(
    actor: User | None,
    case: Case,
    verb: str,
    at: datetime,
    *,
    note: str = "",
    department: Department | None = None,
    changes: dict[str, Any] | None = None,
) -> Step:
    """Save the case (version + 1), write its step and its audit event."""
    status_before, holder_before = case._linli_before  # type: ignore[attr-defined]
    changed = [name for name, value in case._linli_fields.items() if getattr(case, name) != value]  # type: ignore[attr-defined]
    updated = Case.objects.filter(pk=case.pk, version=case.version).update(version=F("version") + 1)
    if updated != 1:  # cannot happen under the row lock; kept as the last line of defence
        raise ActionError(_("该事件已被他人更新，请刷新后再操作。"), code="conflict")
    case.version += 1
    # Only what the transition changed (the version is already written): a concurrent writer of another
    # column is never overwritten with this transaction's stale copy.
    if changed:
        case.save(update_fields=changed)
    holder_after = case.holder_label
    step = Step.objects.create(
        case=case,
        verb=verb,
        actor=actor if actor is not None and actor.is_authenticated else None,
        status_before=status_before,
        status_after=case.status,
        holder_before=holder_before[:120],
        holder_after=holder_after[:120],
        department=department,
        note=note,
        deadline=case.deadline,
        created_at=at,
    )
    payload: dict[str, Any] = {}
    if status_before != case.status:
        payload["status"] = [status_before, case.status]
    if holder_before != holder_after:
        payload["holder"] = [holder_before, holder_after]
    payload.update(changes or {})
    audit.record(actor, f"case_{verb}", case, changes=payload, reason=note[:500])
    return step


def add_note_step(
    actor: User | None,
    case: Case,
    verb: str,
    *,
    at: datetime | None = None,
    note: str = "",
    changes: dict[str, Any] | None = None,
) -> Step:
    """A step beside the state machine (a dispute's record, mediation, follow-up): status and holder stay.

    For modules next to this one. Call inside an action, on a case the caller has locked
    (``select_for_update``), fetched through the actor's scope and checked; like every transition it
    bumps ``version`` and writes one ``Step`` and one audit event (``case_<verb>``)."""
    _remember(case)
    return _finish(actor, case, verb, _now(at), note=note, changes=changes)


def _clean_note(note: str, *, required: bool, what: str, field: str = "note") -> str:
    note = (note or "").strip()
    if required and len(note) < 2:
        raise ActionError(_("请填写%(what)s（至少 2 个字）。") % {"what": what}, field=field)
    if len(note) > 2000:
        raise ActionError(_("%(what)s不能超过 2000 字。") % {"what": what}, field=field)
    return note


def _refuse_open_summonses(case: Case) -> None:
    pending = _unreported_summonses(case)
    if pending:
        names = "、".join(str(s.department) for s in pending)
        raise ActionError(
            _("事件 %(number)s 还有被吹哨部门未反馈承办情况：%(names)s。") % {"number": case.number, "names": names},
            code="state",
        )


# --- routing and places ----------------------------------------------------------------------------


def ancestor_of_kind(region: Region, kind: str) -> Region:
    """The region of ``kind`` on the path from the root to ``region`` (``region`` itself if it is that kind)."""
    if region.kind == kind:
        return region
    found = Region.objects.filter(kind=kind, path__in=[region.path[:n] for n in range(4, len(region.path), 4)]).first()
    if found is None:
        raise ActionError(_("%(region)s上级没有%(kind)s。") % {"region": region.name, "kind": RegionKind(kind).label})
    return found


def route(case: Case) -> tuple[Region, Department | None]:
    """Where a registered case goes by its category and place: the lowest level that handles it."""
    category = case.category
    grid = case.region
    level = category.handling_level
    if level == HandlingLevel.GRID:
        return grid, None
    if level == HandlingLevel.COMMUNITY:
        return ancestor_of_kind(grid, RegionKind.COMMUNITY), None
    if level == HandlingLevel.SUBDISTRICT:
        return ancestor_of_kind(grid, RegionKind.SUBDISTRICT), None
    return ancestor_of_kind(grid, RegionKind.DISTRICT), category.department


def grid_for_point(lng: float | None, lat: float | None) -> Region:
    """The grid whose polygon contains the point; a clear refusal for a point outside the city."""
    try:
        lng_f, lat_f = float(lng), float(lat)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ActionError(_("请在地图上选择位置，或选择楼栋、房屋。"), field="lng") from exc
    grids = geo.areas(Region.objects.filter(kind=RegionKind.GRID).values_list("pk", "code", "name", "boundary"))
    hits = geo.find_containing(grids, lng_f, lat_f)
    if not hits:
        raise ActionError(
            _("位置(%(lng).5f, %(lat).5f)不在本市任何网格内，请重新选择。") % {"lng": lng_f, "lat": lat_f}, field="lng"
        )
    return Region.objects.get(pk=hits[0].region_id)


def next_number(on: datetime) -> str:
    """Readable, sortable, unique per city: YYYYMMDD + a 6-digit serial of that day."""
    day = timezone.localtime(on).date()
    counter, _created = CaseCounter.objects.select_for_update().get_or_create(day=day)
    CaseCounter.objects.filter(day=day).update(last=F("last") + 1)
    counter.refresh_from_db()
    return f"{day:%Y%m%d}{counter.last:06d}"


def stage_deadline(start: datetime, hours: float) -> datetime:
    return add_working_time(start, hours=hours)
