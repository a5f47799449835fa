"""The working-time clock against known dates of the State Council's holiday arrangements.

Known dates (国务院办公厅 notices, as packaged by chinesecalendar 1.11):
- 2024 国庆节: 10-01 … 10-07 off; Sunday 09-29 and Saturday 10-12 worked.
- 2025 国庆节、中秋节: 10-01 … 10-08 off; Sunday 09-28 and Saturday 10-11 worked.
- 2026 春节: 02-15 … 02-23 off; Saturdays 02-14 and 02-28 worked.
- 2027: not published yet (chinesecalendar raises), so Monday–Friday until an administrator enters it.
The working day is 09:00–12:00 and 13:30–17:30 (7 hours), Asia/Shanghai.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from linli.core import worktime
from linli.core.actions import ActionError
from linli.core.calendar_actions import mark_year_entered, remove_calendar_day, set_calendar_day
from linli.core.models import AuditEvent, CalendarDay, CalendarYear
from linli.core.worktime import (
    add_working_time,
    calendar_source,
    fallback_years,
    is_workday,
    working_seconds_between,
)
from linli.testing import TestCity

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUR = 3600.0
DAY = 7 * HOUR

pytestmark = pytest.mark.django_db


def at(text: str) -> datetime:
    """A local Shanghai time: at("2025-09-30 16:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def test_the_clock_runs_on_shanghai_time_with_a_seven_hour_working_day() -> None:
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert worktime.DAY_SECONDS == 7 * 3600
    assert [(a.strftime("%H:%M"), b.strftime("%H:%M")) for a, b in worktime.WORKING_PERIODS] == [
        ("09:00", "12:00"),
        ("13:30", "17:30"),
    ]


# --- which days are working days -------------------------------------------------------------------


def test_2026_spring_festival_is_off_and_its_make_up_saturdays_are_worked() -> None:
    festival = [date(2026, 2, 15) + timedelta(days=i) for i in range(9)]  # 02-15 … 02-23
    assert [is_workday(d) for d in festival] == [False] * 9
    assert is_workday(date(2026, 2, 13))  # Friday before
    assert is_workday(date(2026, 2, 14))  # Saturday, make-up
    assert is_workday(date(2026, 2, 24))  # Tuesday after
    assert is_workday(date(2026, 2, 28))  # Saturday, make-up
    assert not is_workday(date(2026, 3, 7))  # an ordinary Saturday
    assert calendar_source(2026) == "official"


def test_2025_national_day_week_is_off_and_september_28_and_october_11_are_worked() -> None:
    assert [is_workday(date(2025, 10, d)) for d in range(1, 9)] == [False] * 8
    assert is_workday(date(2025, 9, 28))  # Sunday, make-up
    assert is_workday(date(2025, 10, 11))  # Saturday, make-up
    assert is_workday(date(2025, 10, 9))
    assert not is_workday(date(2025, 9, 27))  # the Saturday before stays off


def test_2024_national_day() -> None:
    assert [is_workday(date(2024, 10, d)) for d in range(1, 8)] == [False] * 7
    assert is_workday(date(2024, 9, 29))  # Sunday, make-up
    assert is_workday(date(2024, 10, 12))  # Saturday, make-up
    assert is_workday(date(2024, 10, 8))


def test_a_year_without_an_official_arrangement_falls_back_to_monday_to_friday() -> None:
    assert calendar_source(2027) == "fallback"
    assert is_workday(date(2027, 2, 8))  # Monday; would be 春节 once the notice is out
    assert not is_workday(date(2027, 2, 6))  # Saturday
    assert fallback_years(date(2026, 12, 1), date(2027, 3, 1)) == [2027]
    assert fallback_years(date(2027, 3, 1), date(2025, 3, 1)) == [2027]  # either order
    assert fallback_years(date(2025, 1, 1), date(2026, 12, 31)) == []


# --- deadlines -----------------------------------------------------------------------------------


def test_a_full_day_from_the_start_of_a_working_day_ends_the_same_evening() -> None:
    assert add_working_time(at("2025-03-10 09:00"), days=1) == at("2025-03-10 17:30")  # Monday
    assert add_working_time(at("2025-03-10 09:00"), hours=3) == at("2025-03-10 12:00")  # not 13:30
    assert add_working_time(at("2025-03-10 09:00"), days=5) == at("2025-03-14 17:30")  # Friday


def test_the_lunch_break_and_the_night_do_not_count() -> None:
    assert add_working_time(at("2025-03-10 11:00"), hours=2) == at("2025-03-10 14:30")
    assert add_working_time(at("2025-03-10 12:30"), hours=1) == at("2025-03-10 14:30")  # starts 13:30
    assert add_working_time(at("2025-03-10 17:00"), hours=1) == at("2025-03-11 09:30")
    assert add_working_time(at("2025-03-10 22:00"), hours=1) == at("2025-03-11 10:00")
    assert add_working_time(at("2025-03-10 07:00"), hours=1) == at("2025-03-10 10:00")


def test_a_start_at_the_weekend_begins_on_monday_morning() -> None:
    assert add_working_time(at("2025-03-08 10:00"), hours=1) == at("2025-03-10 10:00")  # Saturday
    assert add_working_time(at("2025-03-08 10:00"), days=1) == at("2025-03-10 17:30")


def test_two_working_days_across_the_2025_national_day_week() -> None:
    # Tuesday 09-30 16:00: 1.5 h that day, 10-01 … 10-08 off, 7 h on Thursday 10-09, 5.5 h on Friday 10-10.
    deadline = add_working_time(at("2025-09-30 16:00"), days=2)
    assert deadline == at("2025-10-10 16:00")
    assert working_seconds_between(at("2025-09-30 16:00"), deadline) == 2 * DAY


def test_a_make_up_day_counts() -> None:
    # Friday 10-10 16:00 + 1 day: Saturday 10-11 is a make-up working day.
    assert add_working_time(at("2025-10-10 16:00"), days=1) == at("2025-10-11 16:00")
    # Friday 09-26 16:00 + 1 day: Saturday 09-27 off, Sunday 09-28 worked.
    assert add_working_time(at("2025-09-26 16:00"), days=1) == at("2025-09-28 16:00")
    # 2026: Friday 02-13 10:00 + 1 day lands on make-up Saturday 02-14; an hour after that Saturday's
    # close lands after the whole Spring Festival.
    assert add_working_time(at("2026-02-13 10:00"), days=1) == at("2026-02-14 10:00")
    assert add_working_time(at("2026-02-14 17:30"), hours=1) == at("2026-02-24 10:00")


def test_2024_national_day_deadline() -> None:
    assert add_working_time(at("2024-09-30 17:30"), hours=1) == at("2024-10-08 10:00")
    assert add_working_time(at("2024-09-27 10:00"), days=1) == at("2024-09-29 10:00")  # Sunday worked


def test_deadlines_are_aware_and_accept_any_time_zone() -> None:
    start_utc = datetime(2025, 3, 10, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    deadline = add_working_time(start_utc, hours=2)
    assert deadline.utcoffset() == timedelta(hours=8)
    assert deadline == at("2025-03-10 11:00")
    with pytest.raises(ValueError):
        add_working_time(datetime(2025, 3, 10, 9, 0), hours=1)  # naive
    with pytest.raises(ValueError):
        add_working_time(at("2025-03-10 09:00"), hours=-1)


def test_zero_time_is_the_start_itself() -> None:
    assert add_working_time(at("2025-03-08 10:00")) == at("2025-03-08 10:00")


def test_a_year_of_working_days_crosses_into_the_fallback_year() -> None:
    start = at("2026-01-05 09:00")
    deadline = add_working_time(start, days=365)
    assert deadline.year == 2027
    assert deadline.time().strftime("%H:%M") == "17:30"
    assert working_seconds_between(start, deadline) == 365 * DAY


def test_working_seconds_between_counts_only_working_time_and_is_signed() -> None:
    assert working_seconds_between(at("2025-09-30 09:00"), at("2025-10-09 09:00")) == DAY
    assert working_seconds_between(at("2025-10-09 09:00"), at("2025-09-30 09:00")) == -DAY
    assert working_seconds_between(at("2025-10-01 09:00"), at("2025-10-08 18:00")) == 0
    assert working_seconds_between(at("2025-03-10 11:00"), at("2025-03-10 14:00")) == 1.5 * HOUR
    assert working_seconds_between(at("2025-03-07 17:00"), at("2025-03-10 09:30")) == 1 * HOUR  # weekend


@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2025, 12, 31, 23, 59, 59)),
    hours=st.floats(min_value=0, max_value=200, allow_nan=False, allow_infinity=False),
)
@pytest.mark.django_db
def test_working_seconds_between_undoes_add_working_time(start: datetime, hours: float) -> None:
    start = start.replace(tzinfo=SHANGHAI)
    deadline = add_working_time(start, hours=hours)
    assert deadline >= start
    assert abs(working_seconds_between(start, deadline) - hours * 3600) < 1


