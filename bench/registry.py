"""Benchmark: person search latency against a LIKE scan, and bulk seeding rate against raw executemany.

    .venv/bin/python bench/registry.py                       # 1 M persons, SQLite file under /tmp, reused
    .venv/bin/python bench/registry.py --persons 100000      # quick run
    .venv/bin/python bench/registry.py --persons 5000000 --pg postgresql://user@host:5432/linli_bench

The persons are seeded by ``linli.seed.people`` into the ``demo`` city's dwellings (≈ 290 000; past
≈ 120 000 households, flats get a second household and more) in a scratch database, reused on later
runs with the same ``--persons``; ``--fresh`` rebuilds it.

(a) Search: for each query kind — Chinese names of two characters, of three characters, pinyin
initials, ID numbers, mobile phone numbers — ``--queries`` values are drawn from the persons, and
each is answered by ``linli.people.search.search_persons(Person.objects.all(), q)`` and by a LIKE
scan (the baseline: ``name LIKE '%q%' OR former_names LIKE '%q%'``; ``name_initials LIKE 'q%' OR
name_pinyin LIKE 'q%'``; the digest column compared with LIKE, i.e. without its index; ``phone LIKE
'%q%'``). Both fetch every matching id. Latency p50/p95 per kind, the baseline's p50 over search's,
and recall: the share of the baseline's persons that search returns (for names it must be 1.0).
Also the first page (20 rows, search order), which is what the person list shows.

(b) Seeding: in a transaction that is rolled back, ``seed_people`` writes ``--seed-persons`` persons
into empty people tables (timed end to end: generation, encryption, search keys, inserts, search
index); the rows it wrote are read back, deleted, and inserted again with a plain ``executemany``
of the same INSERT statements (the floor: the database's own insert cost). Persons/s and the ratio.

It prints figures and never asserts on time.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import add_database_args, configure, percentile, timed  # noqa: E402  (bench/ is sys.path[0])

MEAN_HOUSEHOLD = 2.46  # persons per household in linli.seed.people


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--persons", type=int, default=1_000_000, help="persons to search among (approximate)")
    parser.add_argument("--seed", type=int, default=2026)
    add_database_args(parser, "/tmp/linli-bench-registry-<n>.sqlite3")
    parser.add_argument("--queries", type=int, default=30, help="queries per kind")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each query (after one warm-up)")
    parser.add_argument("--seed-persons", type=int, default=100_000, help="persons for the seeding comparison; 0 skips")
    parser.add_argument("--seed-only", action="store_true", help="build and seed the scratch database, then stop")
    return parser.parse_args()


def scratch_sqlite(args: argparse.Namespace) -> str:
    return f"/tmp/linli-bench-registry-{args.persons}.sqlite3"


def seeding_comparison(persons: int, seed: int) -> None:
    """(b): seed_people vs raw executemany of the same rows, in a transaction rolled back at the end."""
    from django.db import connection, transaction

    from linli.people.models import Person
    from linli.seed.people import PeopleWriter, seed_people

    if Person.objects.exists():
        print("(b) skipped: the people tables are not empty (run with --fresh to include it)")
        return
    households = round(persons / MEAN_HOUSEHOLD)
    writer = PeopleWriter()
    with transaction.atomic():
        report = seed_people("demo", seed + 1, households=households)
        n = report.counts["persons"]
        captured: dict[Any, tuple[str, list[tuple[Any, ...]]]] = {}
        with connection.cursor() as cursor:
            for model in PeopleWriter.ORDER:
                sql, _extra = writer.statements[model]
                columns = sql[sql.index("(") + 1 : sql.index(")")]
                cursor.execute(f"SELECT {columns} FROM {model._meta.db_table} ORDER BY id")
                captured[model] = (sql, cursor.fetchall())
            for model in reversed(PeopleWriter.ORDER):
                cursor.execute(f"DELETE FROM {model._meta.db_table}")
        rows = sum(len(r) for _sql, r in captured.values())
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for _model, (sql, model_rows) in captured.items():
                for start in range(0, len(model_rows), 20_000):
                    cursor.executemany(sql, model_rows[start : start + 20_000])
        raw_s = time.perf_counter() - started
        transaction.set_rollback(True)
    t = report.timings
    print(f"(b) seeding {n:,} persons ({rows:,} rows in 5 tables), into empty people tables")
    print(f"{'method':<52}{'seconds':>9}{'persons/s':>12}{'rows/s':>11}")
    print(f"{'seed_people (generate, encrypt, keys, insert, index)':<52}{report.elapsed_s:>9.1f}", end="")
    print(f"{n / report.elapsed_s:>12,.0f}{rows / report.elapsed_s:>11,.0f}")
    print(f"{'raw executemany of the same rows (baseline)':<52}{raw_s:>9.1f}{n / raw_s:>12,.0f}{rows / raw_s:>11,.0f}")
    print(f"seed_people takes {report.elapsed_s / raw_s:.1f}× the raw insert time; of its {report.elapsed_s:.1f} s:")
    print(
        f"  generation, inserts and search-index rows {t['generate_and_insert']:.1f} s (encryption + digest "
        f"{t['encrypt']:.1f} s = {t['encrypt'] / n * 1e6:.0f} µs a person, in the worker process when parallel), "
        f"rebuilding the table indexes {t['indexes']:.1f} s"
    )


def main() -> None:
    args = parse_args()
    label = configure(args, scratch_sqlite(args))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection

    from linli.core import crypto
    from linli.people.models import Person
    from linli.people.search import search_persons
    from linli.places.models import Region
    from linli.seed import seed_city
    from linli.seed.people import seed_people

    call_command("migrate", verbosity=0)
    if connection.vendor == "postgresql" and args.fresh:
        # CASCADE: the search side tables reference persons.
        call_command("flush", interactive=False, verbosity=0, allow_cascade=True)
    if not Region.objects.exists():
        print(f"building the demo tree into {label} …", flush=True)
        report = seed_city("demo", args.seed)
        print(f"seeded {report.rows:,} place rows in {report.elapsed_s:.1f} s")
    if args.seed_persons:
        seeding_comparison(args.seed_persons, args.seed)
        print()
    if not Person.objects.exists():
        households = round(args.persons / MEAN_HOUSEHOLD)
        print(f"seeding ≈ {args.persons:,} persons ({households:,} households) …", flush=True)
        people = seed_people("demo", args.seed, households=households, progress=True, log=print)
        n = people.counts["persons"]
        print(
            f"seeded {n:,} persons, {people.rows:,} rows in {people.elapsed_s:.1f} s "
            f"({n / people.elapsed_s:,.0f} persons/s; encryption {people.timings['encrypt']:.1f} s, "
            f"rebuilding indexes {people.timings['indexes']:.1f} s)"
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    if args.seed_only:
        return

    # -- (a) the queries ----------------------------------------------------------------------------
    rng = random.Random(args.seed)
    total = Person.objects.count()
    max_id = Person.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def sample(condition: Callable[[Any], bool], value: Callable[[Any], str]) -> list[str]:
        found: list[str] = []
        while len(found) < args.queries:
            person = Person.objects.filter(id__gte=rng.randint(1, max_id)).order_by("id").first()
            if person is not None and condition(person):
                found.append(value(person))
        return found

    resident = "resident_id"
    kinds: dict[str, list[str]] = {
        "name, 2 characters": sample(lambda p: len(p.name) == 2, lambda p: p.name),
        "name, 3 characters": sample(lambda p: len(p.name) == 3, lambda p: p.name),
        "pinyin initials, 2": sample(lambda p: len(p.name_initials) == 2, lambda p: p.name_initials),
        "pinyin initials, 3": sample(lambda p: len(p.name_initials) == 3, lambda p: p.name_initials),
        "ID number": sample(lambda p: p.id_type == resident, lambda p: crypto.decrypt(p.id_number_encrypted)),
        "phone": sample(lambda p: bool(p.phone), lambda p: p.phone),
    }

    def baseline_sql(kind: str, q: str) -> tuple[str, list[str]]:
        table = Person._meta.db_table
        if kind.startswith("name"):
            return f"SELECT id FROM {table} WHERE name LIKE %s OR former_names LIKE %s", [f"%{q}%"] * 2
        if kind.startswith("pinyin initials"):
            return f"SELECT id FROM {table} WHERE name_initials LIKE %s OR name_pinyin LIKE %s", [f"{q}%"] * 2
        if kind == "ID number":
            return f"SELECT id FROM {table} WHERE (id_digest || '') LIKE %s", [crypto.digest(q)]
        return f"SELECT id FROM {table} WHERE phone LIKE %s", [f"%{q}%"]

    def like_scan(kind: str, q: str) -> set[int]:
        sql, params = baseline_sql(kind, q)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {row[0] for row in cursor.fetchall()}

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
    print(f"database  {vendor} {version} · {label}")
    print(f"persons   {total:,}")
    print(f"queries   {args.queries} per kind, each timed {args.repeat}× after a warm-up; p50/p95 over all timings")
    print()
    header = f"{'query kind':<20}{'search p50':>11}{'p95':>9}{'page p50':>10}{'LIKE p50':>10}{'p95':>9}"
    print(header + f"{'LIKE ÷ search':>15}{'hits':>8}{'recall':>8}")
    for kind, queries in kinds.items():
        search_ms: list[float] = []
        page_ms: list[float] = []
        like_ms: list[float] = []
        found = expected = hits = 0
        for q in queries:

            def search_all(q: str = q) -> set[int]:
                return set(search_persons(Person.objects.all(), q).values_list("id", flat=True))

            def first_page(q: str = q) -> list[int]:
                return list(search_persons(Person.objects.all(), q).values_list("id", flat=True)[:20])

            def baseline(q: str = q, kind: str = kind) -> set[int]:
                return like_scan(kind, q)

            samples, ids = timed(search_all, args.repeat)
            search_ms += samples
            samples, _page = timed(first_page, args.repeat)
            page_ms += samples
            samples, truth = timed(baseline, args.repeat)
            like_ms += samples
            found += len(truth & ids)
            expected += len(truth)
            hits += len(ids)
        recall = found / expected if expected else 1.0
        p50, like_p50 = statistics.median(search_ms), statistics.median(like_ms)
        print(
            f"{kind:<20}{p50:>11.2f}{percentile(search_ms, 0.95):>9.2f}{statistics.median(page_ms):>10.2f}"
            f"{like_p50:>10.2f}{percentile(like_ms, 0.95):>9.2f}{like_p50 / p50:>14.1f}×"
            f"{hits / len(queries):>8.1f}{recall:>8.3f}"
        )
    print()
    print("ms; hits: mean persons search returned per query; recall: share of the LIKE scan's persons found by search")


if __name__ == "__main__":
    main()
