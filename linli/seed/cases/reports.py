"""Drawing the reports: how many on which day and hour, of which category, at which grid and place, who
reports them and in what words; some repeat an earlier report (a second caller about the same problem)."""

from __future__ import annotations

import datetime
import random
from bisect import bisect_right
from itertools import accumulate

from linli.cases.choices import Priority, Source
from linli.seed.cases import texts
from linli.seed.cases.district import District
from linli.seed.cases.mix import P_DUPLICATE, PATROL_HOURS, RESIDENT_HOURS, day_weight
from linli.seed.cases.moments import SimTime
from linli.seed.cases.state import _Case, _Report
from linli.seed.clock import EPOCH


class ReportDraw:
    """The reports of the run, drawn from the district's grids and categories on the shared random generator."""

    def __init__(self, rng: random.Random, time: SimTime, district: District) -> None:
        self.rng = rng
        self.time = time
        self.district = district

    def draw_reports(self, count: int, days: int) -> list[_Report]:
        """About ``count`` reports over the ``days`` up to now, in time order; some are duplicates of
        an earlier report (a second caller about the same problem), to be merged into it."""
        rng = self.rng
        day_list = [self.time.first_day + datetime.timedelta(days=i) for i in range(days)]
        day_cum = list(accumulate(day_weight(day) for day in day_list))
        patrol_cum = list(accumulate(PATROL_HOURS))
        resident_cum = list(accumulate(RESIDENT_HOURS))
        reports: list[_Report] = []
        grid_cum, n_grids = self.district.grid_cum, len(self.district.grids)
        while len(reports) < count:
            day = rng.choices(day_list, cum_weights=day_cum)[0]
            category = rng.choices(self.district.categories, cum_weights=self.district.category_cum[day.month - 1])[0]
            hours = patrol_cum if category.kind in ("event", "component", "hazard") else resident_cum
            midnight = (day.toordinal() - EPOCH) * 1440
            for _attempt in range(5):
                hour = min(23, bisect_right(hours, rng.random() * hours[-1]))
                moment = midnight + hour * 60 + rng.randrange(60)
                if moment <= self.time.now:
                    break
            else:
                moment = self.time.now - rng.randint(1, 600)
            grid = min(n_grids - 1, bisect_right(grid_cum, rng.random() * grid_cum[-1]))
            place = rng.randrange(len(self.district.grids[grid].places))
            key = len(reports)
            reports.append(_Report(moment, key, grid, category, place, None))
            if category.kind not in ("consult", "help") and rng.random() < P_DUPLICATE:
                again = moment + rng.randint(10, 1440)
                if again <= self.time.now:
                    reports.append(_Report(again, key + 1, grid, category, place, key))
        del reports[count:]  # a duplicate comes after its original: never one without the other
        reports.sort(key=lambda r: r.at)
        return reports

    def new_case(self, case_id: int, number: str, report: _Report) -> _Case:
        rng, category, grid = self.rng, report.category, self.district.grids[report.grid]
        place = grid.places[report.place]
        c = _Case(case_id, number, report.key, report.duplicate_of, grid, category, place, report.at)
        values, cum = self.district.sources.get(category.kind, self.district.sources["event"])
        c.source = rng.choices(values, cum_weights=cum)[0]
        if category.major == "E04" or rng.random() < 0.01:
            c.priority = Priority.EMERGENCY.value
        elif rng.random() < 0.06:
            c.priority = Priority.URGENT.value
        phrase, description = rng.choice(texts.CASE_TEXTS.get(category.code, texts.GENERIC_TEXT))
        c.title = (place.name + texts.fill(phrase, rng))[:100]
        opening = rng.choice(texts.OPENINGS.get(c.source, ("",)))
        c.description = f"{opening}{place.address}，{texts.fill(description, rng)}"
        if c.source == Source.PATROL:
            c.reporter = self.district.actors.level_user.get(grid.id)
            if c.reporter is None:
                c.contact_name = self.district.worker_name[grid.id]
        elif c.source in (Source.PORTAL, Source.HOTLINE, Source.HALL, Source.VISIT):
            if c.source == Source.PORTAL:
                c.reporter = self.district.actors.resident_user.get(grid.id)
            c.contact_name = rng.choice(self.district.surnames) + rng.choice(texts.CONTACT_SUFFIXES)
            c.contact_phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        return c