@given(
    start=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 31)),
    days=st.integers(min_value=0, max_value=365),
)
@pytest.mark.django_db
def test_whole_days_end_at_the_close_of_a_working_day_or_inside_one(start: datetime, days: int) -> None:
    start = start.replace(tzinfo=SHANGHAI)
    deadline = add_working_time(start, days=days)
    assert working_seconds_between(start, deadline) == days * DAY
    if days:
        assert is_workday(deadline.date())


# --- administrators enter what the State Council publishes -----------------------------------------


def test_entering_2027_spring_festival_moves_the_deadline_and_the_source(city: TestCity) -> None:
    admin = city.users["administrator"]
    start = at("2027-02-05 10:00")  # Friday
    assert add_working_time(start, days=1) == at("2027-02-08 10:00")

    set_calendar_day(admin, on=date(2027, 2, 8), kind="holiday", name="春节")
    assert not is_workday(date(2027, 2, 8))
    assert add_working_time(start, days=1) == at("2027-02-09 10:00")
    assert calendar_source(2027) == "fallback"  # until the administrator says the year is complete

    mark_year_entered(admin, year=2027, note="国办发明电〔2026〕号")
    assert calendar_source(2027) == "entered"
    assert fallback_years(date(2027, 1, 1), date(2027, 12, 31)) == []
    verbs = list(AuditEvent.objects.order_by("seq").values_list("verb", flat=True))
    assert verbs[-2:] == ["set_calendar_day", "mark_calendar_year_entered"]

    remove_calendar_day(admin, on=date(2027, 2, 8))
    assert is_workday(date(2027, 2, 8))
    assert add_working_time(start, days=1) == at("2027-02-08 10:00")


