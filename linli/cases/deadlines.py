"""The deadline sweep: the scheduled task that watches every open case's clock (issue 4, item 5).

``sweep(now)`` does three things, in this order, to the open cases (never to closed, rejected or merged
ones; those have no deadline):

1. **Overdue 超期** — a case whose current stage's ``deadline`` has passed is marked ``is_overdue`` with
   ``overdue_since = deadline``. One audit event per case (verb ``case_overdue``, actor = the system),
   not one summary per sweep: the event is then found under the case and under its region like every
   other event of the case, and a district's auditor sees only the marks in their district.
2. **Auto-escalation 超期自动上报** — when the case's category sets ``escalate_after_hours`` = N and the
   case has been overdue for N working hours, the holding level passes it up one level with
   ``workflow.escalate_case(None, case, note="超期 N 个工作小时，自动上报")`` (one Step and one audit
   event, as for a person). Only where a holder could escalate by hand: a grid, community or subdistrict
   holding it itself, in a status the ``escalate`` rule starts from. The overdue time counts from the
   later of the deadline and the case's last escalation, so the next level gets its own N working
   hours before it is passed up again (a district, or a department, is never escalated).
3. **Warning 预警** — a case whose stage has less than 20% of its working time, or less than 2 working
   hours, left (whichever comes first) gets ``warned_at`` and an audit event ``case_warn``. Once per
   stage: a case is warned again only after a step that set a new deadline (``STAGE_VERBS``), so a new
   holder or a new stage is warned afresh. The stage's length is the category's limit for the stage;
   for 处置中 it is the working time from dispatch to the handling deadline (extensions included).
   A stage of 2 working hours or less is therefore warned at the first sweep after it starts.

Two sweepers at once (two ``db_worker`` processes, or a sweep overlapping the next) never do a case's
work twice. Every write is claimed by its own condition:

- overdue: ``UPDATE … WHERE is_overdue = false AND deadline < now AND status IN (open)`` — only the
  sweeper whose UPDATE changed the row writes the audit event;
- warning: ``UPDATE … WHERE warned_at = <as read> AND deadline = <as read>`` (compare-and-set);
- escalation: ``escalate_case(…, expected_version=<as read>)`` — the state machine locks the row and
  refuses a stale version, so the second sweeper is told the case changed and skips it (and a user who
  acted on the case in between wins over the sweeper the same way).

On PostgreSQL the losing UPDATE waits for the winner's row lock and re-checks its WHERE clause (READ
COMMITTED); on SQLite writers are serialised by IMMEDIATE transactions. No claim column is needed: the
conditions are on the very fields the sweep writes. Overdue marks and warnings do not bump ``version``
(they change nothing a user acts on), so a user's form stays valid across a sweep.

The task ``sweep_deadlines`` (django-tasks, run by ``linli db_worker``) calls ``sweep()``; it is
idempotent — a second run at the same moment finds nothing to do. django-tasks has no scheduler:
``linli sweep_deadlines --every 60`` enqueues it once a minute (``./dev demo`` starts it beside the
worker; docs/deployment.md).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, OuterRef, Q, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from linli.cases import workflow
from linli.cases.choices import OPEN_STATUSES, CaseStatus
from linli.cases.models import Case, Category, Step
from linli.core import audit
from linli.core.actions import ActionError
from linli.core.worktime import add_working_time, working_seconds_between
from linli.places.choices import RegionKind

__all__ = [
    "ESCALATING_KINDS",
    "STAGE_VERBS",
    "WARN_MIN_HOURS",
    "WARN_SHARE",
    "SweepResult",
    "stage_hours",
    "sweep",
    "sweep_deadlines",
    "warn_threshold_hours",
]

logger = logging.getLogger(__name__)

WARN_SHARE = 0.2  # warn when less than this share of the stage's working time is left …
WARN_MIN_HOURS = 2.0  # … or less than this many working hours, whichever comes first
# The steps that start a stage with a new deadline (or hand the case to a new holder): a warning given
# before the latest of them belongs to an earlier stage.
STAGE_VERBS = frozenset(
    {
        "report",
        "accept",
        "register",
        "dispatch",
        "report_back",
        "verify",
        "rework",
        "return",
        "escalate",
        "reopen",
        "decide_extension",
    }
)
# The holding levels that can pass a case up (workflow._extra_condition("escalate")).
ESCALATING_KINDS = (RegionKind.GRID, RegionKind.COMMUNITY, RegionKind.SUBDISTRICT)
OPEN = sorted(OPEN_STATUSES)
MAX_LISTED = 100  # case numbers kept in a sweep's result (the task's stored return value)


@dataclass
class SweepResult:
    """What one sweep did. ``skipped``: escalations another sweeper or a user got to first (or refused);
    ``escalated_numbers``: the first ``MAX_LISTED`` cases escalated."""

    now: datetime
    overdue: int = 0
    warned: int = 0
    escalated: int = 0
    skipped: int = 0
    escalated_numbers: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["now"] = self.now.isoformat()
        return data


# --- stage arithmetic --------------------------------------------------------------------------------


def stage_hours(case: Case) -> float:
    """The working hours the case's current stage was given (the basis of the 20% warning)."""
    category = case.category
    if case.status == CaseStatus.HANDLING:
        if case.dispatched_at is not None and case.due_at is not None:
            return max(0.0, working_seconds_between(case.dispatched_at, case.due_at) / 3600)
        return category.handle_hours
    if case.status == CaseStatus.REPORTED:
        return category.accept_hours
    if case.status == CaseStatus.HANDLED:
        return category.verify_hours
    return category.dispatch_hours  # 待立案, 待派遣, 待结案


