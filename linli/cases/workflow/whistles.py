"""吹哨报到 — a holding subdistrict or community summons departments; each checks in and reports its part."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.models import Department, User
from linli.accounts.roles import Role
from linli.cases.choices import (
    WhistleKind,
)
from linli.cases.models import Case, Summons, Whistle, acting_assignments
from linli.cases.workflow.common import _begin, _clean_note, _finish, _now
from linli.cases.workflow.rules import _extra_condition
from linli.core.actions import ActionError, action
from linli.core.worktime import add_working_time

# How long a summoned department has to check in (报到), by whistle kind.
CHECK_IN_LIMIT: dict[str, tuple[str, float]] = {
    WhistleKind.EMERGENCY: ("minutes", 30),  # wall-clock minutes: emergencies do not wait for office hours
    WhistleKind.HARD: ("working_hours", 2),
    WhistleKind.ROUTINE: ("working_hours", 7),
}


# --- whistle 吹哨, check-in 报到 -------------------------------------------------------------------


def check_in_deadline(kind: str, at: datetime) -> datetime:
    unit, amount = CHECK_IN_LIMIT[kind]
    if unit == "minutes":
        return at + timedelta(minutes=amount)
    return add_working_time(at, hours=amount)


@action
def whistle_case(
    actor: User | None,
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


def _own_summons(actor: User | None, case: Case) -> Summons:
    departments = {d for role, _r, _kind, _p, d in acting_assignments(actor) if role == Role.DEPARTMENT_STAFF and d}
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
    actor: User | None, case: Case, *, note: str = "", expected_version: int | None = None, at: datetime | None = None
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
    summons.save(update_fields=["checked_in_at", "checked_in_by", "late"])
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
    actor: User | None, case: Case, *, report: str, expected_version: int | None = None, at: datetime | None = None
) -> Summons:
    """反馈承办情况 — a summoned department reports its part (after checking in)."""
    at = _now(at)
    case = _begin(actor, case, "report_part", expected_version)
    summons = _own_summons(actor, case)
    if summons.checked_in_at is None:
        raise ActionError(_("请先报到，再反馈承办情况。"), code="state")
    summons.report = _clean_note(report, required=True, what=_("承办情况"), field="report")
    summons.reported_at = at
    summons.save(update_fields=["report", "reported_at"])
    _finish(actor, case, "report_part", at, note=summons.report, department=summons.department)
    return summons
