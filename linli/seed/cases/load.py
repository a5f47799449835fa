"""``seed_cases``: draw the reports, simulate each case, write the rows in one transaction, continue the
day counters, audit one ``seed`` event."""

from __future__ import annotations

import contextlib
import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from linli.cases.choices import CaseStatus
from linli.cases.models import Case, CaseCounter, CaseParty, Dispute, Extension, Step, Summons, Whistle
from linli.core import audit
from linli.core.worktime import LOCAL_TZ
from linli.places.choices import RegionKind
from linli.places.models import Region
from linli.seed.cases.rows import CasesWriter
from linli.seed.cases.simulator import Simulator
from linli.seed.cases.state import _Stop
from linli.seed.city import SeedError, progress_bar
from linli.seed.clock import EPOCH

#: Cases per scale (``city``: only when asked for with ``--cases``).
CASES: dict[str, int] = {"tiny": 500, "demo": 150_000, "city": 0}
DAYS = 730


@dataclass
class CasesReport:
    counts: dict[str, int]
    statuses: dict[str, int]
    paths: dict[str, int]  # how many cases took each notable path
    elapsed_s: float
    timings: dict[str, float]

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def default_district() -> Region:
    """The first district (by path) that has grids: the demo city's only one, the test city's 锦江区."""
    for district in Region.objects.filter(kind=RegionKind.DISTRICT).order_by("path"):
        if Region.objects.filter(kind=RegionKind.GRID, path__startswith=district.path).exists():
            return district
    raise SeedError("没有含网格的区：请先生成演示城市（linli seed）。")


def seed_cases(
    scale_name: str = "demo",
    seed: int = 2026,
    *,
    cases: int | None = None,
    district: Region | None = None,
    now: datetime.datetime | None = None,
    days: int = DAYS,
    progress: bool = False,
    log: Callable[[str], Any] | None = None,
) -> CasesReport:
    """Simulate ``cases`` cases (default: the scale's) over the ``days`` before ``now`` in ``district``.

    Writes into an empty case table in one transaction and returns what was made.
    """
    say = log or (lambda _message: None)
    started = time.perf_counter()
    target = cases if cases is not None else CASES[scale_name]
    if Case.objects.exists():
        raise SeedError(f"数据库中已有 {Case.objects.count()} 件事件；演示事件只写入空的事件库。")
    district = district or default_district()
    now = (now or timezone.now()).astimezone(LOCAL_TZ).replace(second=0, microsecond=0)
    timings: dict[str, float] = {}
    with transaction.atomic():
        writer = CasesWriter()
        writer.drop_indexes()
        sim = Simulator(writer, seed, now, days, district)
        reports = sim.draw_reports(target, days)
        sim.tally.repeated = {r.duplicate_of for r in reports if r.duplicate_of is not None}
        timings["draw"] = time.perf_counter() - started
        existing = dict(CaseCounter.objects.values_list("day", "last"))
        serials: dict[datetime.date, int] = {}
        day_of: dict[int, datetime.date] = {}
        bar = progress_bar(len(reports), desc="事件", unit="件", shown=progress, mininterval=0.5)
        with bar:
            for index, report in enumerate(reports):
                day = day_of.get(report.at // 1440)
                if day is None:
                    day = day_of[report.at // 1440] = datetime.date.fromordinal(EPOCH + report.at // 1440)
                serial = serials.get(day) or existing.get(day, 0)
                serials[day] = serial + 1
                c = sim.new_case(writer.new_id(Case), f"{day:%Y%m%d}{serial + 1:06d}", report)
                with contextlib.suppress(_Stop):  # the next act would come after "now"
                    sim.run(c)
                sim.write_case(c)
                if index % 5000 == 4999:
                    bar.update(5000)
            bar.update(len(reports) % 5000)
            writer.flush()
        timings["simulate_and_insert"] = time.perf_counter() - started - timings["draw"]
        mark = time.perf_counter()
        writer.restore_indexes()
        writer.reset_sequences()
        for day, last in serials.items():
            if day in existing:
                CaseCounter.objects.filter(day=day).update(last=last)
        CaseCounter.objects.bulk_create(
            [CaseCounter(day=day, last=last) for day, last in serials.items() if day not in existing]
        )
        timings["indexes"] = time.perf_counter() - mark
        counts = {
            "cases": writer.counts[Case],
            "steps": writer.counts[Step],
            "whistles": writer.counts[Whistle],
            "summonses": writer.counts[Summons],
            "extensions": writer.counts[Extension],
            "disputes": writer.counts[Dispute],
            "parties": writer.counts[CaseParty],
        }
        audit.record(
            None,
            "seed",
            object_type="cases.case",
            object_id="",
            object_repr="演示事件",
            region_path=district.path,
            changes={"scale": scale_name, "seed": seed, "counts": counts, "now": now.isoformat(), "days": days},
            reason="生成合成演示事件（linli seed）",
        )
    elapsed = time.perf_counter() - started
    say(
        "事件状态："
        + "，".join(f"{CaseStatus(status).label} {n}" for status, n in sorted(sim.statuses.items()))
        + "；路径："
        + "，".join(f"{path} {n}" for path, n in sorted(sim.paths.items()))
    )
    return CasesReport(counts, dict(sim.statuses), dict(sim.paths), elapsed, timings)
