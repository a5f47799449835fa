"""Benchmark: the case loop — workflow transitions, inbox and list latency, indicators — each against a baseline.

    .venv/bin/python bench/cases.py                          # 1 M cases, SQLite file under /tmp, reused
    .venv/bin/python bench/cases.py --cases 100000           # quick run
    .venv/bin/python bench/cases.py --cases 300000 --pg postgresql://user@host:5432/linli_bench

The database holds the ``demo`` city (one district, ≈ 600 grids, ≈ 30 000 buildings) and ``--cases``
cases over two years from ``linli.seed.cases`` (no residents); it is built once into a scratch
database (SQLite: ``/tmp/linli-bench-cases-<n>.sqlite3``; PostgreSQL: the database named by ``--pg``,
flushed by ``--fresh``) and reused on later runs with the same ``--cases``.

(a) Transitions per second: ``--flows`` cases go through the whole loop with the real actions and the
demo users (report by the grid worker → accept → register → dispatch (routed to the grid) → report
back → verify → close → rate: 8 transitions, each one transaction with its row lock, checks, step and
audit event), in one process and in ``--workers`` processes at once. Baseline: the rows those actions
wrote (the case, its steps, its audit events) are read back, deleted, and inserted again with the bare
ORM — ``save(force_insert=True)`` per row, one transaction per transition (the same commits as the
actions), and ``bulk_create`` per case in one transaction. Rates in transitions per second and the
ratio. The flow cases are deleted at the end, so the database stays as seeded.

(b) Inbox and list latency for one subdistrict (the demo subdistrict user's, through
``Case.objects.visible_to``): 待派遣 held by the subdistrict sorted by deadline, first page + count;
处置中 in its subtree sorted by deadline, first page + count; all its cases newest first, page 1 +
count; and page 500. Baseline: the same SQL with the case table's indexes unusable (SQLite:
``NOT INDEXED``; PostgreSQL: index and bitmap scans switched off for the query). p50/p95 in ms, the
baseline's p50 over the indexed one, and both must return the same rows.

(c) Indicators for the district over the last year: ``linli.cases.indicators.compute`` on the district
leader's cases, against computing the same counts by iterating the district's cases in Python; the
counts must agree.

It prints figures and never asserts on time.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import add_database_args, configure, percentile, timed  # noqa: E402  (bench/ is sys.path[0])

TRANSITIONS_PER_FLOW = 8


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases in the database (b, c)")
    parser.add_argument("--seed", type=int, default=2026)
    add_database_args(parser, "/tmp/linli-bench-cases-<n>.sqlite3")
    parser.add_argument("--flows", type=int, default=200, help="(a) cases through the whole workflow per run")
    parser.add_argument("--workers", type=int, default=2, help="(a) processes for the concurrent run")
    parser.add_argument("--repeat", type=int, default=20, help="(b) timed runs of each indexed query")
    parser.add_argument("--baseline-repeat", type=int, default=5, help="(b, c) timed runs of each baseline")
    parser.add_argument("--parts", default="abc", help="which parts to run: any of a, b, c")
    return parser.parse_args()


def scratch_sqlite(args: argparse.Namespace) -> str:
    return f"/tmp/linli-bench-cases-{args.cases}.sqlite3"


# --- (a) transitions per second ------------------------------------------------------------------------


def run_flows(count: int, offset: int) -> int:
    """``count`` cases through the whole loop with the real actions; returns the transitions made."""
    from linli.accounts.models import User
    from linli.cases import workflow
    from linli.cases.models import Category
    from linli.places.models import Building

    grid_worker = User.objects.get(username="grid")
    community = User.objects.get(username="community")
    grid = grid_worker.assignments.get().region
    buildings = list(Building.objects.filter(region=grid).order_by("id"))
    category = Category.objects.get(code="L0104")  # 物料乱堆: handled by the grid
    for i in range(count):
        case = workflow.report_case(
            grid_worker,
            category=category,
            title="楼道杂物堆放",
            description="单元楼道堆满纸箱和旧家具，堵塞通道。",
            building=buildings[(offset + i) % len(buildings)],
        )
        workflow.accept_case(community, case)
        workflow.register_case(community, case)
        workflow.dispatch_case(community, case)
        workflow.report_back(grid_worker, case, note="已督促清理，现场恢复通行。")
        workflow.verify_case(community, case, passed=True)
        workflow.close_case(community, case)
        workflow.rate_case(community, case, rating="satisfied")
    return count * TRANSITIONS_PER_FLOW


def _worker(count: int, offset: int, queue: Any) -> None:
    from django.db import connections

    connections.close_all()
    started = time.perf_counter()
    made = run_flows(count, offset)
    queue.put((made, time.perf_counter() - started))


def transitions(args: argparse.Namespace) -> None:
    from django.db import connection, connections, transaction
    from django.db.models import Max

    from linli.cases.models import Case, Step
    from linli.core.models import AuditEvent

    first_case = (Case.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    first_seq = (AuditEvent.objects.aggregate(m=Max("seq"))["m"] or 0) + 1
    run_flows(5, 0)  # warm-up: imports, the clock's years, query plans
    started = time.perf_counter()
    made = run_flows(args.flows, 5)
    single_s = time.perf_counter() - started

    connections.close_all()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    per_worker = max(1, args.flows // args.workers)
    started = time.perf_counter()
    processes = [context.Process(target=_worker, args=(per_worker, 1000 * (w + 1), queue)) for w in range(args.workers)]
    for process in processes:
        process.start()
    results = [queue.get() for _ in processes]
    for process in processes:
        process.join()
    parallel_s = time.perf_counter() - started
    parallel_made = sum(made for made, _s in results)

    # The rows the actions wrote, read back and written again by the bare ORM (baselines).
    cases = list(Case.objects.filter(id__gte=first_case).order_by("id"))
    steps: dict[int, list[Any]] = {}
    for step in Step.objects.filter(case_id__gte=first_case).order_by("id"):
        steps.setdefault(step.case_id, []).append(step)
    events: dict[str, list[Any]] = {}
    for event in AuditEvent.objects.filter(seq__gte=first_seq).order_by("seq"):
        events.setdefault(event.object_id, []).append(event)

    def delete() -> None:
        with transaction.atomic():
            AuditEvent.objects.filter(seq__gte=first_seq).delete()
            Case.objects.filter(id__gte=first_case).delete()

    def insert(row: Any) -> None:
        row._state.adding = True
        row.save(force_insert=True)

    delete()
    started = time.perf_counter()
    rows = 0
    for case in cases:
        case_steps, case_events = steps.get(case.pk, []), events.get(str(case.pk), [])
        for i in range(max(len(case_steps), len(case_events))):
            with transaction.atomic():
                if i == 0:
                    insert(case)
                    rows += 1
                for row in case_steps[i : i + 1] + case_events[i : i + 1]:
                    insert(row)
                    rows += 1
    per_transition_s = time.perf_counter() - started
    delete()
    started = time.perf_counter()
    for case in cases:
        with transaction.atomic():
            Case.objects.bulk_create([case])
            Step.objects.bulk_create(steps.get(case.pk, []))
            AuditEvent.objects.bulk_create(events.get(str(case.pk), []))
    bulk_s = time.perf_counter() - started
    delete()
    total = len(cases) * TRANSITIONS_PER_FLOW  # every flow case of the run (warm-up, single, workers)

    print(f"(a) transitions through the whole loop: {args.flows} cases × {TRANSITIONS_PER_FLOW} transitions")
    print(f"{'method':<66}{'seconds':>9}{'transitions/s':>15}{'ms each':>9}")
    single_rate = made / single_s
    lines = [
        ("actions, one process (report … rate, real users)", single_s, made),
        (f"actions, {args.workers} processes at once", parallel_s, parallel_made),
        ("bare ORM: save(force_insert) per row, one transaction a transition", per_transition_s, total),
        ("bare ORM: bulk_create per case, one transaction a case", bulk_s, total),
    ]
    for label, seconds, n in lines:
        print(f"{label:<66}{seconds:>9.2f}{n / seconds:>15,.0f}{seconds / n * 1000:>9.2f}")
    print(
        f"the actions run at {single_rate / (total / per_transition_s):.2f}× the bare per-transition insert rate "
        f"and {single_rate / (total / bulk_s):.2f}× the bulk rate ({rows:,} rows re-inserted; "
        f"{connection.vendor})"
    )


# --- (b) inbox and list latency ------------------------------------------------------------------------


def without_indexes(queryset: Any, *, count: bool = False) -> Callable[[], list[Any]]:
    """The queryset's SQL (or a count over it) run with the case table's indexes unusable; returns the rows."""
    from django.db import connection, transaction

    sql, params = queryset.query.sql_with_params()
    table = connection.ops.quote_name(queryset.model._meta.db_table)
    if connection.vendor == "sqlite":
        sql = sql.replace(f"FROM {table}", f"FROM {table} NOT INDEXED", 1)
    if count:
        sql = f"SELECT COUNT(*) FROM ({sql}) counted"

    def run() -> list[Any]:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                for setting in ("enable_indexscan", "enable_bitmapscan", "enable_indexonlyscan"):
                    cursor.execute(f"SET LOCAL {setting} = off")
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


def inboxes(args: argparse.Namespace) -> None:
    from linli.accounts.models import User
    from linli.cases.choices import CaseStatus
    from linli.cases.models import Case

    user = User.objects.get(username="street")
    subdistrict = user.assignments.get().region
    mine = Case.objects.visible_to(user)
    columns = ("id", "number", "title", "status", "deadline", "reported_at", "category__name", "holder_region__name")
    newest = ("-reported_at", "-id")
    total = mine.count()
    deep = max(1, min(500, total // 40))  # page 500, or the middle page of a smaller subtree
    queries: dict[str, tuple[Any, Any]] = {
        "待派遣 held, by deadline: page 1": (
            mine.held_by_region(subdistrict).filter(status=CaseStatus.REGISTERED).order_by("deadline", "id"),
            slice(0, 20),
        ),
        "处置中 in subtree, by deadline: page 1": (
            mine.filter(status=CaseStatus.HANDLING).order_by("deadline", "id"),
            slice(0, 20),
        ),
        "all cases, newest first: page 1": (mine.order_by(*newest), slice(0, 20)),
        f"all cases, newest first: page {deep}": (mine.order_by(*newest), slice((deep - 1) * 20, deep * 20)),
    }
    counts: dict[str, Any] = {
        "count 待派遣 held": mine.held_by_region(subdistrict).filter(status=CaseStatus.REGISTERED).order_by(),
        "count 处置中 in subtree": mine.filter(status=CaseStatus.HANDLING).order_by(),
        "count all cases": mine.order_by(),
    }
    print(f"(b) {subdistrict.name}: {total:,} cases in its subtree, {Case.objects.count():,} in the database")
    header = f"{'query':<40}{'indexed p50':>12}{'p95':>9}{'no index p50':>14}{'p95':>9}{'ratio':>9}{'rows':>9}"
    print(header)
    for name, (queryset, page) in queries.items():
        rows_qs = queryset.values_list(*columns)[page]

        def indexed(qs: Any = rows_qs) -> list[Any]:
            return list(qs.all())  # a fresh clone: a queryset caches its rows

        samples, rows = timed(indexed, args.repeat)
        base_samples, base_rows = timed(without_indexes(rows_qs), args.baseline_repeat)
        if [row[0] for row in rows] != [row[0] for row in base_rows]:
            sys.exit(f"{name}: the query without indexes returned other rows")
        report(name, samples, base_samples, len(rows))
    for name, queryset in counts.items():

        def count(qs: Any = queryset) -> int:
            return int(qs.count())

        samples, n = timed(count, args.repeat)
        base_samples, base_rows = timed(without_indexes(queryset.values("id"), count=True), args.baseline_repeat)
        if base_rows[0][0] != n:
            sys.exit(f"{name}: the count without indexes differs ({base_rows[0][0]} ≠ {n})")
        report(name, samples, base_samples, n)
    print("ms; the baseline runs the same SQL with the case table's indexes unusable; ratio = baseline p50 ÷ p50")


def report(name: str, samples: list[float], base: list[float], rows: int) -> None:
    p50, base_p50 = statistics.median(samples), statistics.median(base)
    print(
        f"{name:<40}{p50:>12.2f}{percentile(samples, 0.95):>9.2f}{base_p50:>14.2f}"
        f"{percentile(base, 0.95):>9.2f}{base_p50 / p50:>8.1f}×{rows:>9,}"
    )


# --- (c) indicators -------------------------------------------------------------------------------------


def python_indicators(district_path: str, start: datetime, end: datetime) -> dict[str, Any]:
    """The counts of ``indicators.compute``, by iterating every case of the district in Python."""
    from linli.cases.models import Case

    fields = (
        "status",
        "self_handled",
        "reported_at",
        "accepted_at",
        "registered_at",
        "closed_at",
        "due_at",
        "closed_on_time",
        "rework_count",
        "extension_count",
        "dispatched_at",
        "handled_at",
        "rating",
        "rated_at",
        "contacted",
        "solved",
        "handling_hours",
    )
    from linli.cases.indicators import METRICS

    n: dict[str, Any] = dict.fromkeys(METRICS, 0)
    seconds = 0.0

    def within(moment: datetime | None) -> bool:
        return moment is not None and start <= moment < end

    rows = Case.objects.values_list("region_path", *fields).iterator(chunk_size=20_000)
    for path, *row in rows:
        if not path.startswith(district_path):
            continue
        (status, self_handled, reported, accepted, registered, closed_at, due, on_time, reworks, extensions,
         dispatched, handled, rating, rated_at, contacted, solved, hours) = row  # fmt: skip
        own = self_handled and within(reported)
        n["self_handled"] += own
        n["accepted"] += within(accepted) or own
        n["registered"] += within(registered)
        closed = status == "closed" and within(closed_at)
        if closed:
            n["closed"] += 1
            n["reworked"] += reworks > 0
            n["extended"] += extensions > 0
            if not self_handled and dispatched is not None and handled is not None:
                n["timed"] += 1
                seconds += (hours or 0.0) * 3600
        if within(due) and status not in ("rejected", "merged"):
            n["due"] += 1
            if status == "closed" and closed_at is not None and closed_at < end:
                n["due_closed"] += 1
                n["due_on_time"] += on_time is True
        if within(rated_at) and rating:
            n["rated"] += 1
            n["contacted"] += contacted is True
            n["solved"] += solved is True
            n[rating] += 1
    n["handling_seconds"] = seconds
    return n


def indicator_figures(args: argparse.Namespace) -> None:
    from dataclasses import asdict

    from django.utils import timezone

    from linli.accounts.models import User
    from linli.cases.indicators import compute
    from linli.cases.models import Case

    leader = User.objects.get(username="district")
    district = leader.assignments.get().region
    end = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    start = end - timedelta(days=365)
    cases = Case.objects.visible_to(leader)

    def database() -> Any:
        return compute(cases, start, end)

    def python() -> dict[str, Any]:
        return python_indicators(district.path, start, end)

    samples, result = timed(database, args.baseline_repeat)
    base_samples, expected = timed(python, args.baseline_repeat)
    got = asdict(result)
    for name, value in expected.items():
        if name == "handling_seconds":
            if abs(got[name] - value) > 1e-6 * max(1.0, value):
                sys.exit(f"(c) handling seconds differ: {got[name]} ≠ {value}")
        elif got[name] != value:
            sys.exit(f"(c) {name} differs: compute {got[name]} ≠ Python {value}")
    print(
        f"(c) indicators of {district.name} for {start:%Y-%m-%d} – {end:%Y-%m-%d} over "
        f"{cases.count():,} cases: 受理 {result.accepted:,}, 结案 {result.closed:,}, "
        f"按期结案率 {result.on_time_rate:.2%}, 满意率 {result.satisfaction_rate:.2%}"
    )
    print(f"{'method':<52}{'p50 ms':>10}{'p95':>10}")
    print(f"{'indicators.compute (aggregates in the database)':<52}", end="")
    print(f"{statistics.median(samples):>10.1f}{percentile(samples, 0.95):>10.1f}")
    print(f"{'iterating the cases in Python (baseline)':<52}", end="")
    print(f"{statistics.median(base_samples):>10.1f}{percentile(base_samples, 0.95):>10.1f}")
    print(f"baseline ÷ compute: {statistics.median(base_samples) / statistics.median(samples):.1f}× (same counts)")


def main() -> None:
    args = parse_args()
    label = configure(args, scratch_sqlite(args))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection

    from linli.cases.models import Case
    from linli.places.models import Region
    from linli.seed import seed_city
    from linli.seed.cases import seed_cases

    call_command("migrate", verbosity=0)
    if connection.vendor == "postgresql" and args.fresh:
        call_command("flush", interactive=False, verbosity=0, allow_cascade=True)
        from linli.accounts.models import Department
        from linli.cases.catalogue import load_catalogue
        from linli.cases.models import Category

        load_catalogue(Category, Department)  # flush emptied what the data migration had loaded
    if not Region.objects.exists():
        print(f"building the demo city into {label} …", flush=True)
        city = seed_city("demo", args.seed)
        print(f"seeded {city.rows:,} place rows in {city.elapsed_s:.1f} s")
    if not Case.objects.exists():
        print(f"seeding {args.cases:,} cases …", flush=True)
        seeded = seed_cases("demo", args.seed, cases=args.cases, progress=True, log=print)
        counts = seeded.counts
        print(
            f"seeded {counts['cases']:,} cases, {counts['steps']:,} steps ({seeded.rows:,} rows) in "
            f"{seeded.elapsed_s:.1f} s ({counts['cases'] / seeded.elapsed_s:,.0f} cases/s; indexes rebuilt in "
            f"{seeded.timings['indexes']:.1f} s)"
        )
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")

    vendor = connection.vendor
    if vendor == "sqlite":
        import sqlite3

        version = sqlite3.sqlite_version
    else:
        pg = int(getattr(connection, "pg_version", 0))
        version = f"{pg // 10000}.{pg % 10000}"
    print()
    print(
        f"machine   {platform.node()} · {platform.processor() or platform.machine()} · {os.cpu_count()} CPUs · "
        f"Python {platform.python_version()} · load average {os.getloadavg()[0]:.1f}"
    )
    print(f"database  {vendor} {version} · {label} · {Case.objects.count():,} cases")
    print()
    if "a" in args.parts:
        transitions(args)
        print()
    if "b" in args.parts:
        inboxes(args)
        print()
    if "c" in args.parts:
        indicator_figures(args)


if __name__ == "__main__":
    main()