def warn_threshold_hours(stage: float) -> float:
    """Warn when fewer working hours than this are left: 20% of the stage, or 2 hours, whichever is more."""
    return max(WARN_SHARE * stage, WARN_MIN_HOURS)


def _hours_text(hours: float) -> str:
    return f"{hours:.1f}".rstrip("0").rstrip(".")


def _chunks(queryset: Any, batch: int) -> Iterator[list[Any]]:
    """Rows of ``queryset`` (which yields dicts with "pk") in primary-key order, ``batch`` at a time."""
    last = 0
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk")[:batch])
        if not rows:
            return
        last = rows[-1]["pk"]
        yield rows


# --- 1. overdue ---------------------------------------------------------------------------------------


def _mark_overdue(now: datetime, batch: int, result: SweepResult) -> None:
    due = Case.objects.filter(status__in=OPEN, is_overdue=False, deadline__lt=now)
    for rows in _chunks(due.values("pk"), batch):
        with transaction.atomic():
            for row in rows:
                claimed = Case.objects.filter(pk=row["pk"], status__in=OPEN, is_overdue=False, deadline__lt=now).update(
                    is_overdue=True, overdue_since=F("deadline")
                )
                if not claimed:
                    continue  # another sweeper marked it, or a user moved it on meanwhile
                case = Case.objects.only("pk", "number", "title", "region_path", "deadline").get(pk=row["pk"])
                assert case.deadline is not None
                audit.record(
                    None,
                    "case_overdue",
                    case,
                    changes={"is_overdue": [False, True], "overdue_since": [None, case.deadline.isoformat()]},
                    reason=_("本环节时限 %(deadline)s 已过，事件超期。")
                    % {"deadline": timezone.localtime(case.deadline).strftime("%Y-%m-%d %H:%M")},
                )
                result.overdue += 1


# --- 2. auto-escalation -------------------------------------------------------------------------------


def _last_step_at(verbs: frozenset[str] | set[str]) -> Subquery:
    return Subquery(
        Step.objects.filter(case=OuterRef("pk"), verb__in=sorted(verbs))
        .order_by("-created_at", "-id")
        .values("created_at")[:1]
    )


def _escalate_overdue(now: datetime, batch: int, result: SweepResult) -> None:
    candidates = (
        Case.objects.filter(
            status__in=sorted(workflow.RULES["escalate"].sources),
            deadline__lt=now,
            holder_department__isnull=True,
            holder_region__kind__in=ESCALATING_KINDS,
            category__escalate_after_hours__isnull=False,
        )
        .annotate(last_escalated_at=_last_step_at({"escalate"}))
        .values("pk", "number", "version", "deadline", "last_escalated_at", "category__escalate_after_hours")
    )
    for rows in _chunks(candidates, batch):
        for row in rows:
            since = row["deadline"]
            if row["last_escalated_at"] is not None and row["last_escalated_at"] > since:
                since = row["last_escalated_at"]
            overdue_hours = working_seconds_between(since, now) / 3600
            if overdue_hours < row["category__escalate_after_hours"]:
                continue
            note = _("超期 %(hours)s 个工作小时，自动上报") % {"hours": _hours_text(overdue_hours)}
            try:
                workflow.escalate_case(None, Case(pk=row["pk"]), note=note, expected_version=row["version"], at=now)
            except ActionError as refused:
                # "conflict": another sweeper (or a user) changed the case since we read it; "state":
                # it left the statuses that escalate. Either way the next sweep looks at it afresh.
                logger.info("deadline sweep: %s not escalated: %s", row["number"], refused.message)
                result.skipped += 1
                continue
            except Case.DoesNotExist:  # deleted since we read it
                result.skipped += 1
                continue
            result.escalated += 1
            if len(result.escalated_numbers) < MAX_LISTED:
                result.escalated_numbers.append(row["number"])


