"""The case state machine: every transition of a case is one action here (DESIGN.md mechanism 2).

    reported 待受理 ─accept→ accepted 待立案 ─register→ registered 待派遣 ─dispatch→ handling 处置中
    ─report_back→ handled 待核查 ─verify(pass)→ verified 待结案 ─close→ closed 已结案 ─rate→ (rated)
    verify(fail) = 返工: back to the handler.  reject 不予受理, merge 合并 end a case early;
    self_handle 自行处置 closes a grid worker's own report on the spot; return 退回 sends a wrong
    dispatch back; escalate 上报 moves the holder one level up the tree; reopen 重办 a closed case.
    Beside the status: progress notes, supervise 督办, request/decide extension 延期, whistle 吹哨 /
    check_in 报到 / report_part (a summoned department's part).

``RULES`` is the table: for each verb, the statuses it may start from, the status it leads to, and who
may do it (``holder``: a user assigned exactly at the holding level — or the holding department;
``above``: a user assigned to a strict ancestor of the holding level; ``reporter``, ``verifier`` …).
``allowed_verbs(user, case)`` reads the same table for the buttons a page shows, so a page can never
offer what the action would refuse.

Every transition, in one transaction: lock the case row, refuse a stale ``expected_version`` (two users
acting at once: exactly one wins, the other is told the case changed — ``ActionError(code="conflict")``),
refuse a verb not allowed from the current status (``code="state"``; the API answers 409) or for this
user (PermissionDenied, 403), change the case, bump ``version``, write one ``Step`` and one audit event.

Time: each stage's deadline is ``linli.core.worktime.add_working_time`` from the act, with the category's
limit. The handling clock starts at dispatch (``due_at``) and runs until close; rework and escalation do
not restart it; an approved extension moves it. ``closed_on_time`` is decided at close: the last report
back (or the self-handling) came before ``due_at``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.accounts.models import Assignment, Department
from linli.accounts.roles import Capability, Role
from linli.cases.choices import (
    OPEN_STATUSES,
    CaseStatus,
    ExtensionStatus,
    HandlingLevel,
    Priority,
    Rating,
    Source,
    WhistleKind,
)
from linli.cases.models import Case, CaseCounter, Category, Extension, Step, Summons, Whistle
from linli.core import audit
from linli.core.actions import ActionError, action, require
from linli.core.masking import mask_phone
from linli.core.phones import validate_phone
from linli.core.scope import ensure_in_scope, get_visible_or_404
from linli.core.worktime import add_working_time, working_seconds_between
from linli.places import geo
from linli.places.choices import RegionKind
from linli.places.models import Building, House, Region

S = CaseStatus

# Which role acts for a region level that holds a case.
LEVEL_ROLE: dict[str, str] = {
    RegionKind.GRID: Role.GRID_WORKER,
    RegionKind.COMMUNITY: Role.COMMUNITY_WORKER,
    RegionKind.SUBDISTRICT: Role.SUBDISTRICT_STAFF,
    RegionKind.DISTRICT: Role.DISTRICT_LEADER,
}
STAFF_ROLES = frozenset(LEVEL_ROLE.values())

# How long a summoned department has to check in (报到), by whistle kind.
CHECK_IN_LIMIT: dict[str, tuple[str, float]] = {
    WhistleKind.EMERGENCY: ("minutes", 30),  # wall-clock minutes: emergencies do not wait for office hours
    WhistleKind.HARD: ("working_hours", 2),
    WhistleKind.ROUTINE: ("working_hours", 7),
}
MAX_EXTENSION_HOURS = 70.0  # ten working days


# --- who -------------------------------------------------------------------------------------------


def _assignments(user: Any) -> list[tuple[str, int, str, int | None]]:
    """(role, region id, region path, department id) of the user's active assignments; cached per request."""
    if user is None or not user.is_authenticated:
        return []
    cached: list[tuple[str, int, str, int | None]] | None = getattr(user, "_linli_case_assignments", None)
    if cached is None:
        cached = list(
            Assignment.objects.active()
            .filter(user=user)
            .values_list("role", "region_id", "region__path", "department_id")
        )
        user._linli_case_assignments = cached
    return cached


def holds(user: Any, case: Case) -> bool:
    """The user acts for the level (or department) that holds the case now."""
    for role, region_id, path, department_id in _assignments(user):
        if case.holder_department_id is not None:
            if (
                role == Role.DEPARTMENT_STAFF
                and department_id == case.holder_department_id
                and case.holder_region.path.startswith(path)
            ):
                return True
        elif region_id == case.holder_region_id and role == LEVEL_ROLE.get(case.holder_region.kind):
            return True
    return False


