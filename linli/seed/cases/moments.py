"""The simulation's time: minutes since the clock's epoch, working time through ``linli.seed.clock``,
and the column value of a minute (SQLite's UTC text, or a datetime)."""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.db import connection

from linli.core.worktime import LOCAL_TZ
from linli.seed.city import SeedError
from linli.seed.clock import EPOCH, Clock, Minute, minute_of, moment_of


class SimTime:
    """ "Now", the first day of the run and its working-time clock, in whole minutes."""

    def __init__(self, now: datetime.datetime, days: int, rng: random.Random) -> None:
        self.rng = rng
        self.now: Minute = minute_of(now)
        self.first_day = now.astimezone(LOCAL_TZ).date() - datetime.timedelta(days=days - 1)
        self.clock = Clock(self.first_day)
        self.sqlite = connection.vendor == "sqlite"
        self._day_text: dict[int, str] = {}
        self._text: dict[Minute, str] = {}
        offsets = {
            LOCAL_TZ.utcoffset(datetime.datetime(year, month, 1))
            for year in range(self.first_day.year, self.first_day.year + days // 365 + 4)
            for month in (1, 7)
        }
        if len(offsets) != 1:
            raise SeedError("演示事件按固定时差计时；TIME_ZONE 有夏令时，无法生成。")
        self.utc_offset = int(offsets.pop().total_seconds()) // 60  # type: ignore[union-attr]

    def db(self, minute: Minute | None) -> Any:
        """The column value: SQLite's text in UTC (what Django writes for an aware datetime), else a datetime."""
        if minute is None:
            return None
        if not self.sqlite:
            return moment_of(minute)
        found = self._text.get(minute)
        if found is not None:
            return found
        utc = minute - self.utc_offset
        day, rest = divmod(utc, 1440)
        text = self._day_text.get(day)
        if text is None:
            text = self._day_text[day] = datetime.date.fromordinal(EPOCH + day).isoformat()
        found = self._text[minute] = f"{text} {rest // 60:02d}:{rest % 60:02d}:00"
        return found

    def work(self, start: Minute, hours: float) -> Minute:
        """``hours`` of working time after ``start``, in whole minutes (at least one)."""
        return self.clock.add(start, max(1, round(hours * 60)))

    def days(self, start: Minute, low: float, high: float) -> Minute:
        """A wall-clock delay, then the next working moment (follow-up calls, reopenings)."""
        return self.clock.add(start + round(self.rng.uniform(low, high) * 1440), self.rng.randint(1, 120))
