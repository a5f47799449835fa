"""``linli sweep_deadlines`` — schedule the deadline sweep (linli/cases/deadlines.py).

django-tasks has no scheduler, so this command is the clock:

    linli sweep_deadlines --every 60   enqueue the ``sweep_deadlines`` task once a minute, forever
                                       (``./dev demo`` runs it beside ``db_worker``)
    linli sweep_deadlines              enqueue it once and exit (for cron)
    linli sweep_deadlines --now        run one sweep in this process, without a worker, and print it

A sweep is not enqueued again while one is still waiting in the queue (a stopped worker does not pile
them up), finished sweep results older than a day are pruned, and photos left pending by a crash or a
rollback are published or deleted (linli/cases/photos.py, ``finish_pending_uploads``). Running two of
these loops, or two workers, is safe: the sweep claims each case's work with a conditional UPDATE.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from linli.cases.deadlines import sweep, sweep_deadlines
from linli.cases.photos import finish_pending_uploads


def _queued() -> bool:
    """Whether a sweep is already waiting for a worker (django-tasks-db backend only)."""
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # another backend: enqueue every time (the sweep is idempotent)
        return False
    return DBTaskResult.objects.ready().filter(task_path=sweep_deadlines.module_path).exists()


def _prune() -> int:
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:
        return 0
    deleted, _rows = (
        DBTaskResult.objects.successful()
        .filter(task_path=sweep_deadlines.module_path, finished_at__lt=timezone.now() - timedelta(days=1))
        .delete()
    )
    return deleted


class Command(BaseCommand):
    help = "Enqueue the deadline sweep (overdue, warnings, auto-escalation); --every N to repeat, --now to run it here."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=float, default=0, help="seconds between enqueues; 0 = once and exit")
        parser.add_argument("--now", action="store_true", help="run one sweep in this process and print the result")

    def handle(self, *args: Any, every: float = 0, now: bool = False, **options: Any) -> None:
        if now:
            self.stdout.write(json.dumps(sweep().as_dict(), ensure_ascii=False))
            finish_pending_uploads()
            return
        while True:
            if _queued():
                self.stdout.write("sweep already queued")
            else:
                result = sweep_deadlines.enqueue()
                self.stdout.write(f"sweep queued: {result.id}")
            _prune()
            finish_pending_uploads()
            if every <= 0:
                return
            self.stdout.flush()
            time.sleep(every)