def is_above(user: Any, case: Case) -> bool:
    """The user acts for a strict ancestor of the holding level (supervise, decide extensions)."""
    holder_path = case.holder_region.path
    return any(
        role in STAFF_ROLES and holder_path.startswith(path) and len(path) < len(holder_path)
        for role, _region_id, path, _dept in _assignments(user)
    ) or (
        case.holder_department_id is not None
        and any(role in STAFF_ROLES and holder_path.startswith(path) for role, _r, path, _d in _assignments(user))
    )


def is_verifier(user: Any, case: Case) -> bool:
    """The user acts for the level that dispatched the case (it verifies and may reopen)."""
    if case.dispatcher_region_id is None:
        return False
    dispatcher = case.dispatcher_region
    return dispatcher is not None and any(
        region_id == dispatcher.pk and role == LEVEL_ROLE.get(dispatcher.kind)
        for role, region_id, _path, _dept in _assignments(user)
    )


def is_reporter(user: Any, case: Case) -> bool:
    return user is not None and user.is_authenticated and case.reporter_user_id == user.pk


def _may_rate(user: Any, case: Case) -> bool:
    if is_reporter(user, case):
        return True  # the resident (or worker) who reported it
    community_path = case.region_path[: 4 * 4]  # city/district/subdistrict/community: the 回访 is done there or above
    return any(
        role in STAFF_ROLES and role != Role.GRID_WORKER and community_path.startswith(path)
        for role, _r, path, _d in _assignments(user)
    )


def _may_self_handle(user: Any, case: Case) -> bool:
    return is_reporter(user, case) and any(
        role == Role.GRID_WORKER and region_id == case.region_id for role, region_id, _p, _d in _assignments(user)
    )


def _is_summoned(user: Any, case: Case) -> bool:
    departments = {d for role, _r, _p, d in _assignments(user) if role == Role.DEPARTMENT_STAFF and d}
    return bool(departments) and any(
        s.department_id in departments for s in case.summonses.all() if s.reported_at is None
    )


@dataclass(frozen=True)
class Rule:
    sources: frozenset[str]
    target: str | None  # None: the status does not change
    who: Callable[[Any, Case], bool]
    label: Any  # lazy Chinese label for buttons and the timeline


RULES: dict[str, Rule] = {
    "accept": Rule(frozenset({S.REPORTED}), S.ACCEPTED, holds, gettext_lazy("受理")),
    "reject": Rule(frozenset({S.REPORTED, S.ACCEPTED}), S.REJECTED, holds, gettext_lazy("不予受理")),
    "register": Rule(frozenset({S.ACCEPTED}), S.REGISTERED, holds, gettext_lazy("立案")),
    "dispatch": Rule(frozenset({S.REGISTERED}), S.HANDLING, holds, gettext_lazy("派遣")),
    "progress": Rule(frozenset({S.HANDLING}), None, holds, gettext_lazy("处置进展")),
    "report_back": Rule(frozenset({S.HANDLING}), S.HANDLED, holds, gettext_lazy("处置反馈")),
    "verify": Rule(frozenset({S.HANDLED}), S.VERIFIED, holds, gettext_lazy("核查通过")),
    "rework": Rule(frozenset({S.HANDLED}), S.HANDLING, holds, gettext_lazy("核查不通过（返工）")),
    "close": Rule(frozenset({S.VERIFIED}), S.CLOSED, holds, gettext_lazy("结案")),
    "rate": Rule(frozenset({S.CLOSED}), None, _may_rate, gettext_lazy("评价")),
    "return": Rule(frozenset({S.HANDLING}), S.REGISTERED, holds, gettext_lazy("退回")),
    "escalate": Rule(
        frozenset({S.REPORTED, S.ACCEPTED, S.REGISTERED, S.HANDLING}), None, holds, gettext_lazy("上报上级")
    ),
    "self_handle": Rule(frozenset({S.REPORTED}), S.CLOSED, _may_self_handle, gettext_lazy("自行处置")),
    "request_extension": Rule(frozenset({S.HANDLING}), None, holds, gettext_lazy("申请延期")),
    "decide_extension": Rule(frozenset({S.HANDLING}), None, is_above, gettext_lazy("审批延期")),
    "supervise": Rule(frozenset(OPEN_STATUSES), None, is_above, gettext_lazy("督办")),
    "merge": Rule(frozenset({S.REPORTED, S.ACCEPTED, S.REGISTERED}), S.MERGED, holds, gettext_lazy("合并重复件")),
    "reopen": Rule(frozenset({S.CLOSED}), S.REGISTERED, is_verifier, gettext_lazy("重新办理")),
    "whistle": Rule(frozenset({S.REGISTERED, S.HANDLING}), None, holds, gettext_lazy("吹哨")),
    "check_in": Rule(frozenset({S.REGISTERED, S.HANDLING}), None, _is_summoned, gettext_lazy("报到")),
    "report_part": Rule(frozenset({S.REGISTERED, S.HANDLING}), None, _is_summoned, gettext_lazy("反馈承办情况")),
}


