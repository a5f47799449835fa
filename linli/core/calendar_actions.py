"""Actions on the working calendar: enter a holiday or make-up working day, remove it, mark a year entered.

The calendar is the whole deployment's (one city): every deadline in every district depends on it. So
besides the ``manage_calendar`` capability, maintaining it needs a scope over a whole tree (an
administrator assigned to a root region, the city); a district administrator's scope does not
contain the city's calendar, and the pages answer them 404 like any object outside their scope.
Calendar rows carry no region path; their audit events are read by whole-tree auditors (as sign-ins).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import chinese_calendar
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit, worktime
from linli.core.actions import ActionError, action, require
from linli.core.actors import MANAGE_CALENDAR, is_signed_in
from linli.core.models import CalendarDay, CalendarDayKind, CalendarYear
from linli.core.scope import covers_whole_tree

if TYPE_CHECKING:
    from linli.core.actors import Actor, MaybeActor

# Years an administrator may enter: the official calendar starts in 2004; a century ahead is plenty.
FIRST_YEAR = 2004
LAST_YEAR = 2100


def describe_date(day: date) -> str:
    """``2027年2月8日（星期一）`` — how messages name a date."""
    weekdays = [_("星期一"), _("星期二"), _("星期三"), _("星期四"), _("星期五"), _("星期六"), _("星期日")]
    return _("%(y)d年%(m)d月%(d)d日（%(w)s）") % {
        "y": day.year,
        "m": day.month,
        "d": day.day,
        "w": weekdays[day.weekday()],
    }


def _require_manager(actor: MaybeActor) -> Actor:
    """The actor, if they may maintain the calendar; PermissionDenied otherwise."""
    if not (is_signed_in(actor) and actor.has_capability(MANAGE_CALENDAR)):
        raise PermissionDenied(_("您没有维护工作日历的权限。"))
    require(covers_whole_tree(actor), _("工作日历对全市生效，只有全市的管理员可以维护。"))
    return actor


def _check_year(year: int, field: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ActionError(
            _("只能维护 %(a)d 年至 %(b)d 年的工作日历。") % {"a": FIRST_YEAR, "b": LAST_YEAR}, field=field
        )


def _base_is_workday(day: date) -> bool:
    """Working day by the official calendar (or Monday–Friday), leaving aside what was entered for it."""
    if worktime.official_knows(day.year):
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5


@action
def set_calendar_day(actor: MaybeActor, *, on: date, kind: str, name: str) -> CalendarDay:
    """Enter ``on`` as a holiday or a make-up working day (replacing what was entered for it before).

    Refused when the entry would change nothing: a make-up working day on a date that is a working day
    anyway, or a holiday on a Saturday/Sunday that is not a working day anyway. "Anyway" means by the
    official calendar (Monday–Friday where it has no data), not counting an earlier entry for the date.
    """
    _require_manager(actor)
    _check_year(on.year, "on")
    if kind not in CalendarDayKind.values:
        raise ActionError(_("请选择类型：放假或调休上班。"), field="kind")
    name = (name or "").strip()
    if not name:
        raise ActionError(_("请填写名称，如“春节”“国庆节调休”。"), field="name")
    if len(name) > 50:
        raise ActionError(_("名称不能超过 50 个字。"), field="name")
    base_working = _base_is_workday(on)
    day = CalendarDay.objects.filter(date=on).first()
    # When an entry exists, the way back to the official calendar is to remove it: say so.
    undo = _("如要撤销已录入的“%(n)s”，请删除该条。") % {"n": day.name} if day else ""
    if kind == CalendarDayKind.WORKDAY and base_working:
        raise ActionError(_("%(d)s本来就是工作日，无需录入为调休上班。") % {"d": describe_date(on)} + undo, field="on")
    if kind == CalendarDayKind.HOLIDAY and on.weekday() >= 5 and not base_working:
        raise ActionError(_("%(d)s本来就不上班，无需录入为节假日。") % {"d": describe_date(on)} + undo, field="on")
    before = {"kind": day.kind, "name": day.name} if day else {}
    if day is None:
        day = CalendarDay(date=on, kind=kind, name=name)
        day.save(force_insert=True)
    else:
        day.kind, day.name = kind, name
        day.save(update_fields=["kind", "name", "updated_at"])
    audit.record(
        actor,
        "set_calendar_day",
        day,
        changes={"date": on.isoformat(), "kind": [before.get("kind"), kind], "name": [before.get("name"), name]},
    )
    return day


@action
def remove_calendar_day(actor: MaybeActor, *, on: date) -> None:
    """Remove what was entered for ``on``; the official calendar (or Monday–Friday) applies again."""
    _require_manager(actor)
    day = CalendarDay.objects.filter(date=on).first()
    if day is None:
        raise ActionError(_("%(d)s没有录入过节假日或调休，无需删除。") % {"d": describe_date(on)}, field="on")
    audit.record(
        actor,
        "remove_calendar_day",
        day,
        changes={"date": on.isoformat(), "kind": [day.kind, None], "name": [day.name, None]},
    )
    day.delete()


@action
def mark_year_entered(actor: MaybeActor, *, year: int, note: str = "") -> CalendarYear:
    """Declare ``year``'s holidays and make-up working days entered completely (its source becomes "entered")."""
    manager = _require_manager(actor)
    _check_year(year, "year")
    note = (note or "").strip()
    if len(note) > 200:
        raise ActionError(_("说明不能超过 200 个字。"), field="note")
    existing = CalendarYear.objects.filter(year=year).select_related("entered_by").first()
    if existing is not None:
        raise ActionError(
            _("%(y)d 年已于 %(at)s 由 %(who)s 标记为录入完整。")
            % {
                "y": year,
                "at": timezone.localtime(existing.entered_at).strftime("%Y-%m-%d %H:%M"),
                "who": existing.entered_by or "—",
            },
            field="year",
        )
    if not worktime.official_knows(year) and not CalendarDay.objects.filter(date__year=year).exists():
        raise ActionError(
            _("%(y)d 年还没有录入任何节假日或调休，请先逐日录入，再标记为录入完整。") % {"y": year}, field="year"
        )
    entered = CalendarYear.objects.create(year=year, entered_by_id=manager.pk, entered_at=timezone.now(), note=note)
    audit.record(actor, "mark_calendar_year_entered", entered, changes={"year": year, "note": note})
    return entered
