"""工作日历 — administrators of the whole city enter holidays and make-up working days.

Who: the ``manage_calendar`` capability (administrators); others get 403. The calendar is the whole
city's, so an administrator whose scope is one district gets 404, as for any object outside their
scope (see core/calendar_actions.py).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from linli.core import worktime
from linli.core.actions import ActionError
from linli.core.actors import MANAGE_CALENDAR, signed_in_actor
from linli.core.calendar_actions import FIRST_YEAR, LAST_YEAR, mark_year_entered, remove_calendar_day, set_calendar_day
from linli.core.models import CalendarDay, CalendarDayKind, CalendarYear
from linli.core.permissions import capability_required
from linli.core.scope import covers_whole_tree

if TYPE_CHECKING:
    from linli.core.actors import Actor

SOURCE_LABELS = {
    "entered": gettext_lazy("已录入（管理员确认）"),
    "official": gettext_lazy("国务院办公厅公布的安排"),
    "fallback": gettext_lazy("尚未录入，按周一至周五计算"),
}
WEEKDAYS = [
    gettext_lazy("星期一"),
    gettext_lazy("星期二"),
    gettext_lazy("星期三"),
    gettext_lazy("星期四"),
    gettext_lazy("星期五"),
    gettext_lazy("星期六"),
    gettext_lazy("星期日"),
]


calendar_manager_required = capability_required(MANAGE_CALENDAR, message=gettext_lazy("您没有维护工作日历的权限。"))


def _city_wide_actor(request: HttpRequest) -> Actor:
    """The calendar is the whole city's: only a manager whose scope is a root region may keep it (404,
    as for any object outside one's scope)."""
    user = signed_in_actor(request)
    if not covers_whole_tree(user):
        raise Http404(_("工作日历对全市生效，只有全市的管理员可以维护。"))
    return user


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404(_("只能维护 %(a)d 年至 %(b)d 年的工作日历。") % {"a": FIRST_YEAR, "b": LAST_YEAR})


class CalendarDayForm(forms.Form):
    on = forms.DateField(label=gettext_lazy("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=CalendarDayKind.choices)
    name = forms.CharField(label=gettext_lazy("名称"), max_length=50, help_text=gettext_lazy("如“春节”“国庆节调休”。"))

    def __init__(self, *args: Any, year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.year = year

    def clean_on(self) -> date:
        on: date = self.cleaned_data["on"]
        if on.year != self.year:
            raise forms.ValidationError(_("请填写 %(y)d 年内的日期。") % {"y": self.year})
        return on

    def add_action_error(self, error: ActionError) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)


class MarkEnteredForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("说明（可不填）"), max_length=200, required=False)


@calendar_manager_required
def calendar_index(request: HttpRequest) -> HttpResponse:
    """The years around now, each with where its holidays come from."""
    _city_wide_actor(request)
    this_year = timezone.localdate().year
    entered_counts = dict(
        CalendarDay.objects.annotate(y=ExtractYear("date")).values("y").annotate(n=Count("id")).values_list("y", "n")
    )
    years = sorted({*range(2024, this_year + 2), *entered_counts, *CalendarYear.objects.values_list("year", flat=True)})
    rows = [
        {
            "year": year,
            "source": worktime.calendar_source(year),
            "source_label": SOURCE_LABELS[worktime.calendar_source(year)],
            "entered_days": entered_counts.get(year, 0),
        }
        for year in years
    ]
    return render(request, "core/calendar_index.html", {"rows": rows, "this_year": this_year})


def _year_context(year: int, day_form: CalendarDayForm, mark_form: MarkEnteredForm) -> dict[str, Any]:
    entries = [
        {
            "entry": entry,
            "weekday": WEEKDAYS[entry.date.weekday()],
            "kind_label": CalendarDayKind(entry.kind).label,
            "overrides": entry.entered and bool(entry.official_kind),
        }
        for entry in worktime.year_entries(year)
    ]
    source = worktime.calendar_source(year)
    return {
        "year": year,
        "source": source,
        "source_label": SOURCE_LABELS[source],
        "entries": entries,
        "entered_year": CalendarYear.objects.filter(year=year).select_related("entered_by").first(),
        "day_form": day_form,
        "mark_form": mark_form,
        "fallback": [year] if source == "fallback" else [],
        "working_periods": worktime.WORKING_PERIODS,
        "day_hours": worktime.DAY_SECONDS / 3600,
    }


@calendar_manager_required
def calendar_year(request: HttpRequest, year: int) -> HttpResponse:
    """One year's holidays and make-up working days; POST enters a day."""
    actor = _city_wide_actor(request)
    _check_year(year)
    day_form = CalendarDayForm(request.POST or None, year=year)
    if request.method == "POST":
        if day_form.is_valid():
            data = day_form.cleaned_data
            try:
                set_calendar_day(actor, on=data["on"], kind=data["kind"], name=data["name"])
            except ActionError as error:
                day_form.add_action_error(error)
            else:
                messages.success(
                    request,
                    _("已录入：%(d)s %(n)s（%(k)s）")
                    % {
                        "d": data["on"].isoformat(),
                        "n": data["name"].strip(),
                        "k": CalendarDayKind(data["kind"]).label,
                    },
                )
                return redirect("calendar:year", year=year)
        return render(request, "core/calendar_year.html", _year_context(year, day_form, MarkEnteredForm()), status=400)
    return render(request, "core/calendar_year.html", _year_context(year, day_form, MarkEnteredForm()))


@require_POST
@calendar_manager_required
def calendar_remove_day(request: HttpRequest, year: int) -> HttpResponse:
    """Remove an entered day (the form asks for confirmation first)."""
    actor = _city_wide_actor(request)
    _check_year(year)
    try:
        on = date.fromisoformat(request.POST.get("on", ""))
    except ValueError:
        messages.error(request, _("请选择要删除的日期。"))
        return redirect("calendar:year", year=year)
    try:
        remove_calendar_day(actor, on=on)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已删除 %(d)s 的录入，该日恢复按官方安排计算。") % {"d": on.isoformat()})
    return redirect("calendar:year", year=year)


@require_POST
@calendar_manager_required
def calendar_mark_entered(request: HttpRequest, year: int) -> HttpResponse:
    """ "本年节假日已录入完整"."""
    actor = _city_wide_actor(request)
    _check_year(year)
    form = MarkEnteredForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("说明不能超过 200 个字。"))
        return redirect("calendar:year", year=year)
    try:
        mark_year_entered(actor, year=year, note=form.cleaned_data["note"])
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已标记 %(y)d 年节假日录入完整。") % {"y": year})
    return redirect("calendar:year", year=year)
