"""The simulator: one run of cases through the state machine's rules, writing rows into a ``CasesWriter``."""

from __future__ import annotations

import datetime
import random
from collections import Counter

from linli.places.models import Region
from linli.seed.cases.disputes import Disputes
from linli.seed.cases.district import District, load_district
from linli.seed.cases.lifecycle import LifeCycle
from linli.seed.cases.machine import Machine
from linli.seed.cases.moments import SimTime
from linli.seed.cases.reports import ReportDraw
from linli.seed.cases.rows import CasesWriter, write_case
from linli.seed.cases.state import Tally, _Case, _Report


class Simulator:
    """Runs cases through the state machine's rules, writing rows into a ``CasesWriter``.

    The pieces share one random generator, drawn from in the same order as ever: the district is
    loaded once (``District``), time runs in whole minutes (``SimTime``), the verbs write the steps
    (``Machine``, ``Disputes``), ``LifeCycle`` takes a case from report to "now", ``ReportDraw`` draws
    the reports, ``write_case`` writes a finished case's rows; the ``Tally`` counts the run.
    """

    def __init__(self, writer: CasesWriter, seed: int, now: datetime.datetime, days: int, district: Region) -> None:
        self.writer = writer
        self.rng = random.Random(f"{seed}:cases")
        self.time = SimTime(now, days, self.rng)
        self.district: District = load_district(district, self.rng)
        self.tally = Tally()
        self.machine = Machine(writer, self.rng, self.time, self.district)
        self.life = LifeCycle(self.machine, Disputes(self.machine), self.tally)
        self.reports = ReportDraw(self.rng, self.time, self.district)

    @property
    def paths(self) -> Counter[str]:
        return self.tally.paths

    @property
    def statuses(self) -> Counter[str]:
        return self.tally.statuses

    def draw_reports(self, count: int, days: int) -> list[_Report]:
        return self.reports.draw_reports(count, days)

    def new_case(self, case_id: int, number: str, report: _Report) -> _Case:
        return self.reports.new_case(case_id, number, report)

    def run(self, c: _Case) -> None:
        """Simulate ``c`` from its report; raises ``_Stop`` where the next act would come after "now"."""
        self.life.run(c)

    def write_case(self, c: _Case) -> None:
        write_case(c, self.writer, self.time, self.tally)
