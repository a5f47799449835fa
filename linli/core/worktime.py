"""The working-time clock (DESIGN.md mechanism 5): time limits are working time.

Which days are working days, in order of precedence:

1. a ``CalendarDay`` an administrator entered for that date (a holiday, or a make-up working day
   调休上班) — entered days override everything else;
2. the official calendar of the State Council as packaged by ``chinesecalendar`` (holidays and
   make-up Saturdays/Sundays), for the years it knows (2004–2026 in version 1.11);
3. otherwise Monday to Friday (the "fallback"; pages warn with ``fallback_years``).

A year's *source* (``calendar_source``) is "entered" once an administrator has declared its holidays
entered (a ``CalendarYear`` row), else "official" when chinesecalendar knows it, else "fallback".

A working day has the working periods of ``settings.LINLI_WORKING_HOURS`` (local time,
``settings.TIME_ZONE`` = Asia/Shanghai, which has no daylight saving time): by default 09:00–12:00 and
13:30–17:30, 7 hours. Arithmetic is exact, in whole microseconds.

Speed: each year's working days are computed once per process (one query for the year's entered days,
365 look-ups in chinesecalendar) and kept as a sorted tuple of day ordinals, so ``add_working_time``
jumps over whole days with a binary search instead of walking them. The cache is dropped when a
``CalendarDay`` or ``CalendarYear`` is saved or deleted in this process (model signals; the writing
transaction itself reads past the cache until it commits, so a rolled-back entry never lands in it),
and other processes notice a change within ``RECHECK_SECONDS`` (60 s): at most once a minute the
clock reads a small fingerprint of the two tables (row count, largest id, latest change) and drops its
cache when the fingerprint moved. Write calendar rows only through the actions in
``core/calendar_actions.py`` (``QuerySet.update``/``bulk_create`` send no signals).
"""

from __future__ import annotations

import functools
import threading
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings
from django.db import connections, transaction
from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _

from linli.core.models import CalendarDay, CalendarYear

__all__ = [
    "DAY_SECONDS",
    "RECHECK_SECONDS",
    "WORKING_PERIODS",
    "CalendarEntry",
    "add_working_time",
    "calendar_source",
    "clear_cache",
    "fallback_years",
    "is_workday",
    "working_seconds_between",
    "year_entries",
]

RECHECK_SECONDS = 60.0
_US = 1_000_000  # microseconds per second: all clock arithmetic is in whole microseconds

LOCAL_TZ = ZoneInfo(settings.TIME_ZONE)


def _parse_periods(raw: Any) -> tuple[tuple[time, time], ...]:
    periods = tuple((time.fromisoformat(start), time.fromisoformat(end)) for start, end in raw)
    previous_end = time.min
    for start, end in periods:
        if not previous_end <= start < end:
            raise ValueError(f"LINLI_WORKING_HOURS must be ascending, non-overlapping periods: {raw!r}")
        previous_end = end
    if not periods:
        raise ValueError("LINLI_WORKING_HOURS needs at least one working period")
    return periods


def _us_of_day(moment: time) -> int:
    return ((moment.hour * 60 + moment.minute) * 60 + moment.second) * _US + moment.microsecond


WORKING_PERIODS: tuple[tuple[time, time], ...] = _parse_periods(settings.LINLI_WORKING_HOURS)
_PERIODS_US: tuple[tuple[int, int], ...] = tuple((_us_of_day(a), _us_of_day(b)) for a, b in WORKING_PERIODS)
_DAY_US = sum(end - start for start, end in _PERIODS_US)
DAY_SECONDS: int = _DAY_US // _US  # working seconds in one working day (25 200 = 7 h by default)

# chinesecalendar's holiday names, as people here say them.
OFFICIAL_NAMES: dict[str, Any] = {
    "New Year's Day": _("元旦"),
    "Spring Festival": _("春节"),
    "Tomb-sweeping Day": _("清明节"),
    "Labour Day": _("劳动节"),
    "Dragon Boat Festival": _("端午节"),
    "National Day": _("国庆节"),
    "Mid-autumn Festival": _("中秋节"),
    "Anti-Fascist 70th Day": _("中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日"),
}


