"""Benchmark: count the houses under each subdistrict of a district — path prefixes vs a recursive CTE.

    .venv/bin/python bench/tree.py --scale city          # SQLite file under /tmp, built once, reused
    .venv/bin/python bench/tree.py --scale demo          # quick run
    .venv/bin/python bench/tree.py --scale city --pg postgresql://user@host:5432/linli_bench

The tree is built by ``linli.seed`` (``city``: 20 districts, ≈ 6.9 M houses) into a scratch
database and reused on later runs of the same scale. Methods, each timed over ``--repeat`` runs
after ``--warmup`` runs; every method must return the same counts:

- baseline: the adjacency-list design — a ``parent_id`` column (built here from the paths into a
  side table with an index, not timed) walked by one ``WITH RECURSIVE`` query joined to houses;
- ``startswith``: ``House.objects.filter(region_path__startswith=sub.path).count()`` per
  subdistrict, which is what ``visible_to`` / ``within`` generate;
- ``range``: the same prefix as an index range, ``path >= p AND path < successor(p)``;
- ``group by``: one query over the district grouping by ``Substr(region_path, 1, len)``.

It prints figures and never asserts on time.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--scale", choices=["tiny", "demo", "city"], default="city")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--pg",
        nargs="?",
        const=os.environ.get("DATABASE_URL", ""),
        default=None,
        metavar="URL",
        help="run on PostgreSQL (URL, or $DATABASE_URL when omitted)",
    )
    parser.add_argument(
        "--sqlite", default=None, metavar="FILE", help="SQLite file (default /tmp/linli-bench-<scale>.sqlite3)"
    )
    parser.add_argument("--fresh", action="store_true", help="rebuild the scratch database first")
    parser.add_argument("--district", default="510117", help="district code (default 郫都区 510117)")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    return parser.parse_args()


def configure(args: argparse.Namespace) -> str:
    """Point Django at the scratch database before settings load; returns a label for it."""
    if args.pg is not None:
        if not args.pg.startswith(("postgres://", "postgresql://")):
            sys.exit("--pg needs a postgresql:// URL (or DATABASE_URL set to one)")
        os.environ["DATABASE_URL"] = args.pg
        return args.pg.rsplit("@", 1)[-1]
    path = Path(args.sqlite or f"/tmp/linli-bench-{args.scale}.sqlite3")
    if args.fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    return str(path)


def successor(prefix: str) -> str:
    """The smallest path greater than every path starting with ``prefix`` (paths use ALPHABET)."""
    chars = list(prefix)
    for i in range(len(chars) - 1, -1, -1):
        position = ALPHABET.index(chars[i])
        if position + 1 < len(ALPHABET):
            return "".join(chars[:i]) + ALPHABET[position + 1]
    return prefix + "~"


def timed(func: Callable[[], dict[str, int]], repeat: int, warmup: int) -> tuple[list[float], dict[str, int]]:
    result: dict[str, int] = {}
    for _ in range(warmup):
        result = func()
    samples: list[float] = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = func()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, result


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    args = parse_args()
    label = configure(args)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.db.models.functions import Substr

    from linli.core.models import AuditEvent
    from linli.places.models import House, Region
    from linli.seed import seed_city

    call_command("migrate", verbosity=0)
    seeded = AuditEvent.objects.filter(verb="seed").order_by("-seq").values_list("changes", flat=True).first()
    if (seeded is None and Region.objects.exists()) or (seeded is not None and seeded.get("scale") != args.scale):
        if connection.vendor == "postgresql" and args.fresh:
            call_command("flush", interactive=False, verbosity=0)
        else:
            sys.exit(f"{label} holds another tree; run with --fresh (drops everything in that database)")
    if not Region.objects.exists():
        print(f"building the {args.scale} tree into {label} …", flush=True)
        report = seed_city(args.scale, args.seed, progress=True, log=print)
        print(f"seeded {report.rows:,} rows in {report.elapsed_s:.1f} s ({report.rows / report.elapsed_s:,.0f} rows/s)")
    with connection.cursor() as cursor:
        # Fresh statistics; on PostgreSQL also the visibility map, so counts can be index-only scans
        # (what autovacuum gives a table that has settled after its bulk load).
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")

    # The baseline's parent links: what an adjacency-list tree would store in a parent_id column.
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_region_parent")
        cursor.execute("CREATE TABLE bench_region_parent (id bigint PRIMARY KEY, parent_id bigint)")
        cursor.execute(
            "INSERT INTO bench_region_parent (id, parent_id) SELECT c.id, p.id FROM places_region c "
            "LEFT JOIN places_region p ON p.path = substr(c.path, 1, length(c.path) - 4)"
        )
        cursor.execute("CREATE INDEX bench_region_parent_idx ON bench_region_parent (parent_id)")
        cursor.execute("ANALYZE")

    district = Region.objects.get(code=args.district)
    subdistricts = list(Region.objects.filter(path__startswith=district.path, depth=district.depth + 1))
    by_path = {s.path: s.code for s in subdistricts}
    by_id = {s.id: s.code for s in subdistricts}
    width = len(district.path) + Region.steplen

    def recursive_cte() -> dict[str, int]:
        ids = [s.id for s in subdistricts]
        sql = (
            "WITH RECURSIVE below(id, top) AS ("
            f" SELECT id, id FROM bench_region_parent WHERE id IN ({', '.join(['%s'] * len(ids))})"
            " UNION ALL SELECT c.id, below.top FROM bench_region_parent c JOIN below ON c.parent_id = below.id)"
            " SELECT below.top, count(*) FROM places_house h JOIN below ON h.region_id = below.id GROUP BY below.top"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, ids)
            return {by_id[top]: n for top, n in cursor.fetchall()}

    def startswith_each() -> dict[str, int]:
        return {s.code: House.objects.filter(region_path__startswith=s.path).count() for s in subdistricts}

    def range_each() -> dict[str, int]:
        return {
            s.code: House.objects.filter(region_path__gte=s.path, region_path__lt=successor(s.path)).count()
            for s in subdistricts
        }

    def group_by(prefix_filter: dict[str, Any]) -> Callable[[], dict[str, int]]:
        def run() -> dict[str, int]:
            rows = (
                House.objects.filter(**prefix_filter)
                .annotate(sub=Substr("region_path", 1, width))
                .values("sub")
                .annotate(n=Count("id"))
                .order_by()
            )
            return {by_path[row["sub"]]: row["n"] for row in rows}

        return run

    methods: list[tuple[str, Callable[[], dict[str, int]]]] = [
        ("recursive CTE over parent_id (baseline)", recursive_cte),
        ("startswith, one count per subdistrict", startswith_each),
        ("path range, one count per subdistrict", range_each),
        ("GROUP BY Substr, startswith on district", group_by({"region_path__startswith": district.path})),
        (
            "GROUP BY Substr, path range on district",
            group_by({"region_path__gte": district.path, "region_path__lt": successor(district.path)}),
        ),
    ]

    houses = House.objects.count()
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
        f"Python {platform.python_version()}"
    )
    print(f"database  {vendor} {version} · {label}")
    print(f"tree      {Region.objects.count():,} regions · {houses:,} houses")
    print(
        f"district  {district.name} ({district.code}) · {len(subdistricts)} subdistricts · "
        f"{House.objects.filter(region_path__startswith=district.path).count():,} houses"
    )
    print(f"runs      {args.repeat} timed after {args.warmup} warm-up")
    print()
    print(f"{'method':<44}{'median ms':>12}{'p95 ms':>10}{'baseline ÷':>12}")
    baseline_median = 0.0
    expected: dict[str, int] | None = None
    for name, func in methods:
        samples, result = timed(func, args.repeat, args.warmup)
        if expected is None:
            expected = result
        elif result != expected:
            sys.exit(f"{name} counted differently: {result} != {expected}")
        median = statistics.median(samples)
        baseline_median = baseline_median or median
        print(f"{name:<44}{median:>12.2f}{p95(samples):>10.2f}{baseline_median / median:>11.2f}×")
    assert expected is not None
    print()
    print("houses per subdistrict: " + ", ".join(f"{code} {n:,}" for code, n in sorted(expected.items())))


if __name__ == "__main__":
    main()
