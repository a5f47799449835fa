"""What every benchmark here shares: the scratch-database options, pointing Django at it, timing.

Each script prints figures and a ratio against a baseline measured in the same run; none asserts on time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def add_database_args(parser: argparse.ArgumentParser, default_sqlite: str) -> None:
    """``--pg [URL]``, ``--sqlite FILE`` and ``--fresh``."""
    parser.add_argument(
        "--pg",
        nargs="?",
        const=os.environ.get("DATABASE_URL", ""),
        default=None,
        metavar="URL",
        help="run on PostgreSQL (URL, or $DATABASE_URL when omitted)",
    )
    parser.add_argument("--sqlite", default=None, metavar="FILE", help=f"default {default_sqlite}")
    parser.add_argument("--fresh", action="store_true", help="rebuild the scratch database first")


def configure(args: argparse.Namespace, default_sqlite: str) -> str:
    """Point Django at the scratch database before settings load; returns a label for it."""
    if args.pg is not None:
        if not args.pg.startswith(("postgres://", "postgresql://")):
            sys.exit("--pg needs a postgresql:// URL (or DATABASE_URL set to one)")
        os.environ["DATABASE_URL"] = args.pg
        return str(args.pg.rsplit("@", 1)[-1])
    path = Path(args.sqlite or default_sqlite)
    if args.fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    return str(path)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(func: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    """Milliseconds of ``repeat`` runs after one warm-up, and the last result."""
    result = func()  # warm-up
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = func()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, result
