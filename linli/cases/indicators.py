"""考核指标 — the case loop's indicators for a region or department over a period (DOMAIN.md §4).

Everything is counted in the database: one aggregate query (``Count`` with ``filter=Q``) per table,
grouped by child region or by department for the drill-down tables. The average handling time sums
``Case.handling_hours``, the working time from dispatch to the last report back that the workflow writes
at report back (working time skips nights, weekends and holidays, which SQL cannot know).

A period is half-open, ``start <= t < end``. Each metric has one ``Q`` (``metric_filters``) used both
for the number and for the list of cases behind it, so a drill-down list always shows exactly the
cases that were counted. The definitions are in the docstring of ``Indicators`` and on the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any, cast

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

from linli.accounts.models import Department
from linli.cases.choices import CaseStatus, Rating
from linli.cases.models import Case
from linli.places.models import Region

__all__ = [
    "COMPOSITE_WEIGHTS",
    "METRICS",
    "IndicatorRow",
    "IndicatorTable",
    "Indicators",
    "by_department",
    "by_region",
    "cases_behind",
    "compute",
    "metric_filters",
]

# The hotline composite: 0.1 响应率 + 0.5 解决率 + 0.4 满意率.
COMPOSITE_WEIGHTS = (0.1, 0.5, 0.4)
BASIC_WEIGHT = 0.9  # 基本满意 counts as 0.9 of 满意


def _in(field_name: str, start: datetime, end: datetime) -> Q:
    return Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})


def metric_filters(start: datetime, end: datetime) -> dict[str, Q]:
    """The condition of each counted metric over the period ``[start, end)``."""
    self_handled = Q(self_handled=True) & _in("reported_at", start, end)
    closed = Q(status=CaseStatus.CLOSED) & _in("closed_at", start, end)
    due = _in("due_at", start, end) & ~Q(status__in=(CaseStatus.REJECTED, CaseStatus.MERGED))
    due_closed = due & Q(status=CaseStatus.CLOSED, closed_at__lt=end)
    rated = _in("rated_at", start, end) & ~Q(rating="")
    return {
        "accepted": _in("accepted_at", start, end) | self_handled,
        "self_handled": self_handled,
        "registered": _in("registered_at", start, end),
        "closed": closed,
        "due": due,
        "due_closed": due_closed,
        "due_on_time": due_closed & Q(closed_on_time=True),
        "reworked": closed & Q(rework_count__gt=0),
        "extended": closed & Q(extension_count__gt=0),
        "timed": closed & Q(self_handled=False, dispatched_at__isnull=False, handled_at__isnull=False),
        "rated": rated,
        "contacted": rated & Q(contacted=True),
        "solved": rated & Q(solved=True),
        "satisfied": rated & Q(rating=Rating.SATISFIED),
        "basic": rated & Q(rating=Rating.BASIC),
        "unsatisfied": rated & Q(rating=Rating.UNSATISFIED),
    }


# The counted metrics in table order, with their labels (the drill-down list names them too).
METRICS: dict[str, Any] = {
    "accepted": _("受理数"),
    "self_handled": _("自行处置数"),
    "registered": _("立案数"),
    "closed": _("结案数"),
    "due": _("应结案数"),
    "due_closed": _("应结已结数"),
    "due_on_time": _("按期结案数"),
    "reworked": _("返工件数"),
    "extended": _("延期件数"),
    "timed": _("计时件数"),
    "rated": _("有效回访数"),
    "contacted": _("已联系数"),
    "solved": _("已解决数"),
    "satisfied": _("满意数"),
    "basic": _("基本满意数"),
    "unsatisfied": _("不满意数"),
}


def _ratio(part: float, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Indicators:
    """The indicators of a set of cases over a period ``[start, end)`` (start inclusive, end exclusive).

    Counts:

    - 受理数 ``accepted``: cases accepted (受理, ``accepted_at``) in the period, plus cases self-handled
      (自行处置) by a grid worker that were reported in the period (they are never formally accepted).
    - 立案数 ``registered``: cases registered (立案, ``registered_at``) in the period.
    - 结案数 ``closed``: cases closed (status 已结案, ``closed_at``) in the period; rejected and merged
      cases are not closings.
    - 应结案数 ``due``: cases whose handling deadline (``due_at``: set at dispatch, moved by approved
      extensions; for a self-handled case the moment it was handled) falls in the period, rejected and
      merged cases excepted. ``due_closed``: those of them closed before the period's end;
      ``due_on_time``: those closed on time (the last report back came before the deadline).

    Rates (``None`` when the denominator is zero; the page shows "—"):

    - 立案率 = 立案数 / 受理数 (different cases can fall into the two counts near the period's edges,
      so it can exceed 100 %).
    - 结案率 = 应结已结数 / 应结案数;  按期结案率 = 按期结案数 / 应结案数.
    - 返工率 = closed cases with at least one rework (核查不通过) / 结案数;
      延期率 = closed cases with at least one approved extension / 结案数.
    - 自行处置率 = self-handled cases reported in the period / 受理数.
    - 平均处置时长: the mean working time (working hours of ``linli.core.worktime``) from the (last)
      dispatch to the (last) report back, over the cases closed in the period that were dispatched
      (self-handled cases excepted).
    - Over valid follow-ups (有效回访: cases rated in the period, ``rated_at``): 响应率 = contacted /
      valid, 解决率 = solved / valid, 满意率 = (满意 + 0.9 × 基本满意) / valid, and the composite
      综合满意度 = 0.1 × 响应率 + 0.5 × 解决率 + 0.4 × 满意率.
    """

    accepted: int = 0
    self_handled: int = 0
    registered: int = 0
    closed: int = 0
    due: int = 0
    due_closed: int = 0
    due_on_time: int = 0
    reworked: int = 0
    extended: int = 0
    timed: int = 0
    rated: int = 0
    contacted: int = 0
    solved: int = 0
    satisfied: int = 0
    basic: int = 0
    unsatisfied: int = 0
    handling_seconds: float = 0.0  # working seconds summed over the ``timed`` cases

    @property
    def register_rate(self) -> float | None:
        return _ratio(self.registered, self.accepted)

    @property
    def close_rate(self) -> float | None:
        return _ratio(self.due_closed, self.due)

    @property
    def on_time_rate(self) -> float | None:
        return _ratio(self.due_on_time, self.due)

    @property
    def rework_rate(self) -> float | None:
        return _ratio(self.reworked, self.closed)

    @property
    def extension_rate(self) -> float | None:
        return _ratio(self.extended, self.closed)

    @property
    def self_handled_rate(self) -> float | None:
        return _ratio(self.self_handled, self.accepted)

    @property
    def avg_handling_hours(self) -> float | None:
        return _ratio(self.handling_seconds / 3600, self.timed)

    @property
    def response_rate(self) -> float | None:
        return _ratio(self.contacted, self.rated)

    @property
    def solve_rate(self) -> float | None:
        return _ratio(self.solved, self.rated)

    @property
    def satisfaction_rate(self) -> float | None:
        return _ratio(self.satisfied + BASIC_WEIGHT * self.basic, self.rated)

    @property
    def composite(self) -> float | None:
        rates = (self.response_rate, self.solve_rate, self.satisfaction_rate)
        if any(rate is None for rate in rates):
            return None
        return sum(w * r for w, r in zip(COMPOSITE_WEIGHTS, rates, strict=True) if r is not None)

    def __add__(self, other: Indicators) -> Indicators:
        return Indicators(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})


@dataclass(frozen=True)
class IndicatorRow:
    """One row of a drill-down table: a child region, a department, or the total."""

    label: str
    indicators: Indicators
    region: Region | None = None
    department: Department | None = None
    is_total: bool = False


@dataclass(frozen=True)
class IndicatorTable:
    rows: list[IndicatorRow] = field(default_factory=list)
    total: IndicatorRow | None = None


# --- the queries -------------------------------------------------------------------------------------


def _undistinct(cases: QuerySet[Case]) -> QuerySet[Case]:
    """A queryset without DISTINCT and joins (department staff's scope joins summonses), so grouped
    counts cannot count a case twice."""
    if cases.query.distinct:
        return Case.objects.filter(pk__in=cases.values("pk"))
    return cases


def _touching(filters: dict[str, Q]) -> Q:
    """Any case counted by any metric: lets the database skip the others before aggregating."""
    condition = Q()
    for name in ("accepted", "registered", "closed", "due", "rated"):
        condition |= filters[name]
    return condition


def _counts(filters: dict[str, Q]) -> dict[str, Count]:
    # aliased: an annotation named like a field (``self_handled``) would shadow it inside the filters
    return {f"n_{name}": Count("pk", filter=filters[name]) for name in METRICS}


def _indicators(counts: dict[str, Any], seconds: float = 0.0) -> Indicators:
    return Indicators(**{name: counts[f"n_{name}"] or 0 for name in METRICS}, handling_seconds=seconds)


def _handling_seconds(cases: QuerySet[Case], timed: Q, group: Any = None) -> dict[Any, float]:
    """Working seconds from dispatch to the last report back, summed per group key (``None``: one total).

    ``Case.handling_hours`` is written by ``workflow.report_back`` (working time, from the clock), so this
    is one SUM in the database, not a walk over the calendar per case."""
    timed_cases = cases.filter(timed).order_by()
    if group is None:
        total = timed_cases.aggregate(hours=Sum("handling_hours"))["hours"] or 0.0
        return {None: total * 3600}
    rows = timed_cases.annotate(grp=group).values("grp").annotate(hours=Sum("handling_hours"))
    return {row["grp"]: (row["hours"] or 0.0) * 3600 for row in rows}


def compute(cases: QuerySet[Case], start: datetime, end: datetime) -> Indicators:
    """The indicators of ``cases`` (already scoped: start from ``Case.objects.visible_to(user)``)."""
    cases = _undistinct(cases)
    filters = metric_filters(start, end)
    touching = cases.filter(_touching(filters))
    counts = touching.order_by().aggregate(**_counts(filters))
    seconds = _handling_seconds(touching, filters["timed"]).get(None, 0.0)
    return _indicators(counts, seconds)


def _grouped(cases: QuerySet[Case], start: datetime, end: datetime, group: Any) -> dict[Any, Indicators]:
    """One ``Indicators`` per value of the ``group`` expression: one aggregate query plus one for times."""
    cases = _undistinct(cases)
    filters = metric_filters(start, end)
    touching = cases.filter(_touching(filters))
    result: dict[Any, Indicators] = {}
    for row in touching.annotate(grp=group).order_by().values("grp").annotate(**_counts(filters)):
        result[row["grp"]] = _indicators(cast(dict[str, Any], row))
    for key, seconds in _handling_seconds(touching, filters["timed"], group).items():
        result[key] = replace(result.get(key, Indicators()), handling_seconds=seconds)
    return result


def children_of(region: Region) -> list[Region]:
    return list(Region.objects.filter(path__startswith=region.path, depth=region.depth + 1).order_by("path"))


def by_region(user: Any, region: Region, start: datetime, end: datetime) -> IndicatorTable:
    """One row per child region of ``region`` (the drill-down), plus the total of ``region``.

    Counts only the cases ``user`` may see. Cases lying on ``region`` itself rather than in a child (a
    grid has no children) appear in the total only, and in an extra row "本级" when there are any, so
    the rows always add up to the total."""
    cases = Case.objects.visible_to(user).filter(region_path__subtree=region.path)
    children = children_of(region)
    rows: list[IndicatorRow] = []
    total = Indicators()
    if children:
        width = len(region.path) + Region.steplen
        grouped = _grouped(cases, start, end, Substr("region_path", 1, width))
        for child in children:
            indicators = grouped.pop(child.path, Indicators())
            rows.append(IndicatorRow(label=child.name, indicators=indicators, region=child))
            total += indicators
        rest = Indicators()
        for indicators in grouped.values():  # cases on the region itself
            rest += indicators
        if rest != Indicators():
            rows.append(IndicatorRow(label=str(_("本级")), indicators=rest))
            total += rest
    else:
        total = compute(cases, start, end)
    return IndicatorTable(
        rows=rows, total=IndicatorRow(label=region.name, indicators=total, region=region, is_total=True)
    )


def by_department(user: Any, region: Region, start: datetime, end: datetime) -> IndicatorTable:
    """One row per department that cases of ``region`` were dispatched to (处置部门), plus their total.

    A department's row counts the cases it was dispatched to (``handler_department``); cases handled by
    region levels are not in this table."""
    cases = (
        Case.objects.visible_to(user).filter(region_path__subtree=region.path).filter(handler_department__isnull=False)
    )
    grouped = _grouped(cases, start, end, F("handler_department_id"))
    departments = Department.objects.in_bulk([k for k in grouped if k is not None])
    rows: list[IndicatorRow] = []
    total = Indicators()
    for key, indicators in sorted(grouped.items(), key=lambda kv: departments[kv[0]].code):
        rows.append(IndicatorRow(label=str(departments[key]), indicators=indicators, department=departments[key]))
        total += indicators
    return IndicatorTable(
        rows=rows, total=IndicatorRow(label=str(_("各部门合计")), indicators=total, region=region, is_total=True)
    )


def cases_behind(
    user: Any,
    metric: str,
    start: datetime,
    end: datetime,
    *,
    region: Region,
    department: Department | None = None,
    any_department: bool = False,
    rest: bool = False,
) -> QuerySet[Case]:
    """The cases counted by one metric of one row: what a number on the page links to.

    ``department``: only the cases dispatched to it; ``any_department``: to any department (the total of the
    department table). ``rest``: only the cases lying on ``region`` itself, not in one of its children
    (the "本级" row)."""
    cases = _undistinct(Case.objects.visible_to(user)).filter(region_path__subtree=region.path)
    if department is not None:
        cases = cases.filter(handler_department=department)
    elif any_department:
        cases = cases.filter(handler_department__isnull=False)
    if rest:
        for child in children_of(region):
            cases = cases.exclude(region_path__subtree=child.path)
    return cases.filter(metric_filters(start, end)[metric])
