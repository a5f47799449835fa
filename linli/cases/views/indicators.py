"""考核指标 pages: the indicators per child region and per department for a period, and the cases
behind each number (linli/cases/indicators.py counts; these pages only choose the region and period).

``?region=<pk>`` picks a region the user may see (404 otherwise: outside the scope looks like missing);
the default is the user's own scope. ``?period=month|last_month|quarter|year|custom`` with
``from``/``to`` (dates, both inclusive) for a custom period. Every count links to
``cases:indicator_cases`` with the resolved dates, so the list behind a number stays the same list
whatever day it is opened.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.accounts.models import Department
from linli.accounts.roles import Capability
from linli.cases import indicators as ind
from linli.core.paging import DeferredJoinPaginator
from linli.core.permissions import capability_required
from linli.core.scope import scope_paths
from linli.core.worktime import fallback_years
from linli.places.models import Region

CASES_PER_PAGE = 30
MAX_PERIOD_DAYS = 3 * 366  # a custom period longer than three years is refused

View = Callable[..., HttpResponse]

PERIODS: list[tuple[str, Any]] = [
    ("month", gettext_lazy("本月")),
    ("last_month", gettext_lazy("上月")),
    ("quarter", gettext_lazy("本季度")),
    ("year", gettext_lazy("本年")),
    ("custom", gettext_lazy("自定义")),
]

# The columns of the table: (metric or rate attribute, heading, kind). "count" cells link to the cases.
COLUMNS: list[tuple[str, Any, str]] = [
    ("accepted", gettext_lazy("受理数"), "count"),
    ("registered", gettext_lazy("立案数"), "count"),
    ("register_rate", gettext_lazy("立案率"), "rate"),
    ("closed", gettext_lazy("结案数"), "count"),
    ("due", gettext_lazy("应结案数"), "count"),
    ("close_rate", gettext_lazy("结案率"), "rate"),
    ("due_on_time", gettext_lazy("按期结案数"), "count"),
    ("on_time_rate", gettext_lazy("按期结案率"), "rate"),
    ("reworked", gettext_lazy("返工件数"), "count"),
    ("rework_rate", gettext_lazy("返工率"), "rate"),
    ("extended", gettext_lazy("延期件数"), "count"),
    ("extension_rate", gettext_lazy("延期率"), "rate"),
    ("self_handled", gettext_lazy("自行处置数"), "count"),
    ("self_handled_rate", gettext_lazy("自行处置率"), "rate"),
    ("avg_handling_hours", gettext_lazy("平均处置时长（工作小时）"), "hours"),
    ("rated", gettext_lazy("有效回访数"), "count"),
    ("response_rate", gettext_lazy("响应率"), "rate"),
    ("solve_rate", gettext_lazy("解决率"), "rate"),
    ("satisfaction_rate", gettext_lazy("满意率"), "rate"),
    ("composite", gettext_lazy("综合评价"), "rate"),
]


indicator_viewer_required = capability_required(
    Capability.VIEW_CASES, message=gettext_lazy("您的角色不能查看事件考核指标。")
)


# --- period and region ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    key: str
    first: date  # inclusive
    last: date  # inclusive

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=timezone.get_current_timezone())

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone())

    @property
    def query(self) -> dict[str, str]:
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _parse_date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def period_from(params: Any, today: date | None = None) -> tuple[Period, str]:
    """The period the query asks for, and an error message ('' when none) for a bad custom period."""
    today = today or timezone.localdate()
    key = params.get("period") or ("custom" if params.get("from") or params.get("to") else "month")
    if key == "last_month":
        first = _month_start(_month_start(today) - timedelta(days=1))
        return Period(key, first, _month_start(today) - timedelta(days=1)), ""
    if key == "quarter":
        first = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
        return Period(key, first, _next_month(_next_month(_next_month(first))) - timedelta(days=1)), ""
    if key == "year":
        return Period(key, date(today.year, 1, 1), date(today.year, 12, 31)), ""
    month = Period("month", _month_start(today), _next_month(today) - timedelta(days=1))
    if key != "custom":
        return month, ""
    from_day, to_day = _parse_date(params.get("from")), _parse_date(params.get("to"))
    if from_day is None or to_day is None:
        return month, _("请填写自定义时段的起止日期（格式 2026-03-01），现显示本月。")
    if to_day < from_day:
        return month, _("截止日期早于起始日期，现显示本月。")
    if (to_day - from_day).days > MAX_PERIOD_DAYS:
        return month, _("自定义时段不能超过三年，现显示本月。")
    return Period("custom", from_day, to_day), ""


def scope_roots(user: Any) -> list[Region]:
    """The regions at the top of the user's scope (usually one)."""
    return list(Region.objects.filter(path__in=scope_paths(user)).order_by("path"))


