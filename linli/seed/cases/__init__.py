"""Two years of synthetic cases for the demo district: each one simulated through the state machine.

``seed_cases`` draws the reports (volume by season, weekday and hour; Spring Festival dip; summer
peak of 油烟 and 积水; the category mix of a Chengdu district: 八乱 ≈ 40 %, 市容 ≈ 20 %, 隐患 ≈ 10 %,
纠纷 ≈ 8 %, 帮扶 and 咨询 ≈ 5 % each), places them at real buildings of the places table, and runs
each through a pure-Python model of ``linli.cases.workflow`` that sets the same fields and writes the
same ``Step`` rows as the actions would: status and holder, dispatcher and handler, per-stage
deadlines from ``linli.core.worktime.add_working_time`` with the category's limits, ``due_at`` from
dispatch, ``closed_on_time`` at close, the counters, ``version`` = number of transitions. Paths:
self-handled by the grid worker (≈ 35 %), rejected (≈ 3 %), merged duplicates, escalations (≈ 8 %)
to the subdistrict with whistles to departments and late check-ins (≈ 2 %), returns, reworks,
extensions, supervision, closed late (≈ 1-2 %), stuck cases still open and overdue at "now",
reopened after an unsatisfied follow-up, and ratings on ≈ 60 % of closed cases. A case whose next
act would fall after "now" stays where it is, so the newest cases sit open in every status.

Like the city and the residents (``linli.seed``), this is a bulk load of synthetic data into an
empty case table, not users' changes: rows are tuples with preassigned ids written by a
``BulkWriter`` (batched ``executemany``), in one transaction, audited as one ``seed`` event with
the counts; the day counters (``CaseCounter``) continue after the seeded numbers so the next
reported case gets a fresh number. Deterministic from the seed and ``now``.

One module per subject: ``mix`` (the rates: category mix, seasons, sources, hours, paths) and
``texts`` (the words), ``reports`` (drawing the reports: ``ReportDraw``), ``district`` (what the run
reads from the database: ``District``) and ``actors`` (who acts for a case's holder: the seed's copy
of ``held_by``, ``load_case_actors``), ``moments`` (minutes and working time: ``SimTime``),
``machine`` (the verbs and their steps, whistles and summonses: ``Machine``) and ``disputes``,
``lifecycle`` (one case from report to "now": ``LifeCycle``), ``state`` (a simulated case and the
run's ``Tally``), ``rows`` (the columns, ``CasesWriter``, ``write_case``), ``simulator`` (the pieces
together: ``Simulator``) and ``load`` (``seed_cases``). This package re-exports every public name, so
callers import from ``linli.seed.cases``.
"""

from __future__ import annotations

from linli.seed.cases.actors import CaseActors, load_case_actors
from linli.seed.cases.district import District, load_district
from linli.seed.cases.lifecycle import LifeCycle
from linli.seed.cases.load import CASES, DAYS, CasesReport, default_district, seed_cases
from linli.seed.cases.machine import Machine
from linli.seed.cases.moments import SimTime
from linli.seed.cases.reports import ReportDraw
from linli.seed.cases.rows import (
    CASE_FIELDS,
    DISPUTE_FIELDS,
    EXTENSION_FIELDS,
    PARTY_FIELDS,
    STEP_FIELDS,
    SUMMONS_FIELDS,
    WHISTLE_FIELDS,
    CasesWriter,
    write_case,
)
from linli.seed.cases.simulator import Simulator
from linli.seed.cases.state import S, Tally

__all__ = [
    "CASES",
    "CASE_FIELDS",
    "DAYS",
    "DISPUTE_FIELDS",
    "EXTENSION_FIELDS",
    "PARTY_FIELDS",
    "STEP_FIELDS",
    "SUMMONS_FIELDS",
    "WHISTLE_FIELDS",
    "CaseActors",
    "CasesReport",
    "CasesWriter",
    "District",
    "LifeCycle",
    "Machine",
    "ReportDraw",
    "S",
    "SimTime",
    "Simulator",
    "Tally",
    "default_district",
    "load_case_actors",
    "load_district",
    "seed_cases",
    "write_case",
]