@functools.cache
def official_knows(year: int) -> bool:
    """Whether chinesecalendar has the State Council's arrangement for ``year``."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


# --- the per-process cache -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Year:
    workdays: tuple[int, ...]  # ordinals of the year's working days, ascending
    workday_set: frozenset[int]


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.generation = 0
        self.years: dict[int, _Year] = {}
        self.entered_years: frozenset[int] | None = None
        self.checked_at = float("-inf")
        self.fingerprint: tuple[Any, ...] | None = None


_cache = _Cache()
# Per thread: the on-commit callback of a transaction that wrote calendar rows and has not ended.
_pending = threading.local()


def clear_cache() -> None:
    """Forget every computed year (the next call recomputes from the database)."""
    with _cache.lock:
        _cache.generation += 1
        _cache.years = {}
        _cache.entered_years = None


def _fingerprint() -> tuple[Any, ...]:
    days = CalendarDay.objects.aggregate(n=Count("id"), last=Max("id"), changed=Max("updated_at"))
    years = CalendarYear.objects.aggregate(n=Count("id"), last=Max("id"), changed=Max("entered_at"))
    return (days["n"], days["last"], days["changed"], years["n"], years["last"], years["changed"])


def _cache_usable() -> bool:
    """False inside a transaction of this thread that wrote calendar rows (they may still roll back)."""
    pending: Callable[[], None] | None = getattr(_pending, "callback", None)
    if pending is not None:
        connection = connections["default"]
        waiting = connection.in_atomic_block and any(
            isinstance(entry, tuple) and len(entry) > 1 and entry[1] is pending for entry in connection.run_on_commit
        )
        if waiting:
            return False
        _pending.callback = None  # committed (the callback dropped the cache) or rolled back (nothing was cached)
    now = monotonic()
    if now - _cache.checked_at >= RECHECK_SECONDS:
        fingerprint = _fingerprint()
        if fingerprint != _cache.fingerprint:
            clear_cache()
            _cache.fingerprint = fingerprint
        _cache.checked_at = now
    return True


def _calendar_changed(sender: Any, using: str = "default", **kwargs: Any) -> None:
    clear_cache()
    connection = connections[using]
    if not connection.in_atomic_block:
        return  # autocommit: the change is already visible to everyone

    def committed() -> None:
        clear_cache()
        if getattr(_pending, "callback", None) is committed:
            _pending.callback = None

    _pending.callback = committed
    transaction.on_commit(committed, using=using)


for _name, _signal in (("save", post_save), ("delete", post_delete)):
    for _model in ("core.CalendarDay", "core.CalendarYear"):
        _signal.connect(_calendar_changed, sender=_model, dispatch_uid=f"worktime-{_name}-{_model}")


def _build_year(year: int) -> _Year:
    entered = dict(CalendarDay.objects.filter(date__year=year).values_list("date", "kind"))
    official = official_knows(year)
    workdays = []
    for ordinal in range(date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal() + 1):
        day = date.fromordinal(ordinal)
        kind = entered.get(day)
        if kind is not None:
            working = kind == "workday"
        elif official:
            working = chinese_calendar.is_workday(day)
        else:
            working = day.weekday() < 5
        if working:
            workdays.append(ordinal)
    return _Year(tuple(workdays), frozenset(workdays))


def _year(year: int) -> _Year:
    if not 1 <= year <= 9999:
        raise OverflowError(f"year {year} is outside the calendar")
    if not _cache_usable():
        return _build_year(year)
    found = _cache.years.get(year)
    if found is None:
        generation = _cache.generation
        found = _build_year(year)
        with _cache.lock:
            if generation == _cache.generation:  # not invalidated while we read
                _cache.years[year] = found
    return found


def _entered_years() -> frozenset[int]:
    usable = _cache_usable()
    found = _cache.entered_years if usable else None
    if found is None:
        generation = _cache.generation
        found = frozenset(CalendarYear.objects.values_list("year", flat=True))
        if usable:
            with _cache.lock:
                if generation == _cache.generation:
                    _cache.entered_years = found
    return found


# --- the public clock ------------------------------------------------------------------------------


def calendar_source(year: int) -> str:
    """ "entered" (an administrator declared the year entered), "official" (chinesecalendar), or "fallback"."""
    if year in _entered_years():
        return "entered"
    return "official" if official_knows(year) else "fallback"


def is_workday(d: date) -> bool:
    """Whether people work on ``d``: an entered day wins, then the official calendar, then Monday–Friday."""
    if isinstance(d, datetime):
        d = d.astimezone(LOCAL_TZ).date() if d.tzinfo else d.date()
    return d.toordinal() in _year(d.year).workday_set


def fallback_years(start: date, end: date) -> list[int]:
    """The years between ``start`` and ``end`` (either order, inclusive) counted Monday–Friday."""
    first, last = sorted((start.year, end.year))
    return [year for year in range(first, last + 1) if calendar_source(year) == "fallback"]


def _local(moment: datetime) -> tuple[date, int]:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("the working-time clock needs an aware datetime (naive datetimes are ambiguous)")
    local = moment.astimezone(LOCAL_TZ)
    return local.date(), _us_of_day(local.time())


def _at(day: date, us_of_day: int) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ) + timedelta(microseconds=us_of_day)


def _worked_before(us_of_day: int) -> int:
    """Working microseconds of a working day from midnight up to ``us_of_day``."""
    return sum(max(0, min(end, us_of_day) - start) for start, end in _PERIODS_US)


def _nth_workday_after(ordinal: int, n: int) -> int:
    """The ordinal of the ``n``-th working day after the day ``ordinal`` (n >= 1)."""
    year = date.fromordinal(ordinal).year
    after = ordinal
    while True:
        workdays = _year(year).workdays
        index = bisect_right(workdays, after)
        available = len(workdays) - index
        if n <= available:
            return workdays[index + n - 1]
        n -= available
        year += 1


def _count_workdays(first: int, last: int) -> int:
    """How many working days lie between the ordinals ``first`` and ``last``, both included."""
    if first > last:
        return 0
    count = 0
    for year in range(date.fromordinal(first).year, date.fromordinal(last).year + 1):
        workdays = _year(year).workdays
        count += bisect_right(workdays, last) - bisect_right(workdays, first - 1)
    return count


def add_working_time(start: datetime, *, hours: float = 0, days: int = 0) -> datetime:
    """The deadline: ``days`` full working days plus ``hours`` working hours of working time after ``start``.

    A start outside working time begins at the next working period. Time that runs out exactly at the
    end of a period ends there (Monday 09:00 + 1 day is Monday 17:30, not Tuesday 09:00). Returns an
    aware datetime in local time; zero time returns ``start`` itself.
    """
    if hours < 0 or days < 0:
        raise ValueError("working time to add must not be negative")
    day, us_of_day = _local(start)
    remaining = days * _DAY_US + round(hours * 3600 * _US)
    if remaining == 0:
        return start.astimezone(LOCAL_TZ)
    if is_workday(day):
        for period_start, period_end in _PERIODS_US:
            if us_of_day >= period_end:
                continue
            begin = max(us_of_day, period_start)
            if remaining <= period_end - begin:
                return _at(day, begin + remaining)
            remaining -= period_end - begin
    # ``remaining`` > 0 is left after ``day``: skip whole working days, then finish inside the last one.
    full_days, rest = divmod(remaining, _DAY_US)
    if rest == 0:
        full_days, rest = full_days - 1, _DAY_US
    last_day = date.fromordinal(_nth_workday_after(day.toordinal(), full_days + 1))
    for period_start, period_end in _PERIODS_US:
        if rest <= period_end - period_start:
            return _at(last_day, period_start + rest)
        rest -= period_end - period_start
    raise AssertionError("unreachable: rest never exceeds a working day")


def working_seconds_between(start: datetime, end: datetime) -> float:
    """Working time elapsed from ``start`` to ``end``, in seconds; negative when ``end`` is earlier."""
    if end < start:
        return -working_seconds_between(end, start)
    first_day, first_us = _local(start)
    last_day, last_us = _local(end)
    if first_day == last_day:
        if not is_workday(first_day):
            return 0.0
        return (_worked_before(last_us) - _worked_before(first_us)) / _US
    total = _DAY_US - _worked_before(first_us) if is_workday(first_day) else 0
    total += _count_workdays(first_day.toordinal() + 1, last_day.toordinal() - 1) * _DAY_US
    if is_workday(last_day):
        total += _worked_before(last_us)
    return total / _US


# --- for the calendar pages -------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarEntry:
    """A day of a year that is not an ordinary day: a holiday on a weekday, any official holiday, or a
    working Saturday/Sunday. ``entered`` when an administrator entered it (it overrides ``official_*``)."""

    date: date
    kind: str  # "holiday" | "workday"
    name: str
    entered: bool
    official_kind: str  # what the official calendar says ("" when it says nothing special)
    official_name: str


def _official_detail(day: date) -> tuple[str, str]:
    if not official_knows(day.year):
        return "", ""
    name = chinese_calendar.holidays.get(day)
    if name is not None:
        return "holiday", str(OFFICIAL_NAMES.get(name, name))
    name = chinese_calendar.workdays.get(day)
    if name is not None and day.weekday() >= 5:
        return "workday", str(OFFICIAL_NAMES.get(name, name)) + str(_("调休"))
    return "", ""


def year_entries(year: int) -> list[CalendarEntry]:
    """The year's holidays and make-up working days, from whichever source, in date order."""
    entries: dict[date, CalendarEntry] = {}
    if official_knows(year):
        for ordinal in range(date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal() + 1):
            day = date.fromordinal(ordinal)
            kind, name = _official_detail(day)
            if kind:
                entries[day] = CalendarEntry(day, kind, name, False, kind, name)
    for row in CalendarDay.objects.filter(date__year=year):
        official_kind, official_name = _official_detail(row.date)
        entries[row.date] = CalendarEntry(row.date, row.kind, row.name, True, official_kind, official_name)
    return [entries[day] for day in sorted(entries)]