def region_from(request: HttpRequest) -> tuple[Region, list[Region]]:
    """The chosen region (404 outside the scope) and the user's scope roots."""
    roots = scope_roots(request.user)
    raw = request.GET.get("region")
    if raw:
        try:
            region = Region.objects.visible_to(request.user).get(pk=int(raw))
        except (ValueError, Region.DoesNotExist) as exc:
            raise Http404(_("找不到该区域，或它不在您的管辖范围内。")) from exc
    elif roots:
        region = roots[0]
    else:
        raise Http404(_("您没有管辖的区域。"))
    return region, roots


def trail(region: Region, roots: list[Region]) -> list[Region]:
    """The region's ancestors from the user's scope root down to the region (for the breadcrumbs)."""
    root = next((r for r in roots if region.path.startswith(r.path)), region)
    paths = [region.path[:n] for n in range(len(root.path), len(region.path) + 1, Region.steplen)]
    return list(Region.objects.filter(path__in=paths).order_by("path"))


# --- the table ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    text: str
    url: str = ""


def _format(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "hours":
        return f"{value:.1f}"
    return str(value)


def _cells(row: ind.IndicatorRow, base_query: dict[str, str]) -> list[Cell]:
    cells = []
    for name, _heading, kind in COLUMNS:
        value = getattr(row.indicators, name)
        url = ""
        if kind == "count" and value:
            url = reverse("cases:indicator_cases") + "?" + urlencode({"metric": name, **base_query})
        cells.append(Cell(_format(value, kind), url))
    return cells


def _row_query(row: ind.IndicatorRow, parent: Region, period: Period, *, departments: bool) -> dict[str, str]:
    if row.department is not None:
        return {"region": str(parent.pk), "department": str(row.department.pk), **period.query}
    if departments:  # the total of the department table: every case dispatched to a department
        return {"region": str(parent.pk), "departments": "1", **period.query}
    if row.region is not None:
        return {"region": str(row.region.pk), **period.query}
    return {"region": str(parent.pk), "rest": "1", **period.query}  # the 本级 row


def _table(table: ind.IndicatorTable, region: Region, period: Period, *, departments: bool) -> list[dict[str, Any]]:
    rows = [*table.rows, *([table.total] if table.total is not None else [])]
    result = []
    for row in rows:
        link = ""
        if not departments and row.region is not None and not row.is_total:
            link = "?" + urlencode({"region": row.region.pk, "period": period.key, **period.query})
        query = _row_query(row, region, period, departments=departments)
        result.append({"row": row, "link": link, "cells": _cells(row, query)})
    return result


@indicator_viewer_required
def indicators(request: HttpRequest) -> HttpResponse:
    region, roots = region_from(request)
    period, period_error = period_from(request.GET)
    by_region = ind.by_region(request.user, region, period.start, period.end)
    by_department = ind.by_department(request.user, region, period.start, period.end)
    context = {
        "region": region,
        "roots": roots,
        "trail": trail(region, roots),
        "period": period,
        "periods": PERIODS,
        "period_error": period_error,
        "columns": COLUMNS,
        "region_rows": _table(by_region, region, period, departments=False),
        "department_rows": _table(by_department, region, period, departments=True) if by_department.rows else [],
        "calendar_years": fallback_years(period.first, period.last),
    }
    return render(request, "cases/indicators.html", context)


@indicator_viewer_required
def indicator_cases(request: HttpRequest) -> HttpResponse:
    """The cases behind one number of the indicator page."""
    metric = request.GET.get("metric", "")
    if metric not in ind.METRICS:
        raise Http404(_("没有这项指标。"))
    region, _roots = region_from(request)
    period, period_error = period_from(request.GET)
    department = None
    if request.GET.get("department"):
        try:
            department = Department.objects.get(pk=int(request.GET["department"]))
        except (ValueError, Department.DoesNotExist) as exc:
            raise Http404(_("找不到该部门。")) from exc
    rest = request.GET.get("rest") == "1"
    departments = request.GET.get("departments") == "1"
    cases = ind.cases_behind(
        request.user,
        metric,
        period.start,
        period.end,
        region=region,
        department=department,
        any_department=departments,
        rest=rest,
    )
    cases = cases.order_by("-reported_at", "-id")
    page = DeferredJoinPaginator(cases, CASES_PER_PAGE, related=("category", "region")).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    back = "?" + urlencode({"region": region.pk, "period": period.key, **period.query})
    context = {
        "metric": metric,
        "metric_label": ind.METRICS[metric],
        "region": region,
        "department": department,
        "rest": rest,
        "departments": departments,
        "period": period,
        "period_error": period_error,
        "page": page,
        "query": query.urlencode(),
        "back": reverse("cases:indicators") + back,
    }
    return render(request, "cases/indicator_cases.html", context)
