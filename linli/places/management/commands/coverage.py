"""``linli coverage --region CODE``: print the coverage report of a region (default: every root)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from linli.places.coverage import coverage_report, format_report
from linli.places.models import Region


class Command(BaseCommand):
    help = "覆盖情况报告：不在网格内的楼栋和房屋、坐标落在网格外的楼栋、重叠的网格、没有边界的网格。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", help=_("区域代码（默认：全部顶级区域）"))
        parser.add_argument("--limit", type=int, default=200, help=_("每类最多列出多少条"))
        parser.add_argument("--fail", action="store_true", help=_("有问题时以状态 1 退出（用于巡检脚本）"))

    def handle(self, *args: Any, **options: Any) -> None:
        code = options.get("region")
        if code:
            roots = list(Region.objects.filter(code=code.strip()))
            if not roots:
                raise CommandError(_("找不到代码为“%(code)s”的区域。") % {"code": code})
        else:
            roots = list(Region.objects.filter(depth=1))
        all_ok = True
        for root in roots:
            report = coverage_report(root, limit=options["limit"])
            all_ok = all_ok and report.ok
            self.stdout.write(format_report(report))
        if options["fail"] and not all_ok:
            raise CommandError(_("覆盖检查未通过。"), returncode=1)