def test_an_entered_make_up_saturday_is_worked(city: TestCity) -> None:
    set_calendar_day(city.users["administrator"], on=date(2027, 2, 20), kind="workday", name="春节调休")
    assert is_workday(date(2027, 2, 20))
    assert add_working_time(at("2027-02-19 17:00"), hours=1) == at("2027-02-20 09:30")


def test_an_entry_overrides_the_official_calendar(city: TestCity) -> None:
    admin = city.users["administrator"]
    set_calendar_day(admin, on=date(2026, 2, 14), kind="holiday", name="春节（本市不调休）")
    assert not is_workday(date(2026, 2, 14))
    entry = next(e for e in worktime.year_entries(2026) if e.date == date(2026, 2, 14))
    assert (entry.kind, entry.entered, entry.official_kind) == ("holiday", True, "workday")


def test_a_rolled_back_entry_leaves_no_trace_in_the_clock(city: TestCity) -> None:
    admin = city.users["administrator"]
    with pytest.raises(RuntimeError), transaction.atomic():
        set_calendar_day(admin, on=date(2027, 3, 1), kind="holiday", name="试验")
        assert not is_workday(date(2027, 3, 1))  # the writer sees its own entry
        raise RuntimeError("roll back")
    assert is_workday(date(2027, 3, 1))
    assert not CalendarDay.objects.exists()


