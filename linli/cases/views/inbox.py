"""/cases/: the inboxes per level (tabs with counts, 待报到, 辖区全部) and the deadline clock every case row shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.accounts.roles import Capability, Role
from linli.cases.choices import OPEN_STATUSES, CaseStatus
from linli.cases.filters import CaseFilterSet
from linli.cases.models import Case, Summons, acting_assignments
from linli.core import worktime
from linli.core.paging import DeferredJoinPaginator
from linli.core.permissions import capability_required

CASES_PER_PAGE = 20
MAP_LIMIT = 2000

# Staff who view cases, and those who report them (a resident sees only their own reports).
case_reader_required = capability_required(
    Capability.VIEW_CASES, Capability.REPORT_CASES, message=gettext_lazy("您的角色不能查看事件。")
)


# --- the deadline clock ------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """Remaining working time of the current stage, and its colour: ok (> half left), warn, overdue."""

    seconds: float
    level: str
    label: str


def format_working(seconds: float) -> str:
    """Working time in words: working days of ``worktime.DAY_SECONDS``, hours, minutes."""
    seconds = abs(seconds)
    days, rest = divmod(int(seconds), worktime.DAY_SECONDS)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(days)d 个工作日 %(hours)d 小时") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d 小时 %(minutes)d 分") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d 分") % {"minutes": minutes}


def stage_seconds(case: Case) -> float:
    """The working time the current stage was given (the category's limit; an extension included)."""
    category = case.category
    if case.status == CaseStatus.HANDLING and case.dispatched_at and case.due_at:
        return max(worktime.working_seconds_between(case.dispatched_at, case.due_at), 1.0)
    hours = {
        CaseStatus.REPORTED: category.accept_hours,
        CaseStatus.ACCEPTED: category.dispatch_hours,
        CaseStatus.REGISTERED: category.dispatch_hours,
        CaseStatus.HANDLING: category.handle_hours,
        CaseStatus.HANDLED: category.verify_hours,
        CaseStatus.VERIFIED: category.dispatch_hours,
    }.get(CaseStatus(case.status), 1.0)
    return max(hours * 3600, 1.0)


def deadline_clock(case: Case, now: datetime) -> Clock | None:
    if case.deadline is None or case.status not in OPEN_STATUSES:
        return None
    remaining = worktime.working_seconds_between(now, case.deadline)
    if now >= case.deadline or case.is_overdue:
        return Clock(remaining, "overdue", _("已超期 %(time)s") % {"time": format_working(remaining)})
    level = "ok" if remaining > stage_seconds(case) / 2 else "warn"
    return Clock(remaining, level, _("剩余 %(time)s") % {"time": format_working(remaining)})


# --- inboxes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tab:
    key: str
    label: Any
    condition: Q


INBOX_TABS: list[Tab] = [
    Tab("reported", gettext_lazy("待受理"), Q(status=CaseStatus.REPORTED)),
    Tab("accepted", gettext_lazy("待立案"), Q(status=CaseStatus.ACCEPTED)),
    Tab("registered", gettext_lazy("待派遣"), Q(status=CaseStatus.REGISTERED)),
    Tab("handling", gettext_lazy("处置中"), Q(status=CaseStatus.HANDLING)),
    Tab("handled", gettext_lazy("待核查"), Q(status=CaseStatus.HANDLED)),
    Tab("verified", gettext_lazy("待结案"), Q(status=CaseStatus.VERIFIED)),
    Tab("overdue", gettext_lazy("超期"), Q(is_overdue=True)),
    Tab("supervised", gettext_lazy("督办"), Q(supervised=True)),
]
TABS_BY_KEY = {tab.key: tab for tab in INBOX_TABS}


def user_departments(user: Any) -> list[int]:
    return [d for role, _r, _k, _p, d in acting_assignments(user) if role == Role.DEPARTMENT_STAFF and d]


def held_cases(user: Any) -> QuerySet[Case]:
    return Case.objects.visible_to(user).held_by(user).filter(status__in=OPEN_STATUSES)


def summoned_cases(user: Any) -> QuerySet[Case]:
    """Open cases a department of the user was summoned to and has not yet reported its part on."""
    departments = user_departments(user)
    if not departments:
        return Case.objects.none()
    pending = Summons.objects.filter(department_id__in=departments, reported_at__isnull=True).values("case_id")
    return Case.objects.visible_to(user).filter(pk__in=pending, status__in=OPEN_STATUSES)


def inbox_counts(user: Any) -> dict[str, int]:
    """Every tab's count in one query over the held cases."""
    aggregates = {tab.key: Count("pk", filter=tab.condition) for tab in INBOX_TABS}
    return held_cases(user).aggregate(**aggregates)


ROW_RELATED = ("category", "category__parent", "holder_region", "holder_department", "region")


@case_reader_required
def inbox(request: HttpRequest) -> HttpResponse:
    """/cases/: the tabs of the cases my level holds (with counts), 待报到 for departments, and 辖区全部."""
    user: Any = request.user
    counts = inbox_counts(user)
    departments = user_departments(user)
    summoned_count = summoned_cases(user).count() if departments else 0
    tab_key = request.GET.get("tab", "")
    valid = set(TABS_BY_KEY) | {"all"} | ({"summoned"} if departments else set())
    if tab_key not in valid:
        tab_key = next((t.key for t in INBOX_TABS if counts.get(t.key)), "")
        if not tab_key:
            tab_key = "summoned" if summoned_count else "all"
    filters = CaseFilterSet(request.GET or None, request=request)
    if tab_key == "all":
        queryset = filters.qs.order_by("-reported_at", "-pk")
    else:
        queryset = (
            summoned_cases(user) if tab_key == "summoned" else held_cases(user).filter(TABS_BY_KEY[tab_key].condition)
        )
        queryset = queryset.order_by(F("deadline").asc(nulls_last=True), "pk")
    page = DeferredJoinPaginator(queryset, CASES_PER_PAGE, related=ROW_RELATED).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [(case, deadline_clock(case, now)) for case in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    query["tab"] = tab_key
    tabs = [(t.key, t.label, counts.get(t.key, 0)) for t in INBOX_TABS]
    return render(
        request,
        "cases/inbox.html",
        {
            "tabs": tabs,
            "tab": tab_key,
            "departments": departments,
            "summoned_count": summoned_count,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "filter_form": filters.form,
            "may_report": user.has_capability(Capability.REPORT_CASES),
        },
    )
