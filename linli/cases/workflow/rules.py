"""Who may do what to a case: the rule table ``RULES`` and ``allowed_verbs``, which reads it.

The actions (``common._begin``) and the buttons read the same table, so a page never offers what the
action would refuse."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy

from linli.accounts.roles import Capability, Role
from linli.cases.choices import (
    LEVEL_ROLE,
    OPEN_STATUSES,
    STAFF_ROLES,
    CaseStatus,
    ExtensionStatus,
)
from linli.cases.models import Case, Summons, acting_assignments, holder_keys
from linli.places.choices import RegionKind

S = CaseStatus


# --- who -------------------------------------------------------------------------------------------


def holds(user: Any, case: Case) -> bool:
    """The user acts for the level (or department) that holds the case now (``Case.objects.held_by``
    is the same rule as a query: both read ``holder_keys``)."""
    regions, departments = holder_keys(user)
    if case.holder_department_id is not None:
        holder_path = case.holder_region.path
        return any(dept == case.holder_department_id and holder_path.startswith(path) for dept, path in departments)
    return case.holder_region_id in regions


def is_above(user: Any, case: Case) -> bool:
    """The user acts for a strict ancestor of the holding level (supervise, decide extensions)."""
    holder_path = case.holder_region.path
    return any(
        role in STAFF_ROLES and holder_path.startswith(path) and len(path) < len(holder_path)
        for role, _region_id, _kind, path, _dept in acting_assignments(user)
    ) or (
        case.holder_department_id is not None
        and any(
            role in STAFF_ROLES and holder_path.startswith(path)
            for role, _r, _kind, path, _d in acting_assignments(user)
        )
    )


def is_verifier(user: Any, case: Case) -> bool:
    """The user acts for the level that dispatched the case (it verifies and may reopen)."""
    if case.dispatcher_region_id is None:
        return False
    dispatcher = case.dispatcher_region
    return dispatcher is not None and any(
        region_id == dispatcher.pk and role == LEVEL_ROLE.get(dispatcher.kind)
        for role, region_id, _kind, _path, _dept in acting_assignments(user)
    )


def is_reporter(user: Any, case: Case) -> bool:
    return user is not None and user.is_authenticated and case.reporter_user_id == user.pk


def _may_rate(user: Any, case: Case) -> bool:
    if is_reporter(user, case):
        return True  # the resident (or worker) who reported it
    community_path = case.region_path[: 4 * 4]  # city/district/subdistrict/community: the 回访 is done there or above
    return any(
        role in STAFF_ROLES and role != Role.GRID_WORKER and community_path.startswith(path)
        for role, _r, _kind, path, _d in acting_assignments(user)
    )


def _may_self_handle(user: Any, case: Case) -> bool:
    return is_reporter(user, case) and any(
        role == Role.GRID_WORKER and region_id == case.region_id
        for role, region_id, _kind, _p, _d in acting_assignments(user)
    )


def _is_summoned(user: Any, case: Case) -> bool:
    departments = {d for role, _r, _kind, _p, d in acting_assignments(user) if role == Role.DEPARTMENT_STAFF and d}
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


def _unreported_summonses(case: Case) -> list[Summons]:
    return [s for s in case.summonses.all() if s.reported_at is None]
