"""The transitions of ``RULES`` from acceptance to rating, one action each."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from linli.accounts.models import Department, User
from linli.cases.choices import (
    OPEN_STATUSES,
    CaseStatus,
    ExtensionStatus,
    Priority,
    Rating,
)
from linli.cases.models import Case, Category, Extension
from linli.cases.photos import save_photos
from linli.cases.workflow.common import (
    _begin,
    _clean_note,
    _finish,
    _now,
    _refuse_open_summonses,
    ancestor_of_kind,
    route,
    stage_deadline,
)
from linli.cases.workflow.rules import _extra_condition
from linli.core.actions import ActionError, action
from linli.core.scope import get_visible_or_404
from linli.core.worktime import add_working_time, working_seconds_between
from linli.places.choices import RegionKind
from linli.places.models import Region

MAX_EXTENSION_HOURS = 70.0  # ten working days

S = CaseStatus


# --- the transitions -------------------------------------------------------------------------------


@action
def accept_case(
    actor: User | None, case: Case, *, note: str = "", expected_version: int | None = None, at: datetime | None = None
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
    actor: User | None, case: Case, *, reason: str, expected_version: int | None = None, at: datetime | None = None
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
    actor: User | None,
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
    actor: User | None,
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
    actor: User | None,
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
        save_photos(actor, case, step, photos)
    return case


@action
def report_back(
    actor: User | None,
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
        save_photos(actor, case, step, photos)
    return case


@action
def verify_case(
    actor: User | None,
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
    actor: User | None, case: Case, *, note: str = "", expected_version: int | None = None, at: datetime | None = None
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
    actor: User | None,
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
    actor: User | None, case: Case, *, reason: str, expected_version: int | None = None, at: datetime | None = None
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
    actor: User | None, case: Case, *, note: str, expected_version: int | None = None, at: datetime | None = None
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
    actor: User | None,
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
        save_photos(actor, case, step, photos)
    return case


@action
def request_extension(
    actor: User | None,
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


def pending_extension(case: Case, extension_id: int | None = None) -> Extension:
    """The extension request a decision is about: the one named, else the case's pending one (a case has
    at most one pending: ``request_extension`` refuses a second)."""
    if extension_id is not None:
        found = Extension.objects.filter(case=case, pk=extension_id).first()
        if found is None:
            raise ActionError(
                _("事件 %(number)s 没有编号为 %(id)s 的延期申请。") % {"number": case.number, "id": extension_id},
                field="extension",
            )
        return found
    pending = Extension.objects.filter(case=case, status=ExtensionStatus.PENDING).order_by("requested_at").first()
    if pending is None:
        raise ActionError(_("事件 %(number)s 没有待审批的延期申请。") % {"number": case.number}, code="state")
    return pending


@action
def decide_extension(
    actor: User | None,
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
    extension.save(update_fields=["status", "decided_by", "decided_at"])
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
    actor: User | None, case: Case, *, note: str, expected_version: int | None = None, at: datetime | None = None
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
    actor: User | None,
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
    actor: User | None, case: Case, *, reason: str, expected_version: int | None = None, at: datetime | None = None
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