# --- 3. warnings --------------------------------------------------------------------------------------


def _warn(now: datetime, batch: int, result: SweepResult) -> None:
    longest = Category.objects.aggregate(
        accept=Max("accept_hours"),
        dispatch=Max("dispatch_hours"),
        handle=Max("handle_hours"),
        verify=Max("verify_hours"),
    )
    horizon = add_working_time(now, hours=warn_threshold_hours(max([v for v in longest.values() if v] or [0.0])))
    candidates = (
        Case.objects.filter(status__in=OPEN, deadline__gte=now)
        # within the widest warning window; an extended handling stage can be longer than any category's
        .filter(Q(deadline__lte=horizon) | Q(extension_count__gt=0))
        .annotate(stage_started_at=_last_step_at(STAGE_VERBS))
        .filter(Q(warned_at__isnull=True) | Q(warned_at__lt=F("stage_started_at")))
        .values("pk")
    )
    for rows in _chunks(candidates, batch):
        due: list[tuple[Case, float]] = []
        for case in Case.objects.select_related("category", "holder_region", "holder_department").filter(
            pk__in=[r["pk"] for r in rows]
        ):
            assert case.deadline is not None
            left = working_seconds_between(now, case.deadline) / 3600
            if left < warn_threshold_hours(stage_hours(case)):
                due.append((case, left))
        if not due:
            continue
        with transaction.atomic():  # only the claims hold the write lock, not the arithmetic above
            for case, left in due:
                claim = Case.objects.filter(pk=case.pk, deadline=case.deadline, status=case.status)
                if case.warned_at is None:
                    claim = claim.filter(warned_at__isnull=True)
                else:
                    claim = claim.filter(warned_at=case.warned_at)
                if not claim.update(warned_at=now):
                    continue  # another sweeper warned it, or a user moved it on meanwhile
                assert case.deadline is not None
                audit.record(
                    None,
                    "case_warn",
                    case,
                    changes={"warned_at": [case.warned_at.isoformat() if case.warned_at else None, now.isoformat()]},
                    reason=_("距本环节时限（%(deadline)s）还剩 %(hours)s 个工作小时，已预警%(holder)s。")
                    % {
                        "deadline": timezone.localtime(case.deadline).strftime("%Y-%m-%d %H:%M"),
                        "hours": _hours_text(left),
                        "holder": case.holder_label,
                    },
                )
                result.warned += 1


# --- the sweep and its task ---------------------------------------------------------------------------


def sweep(now: datetime | None = None, *, batch: int = 500) -> SweepResult:
    """Mark overdue cases, auto-escalate those overdue long enough, warn those close to their deadline.

    ``now`` defaults to the current time (tests pass known moments). ``batch``: rows per transaction
    (and per query) — each transaction is short, so people's own actions are never held up for long.
    Safe to run twice at once, and idempotent: a second sweep at the same ``now`` does nothing.
    """
    now = now if now is not None else timezone.now()
    result = SweepResult(now=now)
    # What the sweep writes (audit reasons, step notes) is stored text: always in the source language.
    with translation.override(settings.LANGUAGE_CODE):
        _mark_overdue(now, batch, result)
        _escalate_overdue(now, batch, result)
        _warn(now, batch, result)
    if result.overdue or result.warned or result.escalated:
        logger.info(
            "deadline sweep: %d overdue, %d escalated, %d warned, %d skipped",
            result.overdue,
            result.escalated,
            result.warned,
            result.skipped,
        )
    return result


@task()
def sweep_deadlines() -> dict[str, Any]:
    """The scheduled task (``linli sweep_deadlines --every 60`` enqueues it): one ``sweep()`` now."""
    return sweep().as_dict()
