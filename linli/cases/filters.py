"""The case list's filter: one FilterSet for the inbox's 辖区全部 tab and ``GET /api/v1/cases/``.

Before, the page filtered by ``major`` (a major category's id) with local-day date bounds and the API by
``category`` (a minor's or a major's code) with ``reported_at__date`` bounds; the same query could give
other rows. Now both take the same parameters:

- ``q`` — number beginning with, or title containing; ``status``; ``source``;
- ``category`` — a category code: a minor, or a major with all its minors (the page offers the majors);
- ``reported_after`` / ``reported_before`` — report dates, both inclusive, local (Asia/Shanghai) days,
  as half-open datetime ranges so the ``reported_at`` index serves them;
- ``overdue`` — true: only overdue cases (false: only those not overdue);
- ``holder=mine`` and ``region`` (the subtree of a region) — the API's, carried as hidden inputs on the page.

See linli.core.filters for scope and malformed values (the API answers 400, the page ignores them).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from linli.cases.choices import CaseStatus, Source
from linli.cases.models import Case, CaseQuerySet, Category
from linli.core.filters import ScopedFilterSet, StrictBooleanFilter, subtree_filter
from linli.places.models import Region

QUERY_MAX_LENGTH = 100


class OnlyIfTicked(forms.CheckboxInput):
    """A checkbox on the page that passes the raw value on: absent means "no filter" (a plain checkbox
    reads absent as false, which would filter every list to the cases not overdue), and a malformed
    ``?overdue=maybe`` reaches the strict boolean field, which refuses it."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)

    def format_value(self, value: Any) -> str | None:
        return None


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, timezone.get_current_timezone())


class CaseFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        max_length=QUERY_MAX_LENGTH,
        label=_("编号或标题"),
        help_text=_("搜索：事件编号开头，或标题包含"),
    )
    status = django_filters.ChoiceFilter(choices=CaseStatus.choices, label=_("状态"), empty_label=_("全部状态"))
    category = django_filters.CharFilter(
        method="filter_category",
        max_length=16,
        label=_("类别"),
        help_text=_("分类代码：小类，或大类（含其全部小类）"),
    )
    source = django_filters.ChoiceFilter(choices=Source.choices, label=_("来源"), empty_label=_("全部来源"))
    reported_after = django_filters.DateFilter(
        method="filter_after",
        label=_("上报起"),
        help_text=_("上报日期不早于（含）"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reported_before = django_filters.DateFilter(
        method="filter_before",
        label=_("上报止"),
        help_text=_("上报日期不晚于（含）"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    overdue = StrictBooleanFilter(
        field_name="is_overdue",
        label=_("仅超期"),
        help_text=_("true：只列出已超期的事件"),
        widget=OnlyIfTicked(check_test=lambda value: str(value).lower() in {"true", "1", "on", "yes"}),
    )
    holder = django_filters.ChoiceFilter(
        choices=[("mine", _("我承办的"))],
        method="filter_holder",
        help_text=_("mine：只列出由您所在层级或部门承办的事件"),
    )
    region = subtree_filter(Region, _("事发地在该区域及其下级中"))

    hidden_on_page = ("holder", "region")

    class Meta:
        model = Case
        fields: list[str] = []

    def limit_to(self, user: Any) -> None:
        majors = Category.objects.filter(parent__isnull=True).order_by("sort", "code").values_list("code", "name")
        self.filters["category"].extra["widget"] = forms.Select(
            choices=[("", gettext("全部大类")), *((code, f"{name}") for code, name in majors)]
        )

    def filter_q(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        text = value.strip()
        return queryset.filter(Q(number__startswith=text) | Q(title__icontains=text)) if text else queryset

    def filter_category(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        code = value.strip()
        return queryset.filter(Q(category__code=code) | Q(category__parent__code=code))

    def filter_after(self, queryset: QuerySet[Any], name: str, value: date) -> QuerySet[Any]:
        return queryset.filter(reported_at__gte=_local_midnight(value))

    def filter_before(self, queryset: QuerySet[Any], name: str, value: date) -> QuerySet[Any]:
        return queryset.filter(reported_at__lt=_local_midnight(value + timedelta(days=1)))

    def filter_holder(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if value != "mine":
            return queryset
        scoped: CaseQuerySet = queryset  # type: ignore[assignment]  # the rows are Case.objects.visible_to(...)
        return scoped.held_by(self.user)
