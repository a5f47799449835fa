"""Working time on whole minutes for the case seed (``linli.seed.cases``): ``Clock``.

Moments are ``int`` minutes of local wall-clock time since 1970-01-01 (``Minute``); the settings' time
zone must have a fixed offset (Asia/Shanghai has had no daylight saving time since 1991).
"""

from __future__ import annotations

import datetime
from bisect import bisect_left

from linli.core.worktime import LOCAL_TZ, WORKING_PERIODS, add_working_time, is_workday
from linli.seed.city import SeedError

__all__ = ["EPOCH", "Clock", "Minute", "minute_of", "moment_of"]

Minute = int  # whole minutes of local wall-clock time since 1970-01-01 00:00 (LOCAL_TZ has no DST)
EPOCH = datetime.date(1970, 1, 1).toordinal()


def minute_of(moment: datetime.datetime) -> Minute:
    local = moment.astimezone(LOCAL_TZ)
    return (local.date().toordinal() - EPOCH) * 1440 + local.hour * 60 + local.minute


def moment_of(minute: Minute) -> datetime.datetime:
    day, rest = divmod(minute, 1440)
    return datetime.datetime.combine(
        datetime.date.fromordinal(EPOCH + day), datetime.time(rest // 60, rest % 60), tzinfo=LOCAL_TZ
    )


class Clock:
    """``linli.core.worktime.add_working_time`` on whole minutes, from the same calendar (``is_workday``,
    i.e. the worktime cache), with a table of working days built once: 1.5 µs a call against 8 µs
    (docs/performance.md), and times stay plain integers until they are written, which is what lets
    the demo's ≈ 1.5 million deadlines and act times fit the seed's minute. The results are the
    same (tested against ``add_working_time``); a limit that is not a whole number of minutes goes to
    ``add_working_time`` itself and its result is cut to the minute.
    """

    def __init__(self, first_day: datetime.date) -> None:
        periods = []
        for start, end in WORKING_PERIODS:
            if start.second or start.microsecond or end.second or end.microsecond:
                raise SeedError("LINLI_WORKING_HOURS must be whole minutes for the case seed")
            periods.append((start.hour * 60 + start.minute, end.hour * 60 + end.minute))
        self.periods = tuple(periods)
        self.day_minutes = sum(end - start for start, end in periods)
        self.base = first_day.toordinal() - 7
        self.cum: list[int] = []  # working minutes before each day from ``base``
        self.working: list[bool] = []
        self.starts: list[int] = []  # the working-minute count at the start of each working day
        self.workdays: list[int] = []  # their ordinals
        self._extend(first_day.toordinal() + 400)

    def _extend(self, last_ordinal: int) -> None:
        total = self.cum[-1] + (self.day_minutes if self.working[-1] else 0) if self.cum else 0
        for ordinal in range(self.base + len(self.cum), last_ordinal + 1):
            working = is_workday(datetime.date.fromordinal(ordinal))
            self.cum.append(total)
            self.working.append(working)
            if working:
                self.starts.append(total)
                self.workdays.append(ordinal)
                total += self.day_minutes

    def _worked(self, minute: Minute) -> int:
        """Working minutes from ``base`` up to ``minute``."""
        day, rest = divmod(minute, 1440)
        index = day + EPOCH - self.base
        if index >= len(self.cum):
            self._extend(day + EPOCH + 400)
        worked = self.cum[index]
        if self.working[index]:
            for start, end in self.periods:
                if rest > start:
                    worked += min(rest, end) - start
        return worked

    def add(self, start: Minute, minutes: int) -> Minute:
        """``minutes`` (≥ 0) of working time after ``start``; time running out at a period's end ends there."""
        if minutes <= 0:
            return start
        target = self._worked(start) + minutes
        while target > self.starts[-1] + self.day_minutes:
            self._extend(self.workdays[-1] + 400)
        index = bisect_left(self.starts, target) - 1
        rest = target - self.starts[index]
        for period_start, period_end in self.periods:
            if rest <= period_end - period_start:
                return (self.workdays[index] - EPOCH) * 1440 + period_start + rest
            rest -= period_end - period_start
        raise AssertionError("unreachable: rest never exceeds a working day")

    def between(self, start: Minute, end: Minute) -> int:
        """Working minutes from ``start`` to ``end`` (``worktime.working_seconds_between`` / 60)."""
        return self._worked(end) - self._worked(start)

    def add_hours(self, start: Minute, hours: float) -> Minute:
        minutes = hours * 60
        if minutes == int(minutes):
            return self.add(start, int(minutes))
        return minute_of(add_working_time(moment_of(start), hours=hours))
