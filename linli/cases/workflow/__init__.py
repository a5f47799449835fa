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

The package: ``rules`` (who may do what: ``RULES``, ``allowed_verbs``), ``common`` (the path every
transition takes, routing), ``report`` (上报), ``transitions`` (accept … reopen), ``whistles`` (吹哨报到).
Import from ``linli.cases.workflow``; the modules are its rooms, not separate APIs.
"""

from __future__ import annotations

from linli.cases.workflow.common import (
    add_note_step,
    ancestor_of_kind,
    grid_for_point,
    lock_case_row,
    next_number,
    refuse_stale,
    route,
    stage_deadline,
)
from linli.cases.workflow.report import report_case
from linli.cases.workflow.rules import (
    LEVEL_ROLE,
    NOTE_STEP_LABELS,
    RULES,
    STAFF_ROLES,
    Rule,
    allowed_verbs,
    holds,
    is_above,
    is_reporter,
    is_verifier,
    verb_label,
)
from linli.cases.workflow.transitions import (
    MAX_EXTENSION_HOURS,
    accept_case,
    close_case,
    decide_extension,
    dispatch_case,
    escalate_case,
    merge_case,
    note_progress,
    pending_extension,
    rate_case,
    register_case,
    reject_case,
    reopen_case,
    report_back,
    request_extension,
    return_case,
    self_handle_case,
    supervise_case,
    verify_case,
)
from linli.cases.workflow.whistles import CHECK_IN_LIMIT, check_in, check_in_deadline, report_part, whistle_case

__all__ = [
    "CHECK_IN_LIMIT",
    "LEVEL_ROLE",
    "MAX_EXTENSION_HOURS",
    "NOTE_STEP_LABELS",
    "RULES",
    "STAFF_ROLES",
    "Rule",
    "accept_case",
    "add_note_step",
    "allowed_verbs",
    "ancestor_of_kind",
    "check_in",
    "check_in_deadline",
    "close_case",
    "decide_extension",
    "dispatch_case",
    "escalate_case",
    "grid_for_point",
    "holds",
    "is_above",
    "is_reporter",
    "is_verifier",
    "lock_case_row",
    "merge_case",
    "next_number",
    "note_progress",
    "pending_extension",
    "rate_case",
    "refuse_stale",
    "register_case",
    "reject_case",
    "reopen_case",
    "report_back",
    "report_case",
    "report_part",
    "request_extension",
    "return_case",
    "route",
    "self_handle_case",
    "stage_deadline",
    "supervise_case",
    "verb_label",
    "verify_case",
    "whistle_case",
]