def test_meaningless_entries_are_refused_with_the_date_named(city: TestCity) -> None:
    admin = city.users["administrator"]
    with pytest.raises(ActionError) as refused:
        set_calendar_day(admin, on=date(2025, 10, 9), kind="workday", name="调休")
    assert refused.value.field == "on"
    assert "2025年10月9日（星期四）本来就是工作日" in refused.value.message
    with pytest.raises(ActionError) as refused:
        set_calendar_day(admin, on=date(2027, 3, 6), kind="holiday", name="周末")
    assert "2027年3月6日（星期六）本来就不上班" in refused.value.message
    with pytest.raises(ActionError) as refused:
        set_calendar_day(admin, on=date(2027, 3, 8), kind="holiday", name="  ")
    assert refused.value.field == "name"
    with pytest.raises(ActionError) as refused:
        remove_calendar_day(admin, on=date(2027, 3, 8))
    assert "2027年3月8日（星期一）没有录入过" in refused.value.message
    with pytest.raises(ActionError) as refused:
        mark_year_entered(admin, year=2028)
    assert "2028 年还没有录入任何节假日或调休" in refused.value.message
    assert not CalendarDay.objects.exists()
    assert not CalendarYear.objects.exists()


def test_a_holiday_on_an_official_holiday_or_a_make_up_weekend_is_allowed(city: TestCity) -> None:
    admin = city.users["administrator"]
    set_calendar_day(admin, on=date(2025, 10, 2), kind="holiday", name="国庆节")
    set_calendar_day(admin, on=date(2025, 10, 11), kind="holiday", name="国庆节（取消调休）")
    assert not is_workday(date(2025, 10, 11))
    # Correcting an entry back to the official arrangement is done by removing it.
    with pytest.raises(ActionError) as refused:
        set_calendar_day(admin, on=date(2025, 10, 11), kind="workday", name="国庆节调休")
    assert "本来就是工作日" in refused.value.message
    assert "如要撤销已录入的“国庆节（取消调休）”，请删除该条" in refused.value.message


def test_only_a_city_administrator_maintains_the_calendar(city: TestCity) -> None:
    for who in ("district_leader", "auditor", "grid_worker", "resident", "outsider"):
        with pytest.raises(PermissionDenied):
            set_calendar_day(city.users[who], on=date(2027, 2, 8), kind="holiday", name="春节")
    assert not CalendarDay.objects.exists()


def test_the_clock_answers_thousands_of_deadlines_without_queries(django_assert_max_num_queries: Any) -> None:
    add_working_time(at("2025-01-02 09:00"), days=30)  # warm the cache
    with django_assert_max_num_queries(2):  # at most the once-a-minute change check
        for minute in range(0, 2000):
            start = at("2025-01-02 09:00") + timedelta(minutes=17 * minute)
            add_working_time(start, days=3)
            add_working_time(start, hours=20)


def test_other_processes_changes_are_picked_up_at_the_next_check(
    city: TestCity, django_capture_on_commit_callbacks: Any
) -> None:
    admin = city.users["administrator"]
    assert is_workday(date(2027, 2, 8))
    with django_capture_on_commit_callbacks(execute=True):  # as if committed: seen at once
        set_calendar_day(admin, on=date(2027, 2, 8), kind="holiday", name="春节")
    assert not is_workday(date(2027, 2, 8))
    # A change this process is not told about (as if another process wrote it) …
    CalendarDay.objects.filter(date=date(2027, 2, 8)).update(kind="workday")
    assert not is_workday(date(2027, 2, 8))  # … is not seen before the next check,
    worktime._cache.checked_at -= worktime.RECHECK_SECONDS  # … which a minute later
    assert is_workday(date(2027, 2, 8))  # … finds the fingerprint moved.