# Steps that are not transitions of RULES: the first step, and the notes other modules write (add_note_step).
NOTE_STEP_LABELS: dict[str, Any] = {
    "report": gettext_lazy("上报"),
    "dispute": gettext_lazy("登记纠纷情况"),
    "mediation": gettext_lazy("调解"),
    "follow_up": gettext_lazy("纠纷回访"),
}


def verb_label(verb: str) -> str:
    """The Chinese label of a step's verb, for timelines in pages and the API."""
    rule = RULES.get(verb)
    label = rule.label if rule is not None else NOTE_STEP_LABELS.get(verb, verb)
    return str(label)


def _extra_condition(verb: str, user: Any, case: Case) -> bool:
    """Conditions beyond status and role that a button must respect too."""
    if verb == "rate":
        return not case.rating
    if verb == "escalate":
        return case.holder_department_id is None and case.holder_region.kind in (
            RegionKind.GRID,
            RegionKind.COMMUNITY,
            RegionKind.SUBDISTRICT,
        )
    if verb == "whistle":
        return case.holder_department_id is None and case.holder_region.kind in (
            RegionKind.COMMUNITY,
            RegionKind.SUBDISTRICT,
        )
    if verb == "return":
        return case.holder_region_id != case.dispatcher_region_id or case.holder_department_id is not None
    if verb == "dispatch":
        return case.holder_department_id is None
    if verb == "decide_extension":
        return any(e.status == ExtensionStatus.PENDING for e in case.extensions.all())
    if verb == "request_extension":
        return not any(e.status == ExtensionStatus.PENDING for e in case.extensions.all())
    if verb in ("report_back", "close"):
        return not _unreported_summonses(case)
    return True


def allowed_verbs(user: Any, case: Case) -> list[str]:
    """The verbs this user may apply to this case now (buttons on the case page, ``allowed`` in the API)."""
    if not user.has_capability(Capability.HANDLE_CASES) and not user.has_capability(Capability.REPORT_CASES):
        return []
    return [
        verb
        for verb, rule in RULES.items()
        if case.status in rule.sources and rule.who(user, case) and _extra_condition(verb, user, case)
    ]


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


def _lock(actor: Any, case: Case) -> Case:
    """The case row, locked for this transaction, if the actor may see it (404 otherwise).

    Visibility is checked first and the lock taken by primary key: department staff's ``visible_to``
    is DISTINCT, which PostgreSQL refuses to combine with FOR UPDATE."""
    if actor is not None:  # None is the system (scheduled deadline rules)
        get_visible_or_404(Case.objects.only("pk"), actor, pk=case.pk)
    lock_case_row(case.pk)  # not FOR UPDATE over the joins below: see lock_case_row
    return Case.objects.select_related("holder_region", "dispatcher_region", "category").get(pk=case.pk)


def _begin(actor: Any, case: Case, verb: str, expected_version: int | None) -> Case:
    """Lock, and refuse a stale version, a status the verb cannot start from, or a user it is not for."""
    if actor is not None:
        require(
            actor.has_capability(Capability.HANDLE_CASES) or actor.has_capability(Capability.REPORT_CASES),
            _("您的角色不能办理事件。"),
        )
    fresh = _lock(actor, case)
    if expected_version is not None and fresh.version != expected_version:
        raise ActionError(
            _("该事件已被他人更新（%(number)s 现为“%(status)s”），请刷新后再操作。")
            % {"number": fresh.number, "status": fresh.get_status_display()},
            code="conflict",
        )
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
    fresh._linli_before = (fresh.status, fresh.holder_label)  # type: ignore[attr-defined]
    return fresh


