"""``linli audit verify``: walk the audit hash chain and name the first broken row."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.audit import ChainReport, verify_chain
from linli.core.models import AuditEvent


def describe_problem(report: ChainReport, found_seq: int | None) -> str:
    """The chain walker's finding in the operator's language."""
    if report.problem.startswith("missing or reordered"):
        return _("缺少或顺序错乱的记录：应为第 %(seq)s 条，实际读到第 %(found)s 条（中间的记录被删除或插入）") % {
            "seq": report.broken_seq,
            "found": found_seq if found_seq is not None else "-",
        }
    if report.problem.startswith("prev_hash"):
        return _("前一条哈希（prev_hash）与上一条记录的哈希不一致（链接被篡改）")
    if report.problem.startswith("content"):
        return _("记录内容与其哈希不一致（该记录被修改过）")
    return report.problem


class Command(BaseCommand):
    help = "校验审计日志的哈希链：完整则退出码 0，否则报告第一条断裂的记录并以非零退出。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=5000, help="每批读取的记录数")

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain(batch_size=options["batch_size"])
        if report.ok:
            self.stdout.write(self.style.SUCCESS(_("审计链完整：%(n)d 条") % {"n": report.checked}))
            return
        seq = report.broken_seq
        # A deleted row has no time of its own; show the row that now stands where it was.
        event = AuditEvent.objects.filter(seq__gte=seq).order_by("seq").first()
        when = timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S") if event else "-"
        found = event.seq if event else None
        self.stderr.write(
            _("审计链断裂：第 %(seq)s 条（时间 %(at)s）：%(problem)s。此前 %(n)d 条完好。")
            % {"seq": seq, "at": when, "problem": describe_problem(report, found), "n": report.checked}
        )
        raise CommandError(_("审计链校验失败：第 %(seq)s 条。") % {"seq": seq}, returncode=1)
