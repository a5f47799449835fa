"""``linli seed --scale tiny|demo|city [--seed N] [--if-empty] [--people/--no-people] [--cases N | --no-cases]``.

The city (regions, buildings, houses, demo users), then its residents (``linli.seed.people``):
persons, households, residence and tags, then two years of cases in its district (``linli.seed.cases``).
``city`` scale seeds people only with ``--people`` and cases only with ``--cases N``.
"""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from linli.cases.models import Case
from linli.core.models import AuditEvent
from linli.people.models import Person
from linli.places.models import Region
from linli.seed import DEMO_PASSWORD, SCALES, SeedError, seed_city
from linli.seed.cases import CASES, seed_cases
from linli.seed.people import seed_people
from linli.seed.users import DemoLogin, existing_demo_logins


class Command(BaseCommand):
    help = "生成合成演示城市（区域树、楼栋、单元、房屋、实有人口、演示事件、各角色演示账号）。只写入没有区域的空库。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            choices=sorted(SCALES),
            default="demo",
            help="tiny：测试用；demo：一个区约 30 万套房屋；city：20 个区，供基准测试",
        )
        parser.add_argument("--seed", type=int, default=2026, help="随机种子；相同种子生成相同的代码与地址")
        parser.add_argument("--if-empty", action="store_true", help="库中已有区域时跳过（./dev demo 使用）")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")
        parser.add_argument(
            "--people",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="同时生成实有人口（tiny、demo 默认生成；city 规模需显式指定 --people）",
        )
        parser.add_argument(
            "--cases",
            type=int,
            default=None,
            metavar="N",
            help="生成 N 件近两年的演示事件（默认 demo 150000、tiny 500；city 规模需显式指定）",
        )
        parser.add_argument("--no-cases", action="store_true", help="不生成演示事件")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Region.objects.exists():
            self.stdout.write(_("库中已有区域数据，跳过生成演示城市。"))
            seeded = (
                AuditEvent.objects.filter(verb="seed", object_type="places.region")
                .order_by("-seq")
                .values_list("changes", flat=True)
                .first()
            )
            # A demo database built before the registry existed gets its residents now.
            if seeded is not None and not Person.objects.exists():
                wanted = options["people"] if options["people"] is not None else seeded["scale"] != "city"
                if wanted:
                    self.seed_people(seeded["scale"], seeded["seed"], progress=not options["no_progress"])
            # … and a demo database built before the case loop existed gets its cases.
            if seeded is not None and not Case.objects.exists():
                self.seed_cases(seeded["scale"], seeded["seed"], options)
            self.print_logins(existing_demo_logins())
            return
        try:
            report = seed_city(
                options["scale"],
                options["seed"],
                progress=not options["no_progress"],
                log=lambda message: self.stdout.write(message),
            )
        except SeedError as exc:
            raise CommandError(str(exc)) from exc
        rate = report.rows / report.elapsed_s if report.elapsed_s else 0.0
        counts = report.counts
        self.stdout.write(
            _(
                "已生成演示城市（规模 %(scale)s，种子 %(seed)d）：区域 %(regions)d，小区 %(estates)d，"
                "楼栋 %(buildings)d，单元 %(units)d，房屋 %(houses)d。"
            )
            % {"scale": report.scale, "seed": report.seed, **counts}
        )
        self.stdout.write(
            _("用时 %(s).1f 秒，共 %(rows)d 行，%(rate).0f 行/秒。")
            % {"s": report.elapsed_s, "rows": report.rows, "rate": rate}
        )
        self.stdout.write(
            _("覆盖检查用的有意问题：%(u)d 栋楼未划入网格（挂在社区），%(m)d 栋楼的位置落在相邻网格内。")
            % {"u": len(report.unassigned_buildings), "m": len(report.misplaced_buildings)}
        )
        with_people = options["people"] if options["people"] is not None else report.scale != "city"
        if with_people:
            self.seed_people(report.scale, report.seed, progress=not options["no_progress"])
        self.seed_cases(report.scale, report.seed, options)
        self.print_logins(report.logins)

    def seed_cases(self, scale: str, seed: int, options: dict[str, Any]) -> None:
        count = options["cases"] if options["cases"] is not None else CASES[scale]
        if options["no_cases"] or count <= 0:
            return
        try:
            report = seed_cases(
                scale,
                seed,
                cases=count,
                progress=not options["no_progress"],
                log=lambda message: self.stdout.write(message),
            )
        except SeedError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("已生成演示事件：%(cases)d 件，处置步骤 %(steps)d 条，吹哨 %(whistles)d 次，延期申请 %(extensions)d 件。")
            % report.counts
        )
        self.stdout.write(
            _("用时 %(s).1f 秒（重建索引 %(index).1f 秒），%(rate).0f 件/秒。")
            % {
                "s": report.elapsed_s,
                "index": report.timings.get("indexes", 0.0),
                "rate": report.counts["cases"] / report.elapsed_s if report.elapsed_s else 0.0,
            }
        )

    def seed_people(self, scale: str, seed: int, *, progress: bool) -> None:
        try:
            people = seed_people(scale, seed, progress=progress, log=lambda message: self.stdout.write(message))
        except SeedError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _(
                "已生成实有人口：%(persons)d 人，%(households)d 户，"
                "居住登记 %(residences)d 条，人员标签 %(person_tags)d 个。"
            )
            % people.counts
        )
        self.stdout.write(
            _(
                "用时 %(s).1f 秒（加密 %(enc).1f 秒在并行进程中，重建索引 %(index).1f 秒），"
                "共 %(rows)d 行，%(rate).0f 行/秒，%(prate).0f 人/秒。"
            )
            % {
                "s": people.elapsed_s,
                "enc": people.timings.get("encrypt", 0.0),
                "index": people.timings.get("indexes", 0.0),
                "rows": people.rows,
                "rate": people.rows / people.elapsed_s if people.elapsed_s else 0.0,
                "prate": people.counts["persons"] / people.elapsed_s if people.elapsed_s else 0.0,
            }
        )

    def print_logins(self, logins: list[DemoLogin]) -> None:
        if not logins:
            return
        self.stdout.write("")
        self.stdout.write(_("演示账号（密码均为 %(password)s，仅用于演示库）：") % {"password": DEMO_PASSWORD})
        rows = [(_("用户名"), _("角色"), _("区域"))] + [
            (
                login.username,
                login.role_label + (f"（{login.department}）" if login.department else ""),
                login.region_name,
            )
            for login in logins
        ]
        widths = [max(_display_width(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            self.stdout.write("  ".join(_pad(cell, width) for cell, width in zip(row, widths, strict=True)).rstrip())


def _display_width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _display_width(text))