def _finish(
    actor: Any,
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
    updated = Case.objects.filter(pk=case.pk, version=case.version).update(version=F("version") + 1)
    if updated != 1:  # cannot happen under the row lock; kept as the last line of defence
        raise ActionError(_("该事件已被他人更新，请刷新后再操作。"), code="conflict")
    case.version += 1
    case.save()
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
    actor: Any,
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
    case._linli_before = (case.status, case.holder_label)  # type: ignore[attr-defined]
    return _finish(actor, case, verb, _now(at), note=note, changes=changes)


def _clean_note(note: str, *, required: bool, what: str, field: str = "note") -> str:
    note = (note or "").strip()
    if required and len(note) < 2:
        raise ActionError(_("请填写%(what)s（至少 2 个字）。") % {"what": what}, field=field)
    if len(note) > 2000:
        raise ActionError(_("%(what)s不能超过 2000 字。") % {"what": what}, field=field)
    return note


def _unreported_summonses(case: Case) -> list[Summons]:
    return [s for s in case.summonses.all() if s.reported_at is None]


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


# --- report ----------------------------------------------------------------------------------------


@action
def report_case(
    actor: Any,
    *,
    category: Category,
    title: str,
    description: str = "",
    source: str = Source.PATROL,
    priority: str = Priority.NORMAL,
    house: House | None = None,
    building: Building | None = None,
    lng: float | None = None,
    lat: float | None = None,
    address: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    reporter_person: Any = None,
    photos: Sequence[Any] = (),
    at: datetime | None = None,
) -> Case:
    """上报 — a new case at the place's grid, held by its community for acceptance (社区受理)."""
    require(actor is not None and actor.has_capability(Capability.REPORT_CASES), _("您的角色不能上报事件。"))
    at = _now(at)
    if not category.active or category.parent_id is None:
        raise ActionError(_("请选择一个具体的事件小类。"), field="category")
    title = (title or "").strip()
    if not 2 <= len(title) <= 100:
        raise ActionError(_("标题须为 2 到 100 个字。"), field="title")
    description = _clean_note(description, required=False, what=_("描述"), field="description")
    if source not in Source.values:
        raise ActionError(_("来源“%(value)s”不存在。") % {"value": source}, field="source")
    if priority not in Priority.values:
        raise ActionError(_("紧急程度“%(value)s”不存在。") % {"value": priority}, field="priority")
    if house is not None:
        building = house.building
        grid = house.region
        address = address or house.address
    elif building is not None:
        grid = building.region
        address = address or building.address
    else:
        grid = grid_for_point(lng, lat)
        address = (address or "").strip()
        if not address:
            raise ActionError(_("请填写事发地址。"), field="address")
    if grid.kind != RegionKind.GRID:
        raise ActionError(_("%(place)s不在任何网格内，请联系管理员划入网格。") % {"place": address}, field="building")
    if building is not None and lat is None:
        lat, lng = building.lat, building.lng
    contact_phone = validate_phone(contact_phone, field="contact_phone")
    community = ancestor_of_kind(grid, RegionKind.COMMUNITY)
    case = Case(
        number=next_number(at),
        region=grid,
        region_path=grid.path,
        source=source,
        category=category,
        title=title,
        description=description,
        priority=priority,
        building=building,
        house=house,
        lat=lat,
        lng=lng,
        address=address[:200],
        reporter_user=actor,
        reporter_person=reporter_person,
        contact_name=(contact_name or "").strip()[:50],
        contact_phone=contact_phone,
        status=S.REPORTED,
        holder_region=community,
        deadline=stage_deadline(at, category.accept_hours),
        reported_at=at,
    )
    case.save()
    ensure_in_scope(actor, case.region_path)
    step = Step.objects.create(
        case=case,
        verb="report",
        actor=actor,
        status_after=case.status,
        holder_after=case.holder_label,
        note=description[:2000],
        deadline=case.deadline,
        created_at=at,
    )
    if photos:
        from linli.cases.photos import save_photos

        save_photos(actor, case, step, photos)
    audit.record(
        actor,
        "case_report",
        case,
        changes={
            "category": [None, category.code],
            "title": [None, title],
            "contact_phone": [None, mask_phone(contact_phone)] if contact_phone else [None, ""],
        },
    )
    return case


# --- the transitions -------------------------------------------------------------------------------


@action
def accept_case(
    actor: Any, case: Case, *, note: str = "", expected_version: int | None = None, at: datetime | None = None
) -> Case:
    """受理."""
    at = _now(at)
    case = _begin(actor, case, "accept", expected_version)
    case.status = S.ACCEPTED
    case.accepted_at = at
    case.deadline = stage_deadline(at, case.category.dispatch_hours)
    _finish(actor, case, "accept", at, note=_clean_note(note, required=False, what=_("说明")))
    return case


@action
def reject_case(
    actor: Any, case: Case, *, reason: str, expected_version: int | None = None, at: datetime | None = None
) -> Case:
    """不予受理 — with the reason told to the reporter."""
    at = _now(at)
    case = _begin(actor, case, "reject", expected_version)
    reason = _clean_note(reason, required=True, what=_("不予受理的理由"), field="reason")
    case.status = S.REJECTED
    case.deadline = None
    case.closed_at = at
    _finish(actor, case, "reject", at, note=reason)
    return case


@action
def register_case(
    actor: Any,
    case: Case,
    *,
    category: Category | None = None,
    priority: str | None = None,
    note: str = "",
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Case:
    """立案 — optionally correcting the category and priority the reporter chose."""
    at = _now(at)
    case = _begin(actor, case, "register", expected_version)
    changes: dict[str, Any] = {}
    if category is not None and category.pk != case.category_id:
        if not category.active or category.parent_id is None:
            raise ActionError(_("请选择一个具体的事件小类。"), field="category")
        changes["category"] = [case.category.code, category.code]
        case.category = category
    if priority is not None and priority != case.priority:
        if priority not in Priority.values:
            raise ActionError(_("紧急程度“%(value)s”不存在。") % {"value": priority}, field="priority")
        changes["priority"] = [case.priority, priority]
        case.priority = priority
    case.status = S.REGISTERED
    case.registered_at = at
    case.deadline = stage_deadline(at, case.category.dispatch_hours)
    _finish(actor, case, "register", at, note=_clean_note(note, required=False, what=_("说明")), changes=changes)
    return case


@action
def dispatch_case(
    actor: Any,
    case: Case,
    *,
    to_region: Region | None = None,
    to_department: Department | None = None,
    note: str = "",
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Case:
    """派遣 — to the routed level by default, or to a level inside the dispatcher's subtree, or to a department.

    The handling clock starts here: ``due_at`` = now + the category's handling limit in working time.
    """
    at = _now(at)
    case = _begin(actor, case, "dispatch", expected_version)
    if case.holder_department_id is not None:
        raise ActionError(_("部门承办的事件不能再派遣，请退回或反馈。"), code="state")
    dispatcher = case.holder_region
    if to_region is None and to_department is None:
        to_region, to_department = route(case)
        if not to_region.path.startswith(dispatcher.path) and to_department is None:
            to_region = dispatcher  # the routed level is below-or-at the dispatcher only when it is lower
    elif to_department is not None:
        to_region = to_region or ancestor_of_kind(case.region, RegionKind.DISTRICT)
    assert to_region is not None
    if to_department is None and not (
        to_region.path.startswith(dispatcher.path) and case.region_path.startswith(to_region.path)
    ):
        raise ActionError(
            _("只能派遣给本级或下级、且包含事发地的区域；%(target)s不符合。") % {"target": to_region.name},
            field="to_region",
        )
    case.holder_region = to_region
    case.holder_department = to_department
    case.dispatcher_region = dispatcher
    case.handler_region = to_region
    case.handler_department = to_department
    case.status = S.HANDLING
    case.dispatched_at = at
    case.due_at = stage_deadline(at, case.category.handle_hours)
    case.deadline = case.due_at
    case.is_overdue = False
    case.overdue_since = None
    _finish(
        actor,
        case,
        "dispatch",
        at,
        note=_clean_note(note, required=False, what=_("派遣意见")),
        department=to_department,
    )
    return case


@action
def note_progress(
    actor: Any,
    case: Case,
    *,
    note: str,
    photos: Sequence[Any] = (),
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Case:
    """处置进展 — a note (and photos) on the timeline; status and holder unchanged."""
    at = _now(at)
    case = _begin(actor, case, "progress", expected_version)
    step = _finish(actor, case, "progress", at, note=_clean_note(note, required=True, what=_("处置进展")))
    if photos:
        from linli.cases.photos import save_photos

        save_photos(actor, case, step, photos)
    return case


@action
def report_back(
    actor: Any,
    case: Case,
    *,
    note: str,
    photos: Sequence[Any] = (),
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Case:
    """反馈 — the handler reports the result; the case goes back to the dispatching level to verify."""
    at = _now(at)
    case = _begin(actor, case, "report_back", expected_version)
    _refuse_open_summonses(case)
    note = _clean_note(note, required=True, what=_("处置结果"))
    assert case.dispatcher_region is not None
    case.holder_region = case.dispatcher_region
    case.holder_department = None
    case.status = S.HANDLED
    case.handled_at = at
    assert case.dispatched_at is not None
    case.handling_hours = working_seconds_between(case.dispatched_at, at) / 3600
    case.deadline = stage_deadline(at, case.category.verify_hours)
    step = _finish(actor, case, "report_back", at, note=note)
    if photos:
        from linli.cases.photos import save_photos

        save_photos(actor, case, step, photos)
    return case


@action
def verify_case(
    actor: Any,
    case: Case,
    *,
    passed: bool,
    note: str = "",
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Case:
    """核查 — pass (待结案) or fail: 返工, back to the handler with the clock still running."""
    at = _now(at)
    case = _begin(actor, case, "verify" if passed else "rework", expected_version)
    if passed:
        case.status = S.VERIFIED
        case.deadline = stage_deadline(at, case.category.dispatch_hours)
        _finish(actor, case, "verify", at, note=_clean_note(note, required=False, what=_("核查意见")))
        return case
    note = _clean_note(note, required=True, what=_("返工原因"))
    assert case.handler_region_id is not None
    case.holder_region_id = case.handler_region_id
    case.holder_department_id = case.handler_department_id
    case.status = S.HANDLING
    case.rework_count += 1
    case.deadline = case.due_at
    _finish(actor, case, "rework", at, note=note, department=case.handler_department)
    return case


@action
def close_case(
    actor: Any, case: Case, *, note: str = "", expected_version: int | None = None, at: datetime | None = None
) -> Case:
    """结案 — on time when the last report back came before the handling deadline."""
    at = _now(at)
    case = _begin(actor, case, "close", expected_version)
    _refuse_open_summonses(case)
    case.status = S.CLOSED
    case.closed_at = at
    case.closed_on_time = bool(case.due_at and case.handled_at and case.handled_at <= case.due_at)
    case.deadline = None
    _finish(actor, case, "close", at, note=_clean_note(note, required=False, what=_("结案意见")))
    return case


@action
def rate_case(
    actor: Any,
    case: Case,
    *,
    rating: str,
    comment: str = "",
    contacted: bool = True,
    solved: bool | None = None,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Case:
    """评价 / 回访 — by the reporter, or recorded by staff after a follow-up call."""
    at = _now(at)
    case = _begin(actor, case, "rate", expected_version)
    if case.rating:
        raise ActionError(_("事件 %(number)s 已评价。") % {"number": case.number}, code="state")
    if rating not in Rating.values:
        raise ActionError(_("请选择满意、基本满意或不满意。"), field="rating")
    case.rating = rating
    case.rating_comment = _clean_note(comment, required=False, what=_("评价意见"), field="comment")[:300]
    case.rated_at = at
    case.contacted = contacted
    case.solved = solved if solved is not None else rating != Rating.UNSATISFIED
    _finish(actor, case, "rate", at, note=case.rating_comment, changes={"rating": [None, rating]})
    return case


@action
def return_case(
    actor: Any, case: Case, *, reason: str, expected_version: int | None = None, at: datetime | None = None
) -> Case:
    """退回 — a wrong dispatch goes back to the dispatching level, to be dispatched again."""
    at = _now(at)
    case = _begin(actor, case, "return", expected_version)
    if not _extra_condition("return", actor, case):
        raise ActionError(_("本级派遣给本级的事件不能退回，请上报或反馈。"), code="state")
    reason = _clean_note(reason, required=True, what=_("退回理由"), field="reason")
    assert case.dispatcher_region_id is not None
    case.holder_region_id = case.dispatcher_region_id
    case.holder_department = None
    case.status = S.REGISTERED
    case.return_count += 1
    case.deadline = stage_deadline(at, case.category.dispatch_hours)
    _finish(actor, case, "return", at, note=reason)
    return case


@action
def escalate_case(
    actor: Any, case: Case, *, note: str, expected_version: int | None = None, at: datetime | None = None
) -> Case:
    """上报 — the holder passes the case one level up the tree (actor None: an automatic deadline rule)."""
    at = _now(at)
    case = _begin(actor, case, "escalate", expected_version)
    if not _extra_condition("escalate", actor, case):
        raise ActionError(
            _("%(holder)s不能再向上上报：区级和部门承办的事件请督办或退回。") % {"holder": case.holder_label},
            code="state",
        )
    note = _clean_note(note, required=True, what=_("上报理由"))
    parent = Region.objects.get_parent(case.holder_region)
    assert parent is not None
    case.holder_region = parent
    case.escalation_count += 1
    if case.status == S.HANDLING:
        case.handler_region = parent
        case.handler_department = None
    elif case.status in (S.REPORTED, S.ACCEPTED, S.REGISTERED):
        hours = case.category.accept_hours if case.status == S.REPORTED else case.category.dispatch_hours
        case.deadline = stage_deadline(at, hours)
    _finish(actor, case, "escalate", at, note=note)
    return case


@action
def self_handle_case(
    actor: Any,
    case: Case,
    *,
    note: str,
    photos: Sequence[Any] = (),
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Case:
    """自行处置 — the grid worker who reported it solved it on the spot; closed, counted as self-handled."""
    at = _now(at)
    case = _begin(actor, case, "self_handle", expected_version)
    note = _clean_note(note, required=True, what=_("处置情况"))
    case.status = S.CLOSED
    case.self_handled = True
    case.handled_at = at
    case.handling_hours = 0.0
    case.closed_at = at
    case.due_at = case.due_at or at
    case.closed_on_time = True
    case.deadline = None
    step = _finish(actor, case, "self_handle", at, note=note)
    if photos:
        from linli.cases.photos import save_photos

        save_photos(actor, case, step, photos)
    return case


@action
def request_extension(
    actor: Any,
    case: Case,
    *,
    hours: float,
    reason: str,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Extension:
    """申请延期 — the holder asks; the level above decides (``decide_extension``)."""
    at = _now(at)
    case = _begin(actor, case, "request_extension", expected_version)
    if not _extra_condition("request_extension", actor, case):
        raise ActionError(_("该事件已有待审批的延期申请。"), code="state")
    try:
        hours = float(hours)
    except (TypeError, ValueError) as exc:
        raise ActionError(_("延期时长必须是数字（工作小时）。"), field="hours") from exc
    if not 0 < hours <= MAX_EXTENSION_HOURS:
        raise ActionError(
            _("延期时长须大于 0、不超过 %(max)d 个工作小时（10 个工作日）。") % {"max": MAX_EXTENSION_HOURS},
            field="hours",
        )
    reason = _clean_note(reason, required=True, what=_("延期理由"), field="reason")[:300]
    extension = Extension.objects.create(case=case, hours=hours, reason=reason, requested_by=actor, requested_at=at)
    _finish(actor, case, "request_extension", at, note=reason, changes={"extension_hours": [None, hours]})
    return extension


@action
def decide_extension(
    actor: Any,
    extension: Extension,
    *,
    approve: bool,
    note: str = "",
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Extension:
    """审批延期 — approved: the handling deadline moves by the hours asked, in working time."""
    at = _now(at)
    case = _begin(actor, extension.case, "decide_extension", expected_version)
    extension = Extension.objects.select_for_update().get(pk=extension.pk)
    if extension.status != ExtensionStatus.PENDING:
        raise ActionError(_("该延期申请已审批。"), code="state")
    extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    extension.decided_by = actor
    extension.decided_at = at
    extension.save()
    changes: dict[str, Any] = {"extension": [ExtensionStatus.PENDING, extension.status]}
    if approve:
        assert case.due_at is not None
        old_due = case.due_at
        case.due_at = add_working_time(case.due_at, hours=extension.hours)
        case.deadline = case.due_at
        case.extension_count += 1
        if case.due_at > at:
            case.is_overdue = False
            case.overdue_since = None
        changes["due_at"] = [old_due.isoformat(), case.due_at.isoformat()]
    _finish(
        actor, case, "decide_extension", at, note=_clean_note(note, required=False, what=_("审批意见")), changes=changes
    )
    return extension


@action
def supervise_case(
    actor: Any, case: Case, *, note: str, expected_version: int | None = None, at: datetime | None = None
) -> Case:
    """督办 — a level above flags the case with a note; it shows in the holder's 督办 inbox."""
    at = _now(at)
    case = _begin(actor, case, "supervise", expected_version)
    note = _clean_note(note, required=True, what=_("督办意见"))
    case.supervised = True
    _finish(actor, case, "supervise", at, note=note)
    return case


@action
def merge_case(
    actor: Any,
    case: Case,
    *,
    into: Case,
    note: str = "",
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Case:
    """合并 — a duplicate report ends, pointing at the case that carries on."""
    at = _now(at)
    case = _begin(actor, case, "merge", expected_version)
    target = get_visible_or_404(Case.objects.all(), actor, pk=into.pk)
    if target.pk == case.pk:
        raise ActionError(_("不能把事件合并到它自己。"), field="into")
    if target.status not in OPEN_STATUSES:
        raise ActionError(
            _("只能合并到未办结的事件；%(number)s 为“%(status)s”。")
            % {"number": target.number, "status": target.get_status_display()},
            field="into",
        )
    case.status = S.MERGED
    case.merged_into = target
    case.deadline = None
    case.closed_at = at
    _finish(
        actor,
        case,
        "merge",
        at,
        note=_clean_note(note, required=False, what=_("说明")),
        changes={"merged_into": [None, target.number]},
    )
    return case


@action
def reopen_case(
    actor: Any, case: Case, *, reason: str, expected_version: int | None = None, at: datetime | None = None
) -> Case:
    """重新办理 — the dispatching level reopens a closed case (e.g. an unsatisfied follow-up)."""
    at = _now(at)
    case = _begin(actor, case, "reopen", expected_version)
    reason = _clean_note(reason, required=True, what=_("重办理由"), field="reason")
    assert case.dispatcher_region_id is not None
    case.holder_region_id = case.dispatcher_region_id
    case.holder_department = None
    case.status = S.REGISTERED
    case.reopen_count += 1
    case.closed_at = None
    case.closed_on_time = None
    case.deadline = stage_deadline(at, case.category.dispatch_hours)
    _finish(actor, case, "reopen", at, note=reason)
    return case


# --- whistle 吹哨, check-in 报到 -------------------------------------------------------------------


def check_in_deadline(kind: str, at: datetime) -> datetime:
    unit, amount = CHECK_IN_LIMIT[kind]
    if unit == "minutes":
        return at + timedelta(minutes=amount)
    return add_working_time(at, hours=amount)


@action
def whistle_case(
    actor: Any,
    case: Case,
    *,
    departments: Iterable[Department],
    kind: str = WhistleKind.ROUTINE,
    note: str,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Whistle:
    """吹哨 — the holding subdistrict (街道吹哨) or community (社区呼叫) summons departments to report."""
    at = _now(at)
    case = _begin(actor, case, "whistle", expected_version)
    if not _extra_condition("whistle", actor, case):
        raise ActionError(_("只有承办事件的街道或社区可以吹哨。"), code="state")
    if kind not in WhistleKind.values:
        raise ActionError(_("哨型“%(value)s”不存在。") % {"value": kind}, field="kind")
    chosen = list({d.pk: d for d in departments}.values())
    if not chosen:
        raise ActionError(_("请至少选择一个被吹哨的部门。"), field="departments")
    note = _clean_note(note, required=True, what=_("吹哨事由"))
    whistle = Whistle.objects.create(
        case=case, kind=kind, region=case.holder_region, note=note, blown_by=actor, blown_at=at
    )
    deadline = check_in_deadline(kind, at)
    for department in chosen:
        Summons.objects.create(whistle=whistle, case=case, department=department, check_in_deadline=deadline)
    names = "、".join(str(d) for d in chosen)
    _finish(
        actor,
        case,
        "whistle",
        at,
        note=f"{WhistleKind(kind).label}：{names}。{note}",
        changes={"whistle": [None, kind], "departments": [None, [d.code for d in chosen]]},
    )
    return whistle


def _own_summons(actor: Any, case: Case) -> Summons:
    departments = {d for role, _r, _p, d in _assignments(actor) if role == Role.DEPARTMENT_STAFF and d}
    summons = (
        Summons.objects.select_for_update()
        .filter(case=case, department_id__in=departments, reported_at__isnull=True)
        .order_by("id")
        .first()
    )
    if summons is None:
        raise PermissionDenied(_("您的部门没有被吹哨到该事件，或已反馈。"))
    return summons


@action
def check_in(
    actor: Any, case: Case, *, note: str = "", expected_version: int | None = None, at: datetime | None = None
) -> Summons:
    """报到 — a summoned department arrives; late if after the check-in limit (counted on the whistle board)."""
    at = _now(at)
    case = _begin(actor, case, "check_in", expected_version)
    summons = _own_summons(actor, case)
    if summons.checked_in_at is not None:
        raise ActionError(
            _("%(department)s已于 %(time)s 报到。")
            % {
                "department": summons.department,
                "time": timezone.localtime(summons.checked_in_at).strftime("%m-%d %H:%M"),
            },
            code="state",
        )
    summons.checked_in_at = at
    summons.checked_in_by = actor
    summons.late = at > summons.check_in_deadline
    summons.save()
    _finish(
        actor,
        case,
        "check_in",
        at,
        note=_clean_note(note, required=False, what=_("说明")),
        department=summons.department,
        changes={"late": [None, summons.late]},
    )
    return summons


@action
def report_part(
    actor: Any, case: Case, *, report: str, expected_version: int | None = None, at: datetime | None = None
) -> Summons:
    """反馈承办情况 — a summoned department reports its part (after checking in)."""
    at = _now(at)
    case = _begin(actor, case, "report_part", expected_version)
    summons = _own_summons(actor, case)
    if summons.checked_in_at is None:
        raise ActionError(_("请先报到，再反馈承办情况。"), code="state")
    summons.report = _clean_note(report, required=True, what=_("承办情况"), field="report")
    summons.reported_at = at
    summons.save()
    _finish(actor, case, "report_part", at, note=summons.report, department=summons.department)
    return summons
