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
"""

from __future__ import annotations

import contextlib
import datetime
import random
import sys
import time
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate
from types import SimpleNamespace
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from linli.accounts.models import Assignment, Department
from linli.accounts.roles import Role
from linli.cases import workflow
from linli.cases.choices import (
    CaseStatus,
    DisputeScale,
    ExtensionStatus,
    HandlingLevel,
    MediationMethod,
    PartyRole,
    Priority,
    Rating,
    Source,
    WhistleKind,
)
from linli.cases.disputes import scale_for
from linli.cases.models import Case, CaseCounter, CaseParty, Category, Dispute, Extension, Step, Summons, Whistle
from linli.core import audit
from linli.core.worktime import LOCAL_TZ
from linli.places.choices import RegionKind
from linli.places.models import Building, Region
from linli.seed import case_texts as texts
from linli.seed.case_mix import (
    CATEGORY_WEIGHTS,
    P_COMMUNITY_CALL,
    P_DUPLICATE,
    P_ESCALATE_HANDLING,
    P_ESCALATE_REGISTERED,
    P_EXTENSION,
    P_EXTENSION_APPROVED,
    P_LATE,
    P_LATE_CHECK_IN,
    P_PROGRESS,
    P_RATED,
    P_REJECT,
    P_REOPEN_UNSATISFIED,
    P_RETURN,
    P_REWORK,
    P_STUCK,
    P_SUPERVISE,
    P_WHISTLE_AFTER_ESCALATION,
    PATROL_HOURS,
    RATINGS,
    RESIDENT_HOURS,
    SEASONS,
    SELF_HANDLE_P,
    SELF_HANDLEABLE,
    SOURCES,
    WHISTLE_KINDS,
    day_weight,
)
from linli.seed.city import BulkWriter, SeedError
from linli.seed.clock import EPOCH, Clock, Minute, minute_of, moment_of

#: Cases per scale (``city``: only when asked for with ``--cases``).
CASES: dict[str, int] = {"tiny": 500, "demo": 150_000, "city": 0}
DAYS = 730
S = SimpleNamespace(**{status.name: status.value for status in CaseStatus})  # plain str values for the rows


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


# fmt: off
# The columns each row tuple supplies, in order (the writer fills any other field with its default).
CASE_FIELDS = (
    "id", "number", "region", "region_path", "source", "category", "title", "description", "priority",
    "building", "house", "lat", "lng", "address", "reporter_user", "reporter_person", "contact_name",
    "contact_phone", "status", "holder_region", "holder_department", "dispatcher_region", "handler_region",
    "handler_department", "deadline", "due_at", "reported_at", "accepted_at", "registered_at", "dispatched_at",
    "handled_at", "closed_at", "closed_on_time", "is_overdue", "overdue_since", "warned_at", "self_handled",
    "escalation_count", "supervised", "extension_count", "rework_count", "return_count", "reopen_count",
    "rating", "rating_comment", "rated_at", "contacted", "solved", "merged_into", "version", "updated_at",
    "handling_hours",
)
STEP_FIELDS = (
    "id", "case", "verb", "actor", "status_before", "status_after", "holder_before", "holder_after",
    "department", "note", "deadline", "created_at",
)
WHISTLE_FIELDS = ("id", "case", "kind", "region", "note", "blown_by", "blown_at")
SUMMONS_FIELDS = (
    "id", "whistle", "case", "department", "check_in_deadline", "checked_in_at", "checked_in_by", "late",
    "reported_at", "report",
)
EXTENSION_FIELDS = (
    "id", "case", "hours", "reason", "status", "requested_by", "requested_at", "decided_by", "decided_at",
)
DISPUTE_FIELDS = (
    "id", "case", "scale", "people_involved", "amount", "mediating_org", "method", "mediator", "agreement",
    "success", "follow_up_on", "follow_up_result",
)
PARTY_FIELDS = ("id", "case", "person", "name", "role", "phone")
# fmt: on


class CasesWriter(BulkWriter):
    ORDER = (Case, Step, Whistle, Summons, Extension, Dispute, CaseParty)
    ROW_FIELDS = {
        Case: CASE_FIELDS,
        Step: STEP_FIELDS,
        Whistle: WHISTLE_FIELDS,
        Summons: SUMMONS_FIELDS,
        Extension: EXTENSION_FIELDS,
        Dispute: DISPUTE_FIELDS,
        CaseParty: PARTY_FIELDS,
    }

    def __init__(self, batch_rows: int = 20_000) -> None:
        super().__init__(batch_rows)
        self.dropped_indexes: list[str] = []

    def drop_indexes(self) -> None:
        """SQLite: drop the secondary indexes of the (empty) case tables for the load; rebuilt after
        by ``restore_indexes`` (one sorted build beats a million random inserts into each B-tree)."""
        if connection.vendor != "sqlite":
            return
        tables = [model._meta.db_table for model in self.ORDER]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({', '.join(['%s'] * len(tables))})",
                tables,
            )
            for name, sql in cursor.fetchall():
                self.dropped_indexes.append(sql)
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")

    def restore_indexes(self) -> None:
        with connection.cursor() as cursor:
            for sql in self.dropped_indexes:
                cursor.execute(sql)
        self.dropped_indexes.clear()


class _Stop(Exception):
    """The next act would happen after "now": the case stays where it is."""


@dataclass(frozen=True)
class _Place:
    building_id: int | None
    name: str  # for the title: "锦城花园3栋" or "校园路88号"
    address: str
    lat: float | None
    lng: float | None


@dataclass(frozen=True)
class _Grid:
    id: int
    path: str
    community: int
    subdistrict: int
    district: int
    places: tuple[_Place, ...]


@dataclass(frozen=True)
class _Report:
    at: Minute
    key: int
    grid: int  # index into Simulator.grids
    category: _Category
    place: int  # index into the grid's places
    duplicate_of: int | None  # the key of the report this one repeats


@dataclass(frozen=True)
class _Category:
    id: int
    code: str
    major: str
    kind: str
    level: str
    department: int | None
    accept: float
    dispatch: float
    handle: float
    verify: float


def _cum(pairs: list[tuple[Any, float]]) -> tuple[list[Any], list[float]]:
    return [value for value, _w in pairs], list(accumulate(w for _v, w in pairs))


@dataclass(slots=True, eq=False)
class _Case:
    """The state of one case while it is simulated: the fields of ``Case`` that change, times in minutes."""

    id: int
    number: str
    key: int
    duplicate_of: int | None
    grid: _Grid
    category: _Category
    place: _Place
    reported_at: Minute
    source: str = Source.PATROL.value
    priority: str = Priority.NORMAL.value
    title: str = ""
    description: str = ""
    reporter: int | None = None
    contact_name: str = ""
    contact_phone: str = ""
    status: str = CaseStatus.REPORTED.value
    holder: int = 0
    holder_dept: int | None = None
    dispatcher: int = 0  # region ids; 0 until dispatched
    handler: int = 0
    handler_dept: int | None = None
    deadline: Minute | None = None
    due_at: Minute | None = None
    accepted_at: Minute | None = None
    registered_at: Minute | None = None
    dispatched_at: Minute | None = None
    handled_at: Minute | None = None
    closed_at: Minute | None = None
    closed_on_time: bool | None = None
    handling_hours: float | None = None
    self_handled: bool = False
    escalation_count: int = 0
    supervised: bool = False
    extension_count: int = 0
    rework_count: int = 0
    return_count: int = 0
    reopen_count: int = 0
    rating: str = ""
    rating_comment: str = ""
    rated_at: Minute | None = None
    contacted: bool | None = None
    solved: bool | None = None
    merged_into: int | None = None
    version: int = 0
    last: Minute = 0
    summonses: list[list[Any]] = field(default_factory=list)
    extensions: list[list[Any]] = field(default_factory=list)
    whistles: list[tuple[Any, ...]] = field(default_factory=list)
    dispute: list[Any] | None = None  # the Dispute row of a dispute case, once recorded
    parties: list[tuple[Any, ...]] = field(default_factory=list)


class Simulator:
    """Runs cases through the state machine's rules, writing rows into a ``CasesWriter``."""

    def __init__(self, writer: CasesWriter, seed: int, now: datetime.datetime, days: int, district: Region) -> None:
        self.writer = writer
        self.rng = random.Random(f"{seed}:cases")
        self.now: Minute = minute_of(now)
        self.first_day = now.astimezone(LOCAL_TZ).date() - datetime.timedelta(days=days - 1)
        self.clock = Clock(self.first_day)
        self.sqlite = connection.vendor == "sqlite"
        self._day_text: dict[int, str] = {}
        self._text: dict[Minute, str] = {}
        self._labels: dict[tuple[int, int | None], str] = {}
        offsets = {
            LOCAL_TZ.utcoffset(datetime.datetime(year, month, 1))
            for year in range(self.first_day.year, self.first_day.year + days // 365 + 4)
            for month in (1, 7)
        }
        if len(offsets) != 1:
            raise SeedError("演示事件按固定时差计时；TIME_ZONE 有夏令时，无法生成。")
        self.utc_offset = int(offsets.pop().total_seconds()) // 60  # type: ignore[union-attr]
        self.paths: Counter[str] = Counter()
        self.statuses: Counter[str] = Counter()
        self._load(district)

    # -- the district, its places, categories, departments and people ----------------------------

    def _load(self, district: Region) -> None:
        regions = list(Region.objects.filter(path__startswith=district.path).values_list("id", "path", "kind", "name"))
        by_path = {path: rid for rid, path, _kind, _name in regions}
        self.region_name = {rid: name for rid, _path, _kind, name in regions}
        self.region_path = {rid: path for rid, path, _kind, _name in regions}
        self.region_kind = {rid: kind for rid, _path, kind, _name in regions}
        self.parent = {rid: by_path.get(path[:-4]) for rid, path, _kind, _name in regions}
        places: dict[int, list[_Place]] = {}
        for bid, region_id, name, number, address, lat, lng in Building.objects.filter(
            region_path__startswith=district.path, region__kind=RegionKind.GRID
        ).values_list("id", "region_id", "name", "number", "address", "lat", "lng"):
            label = name or address or number
            places.setdefault(region_id, []).append(_Place(bid, label, address, lat, lng))
        self.grids: list[_Grid] = []
        for rid, path, kind, name in regions:
            if kind != RegionKind.GRID:
                continue
            community = self.parent[rid]
            subdistrict = self.parent.get(community) if community else None
            district_id = self.parent.get(subdistrict) if subdistrict else None
            if community is None or subdistrict is None or district_id is None:
                continue
            found = places.get(rid) or [_Place(None, name, name, None, None)]
            self.grids.append(_Grid(rid, path, community, subdistrict, district_id, tuple(found)))
        if not self.grids:
            raise SeedError(f"{district.name}没有网格：请先生成演示城市（linli seed）。")
        self.grids.sort(key=lambda g: g.path)
        # Busy grids (a market, a school gate) report more than quiet ones.
        grid_rng = random.Random(f"{self.rng.random()}")
        self.grid_cum = list(accumulate(grid_rng.uniform(0.4, 1.6) for _g in self.grids))

        self.departments = {pk: str(d) for pk, d in ((d.pk, d) for d in Department.objects.all())}
        self.department_by_code = dict(Department.objects.values_list("code", "id"))
        categories = []
        for c in Category.objects.filter(active=True, parent__isnull=False).select_related("parent"):
            categories.append(
                _Category(
                    c.pk,
                    c.code,
                    c.parent.code if c.parent else "",
                    c.kind,
                    c.handling_level,
                    c.department_id,
                    c.accept_hours,
                    c.dispatch_hours,
                    c.handle_hours,
                    c.verify_hours,
                )
            )
        if not categories:
            raise SeedError("没有事件分类：请先执行 migrate（cases 迁移 0002 载入分类目录）。")
        self.categories = categories
        self.category_cum = []
        for month in range(12):
            weights = [CATEGORY_WEIGHTS.get(c.code, 0.5) * SEASONS.get(c.code, (1.0,) * 12)[month] for c in categories]
            self.category_cum.append(list(accumulate(weights)))
        self.categories_by_id = {c.id: c for c in categories}
        self.sources = {kind: _cum(pairs) for kind, pairs in SOURCES.items()}
        self.whistle_pool = [
            self.department_by_code[code]
            for code in ("cg", "zj", "sj", "ga", "hb", "sw")
            if code in self.department_by_code
        ] or list(self.departments)
        # Reports that were repeated: report key -> (case id, number, closed_at or None while open).
        self.originals: dict[int, tuple[int, str, Minute | None]] = {}
        self.repeated: set[int] = set()

        # Demo users act for their level; elsewhere the step's actor is left empty.
        self.level_user: dict[int, int] = {}
        self.department_user: dict[int, int] = {}
        self.resident_user: dict[int, int] = {}
        for user_id, role, region_id, department_id in (
            Assignment.objects.active()
            .filter(region__path__startswith=district.path[:4])
            .order_by("id")
            .values_list("user_id", "role", "region_id", "department_id")
        ):
            if role == Role.DEPARTMENT_STAFF and department_id:
                self.department_user.setdefault(department_id, user_id)
            elif role == Role.RESIDENT:
                self.resident_user.setdefault(region_id, user_id)
            elif role in workflow.STAFF_ROLES and workflow.LEVEL_ROLE.get(self.region_kind.get(region_id, "")) == role:
                self.level_user.setdefault(region_id, user_id)
        # A name per grid worker (for patrol reports without a user behind them).
        names_rng = random.Random(f"{self.rng.random()}:names")
        surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
        given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅琳燕鹏辉"
        self.worker_name = {
            g.id: names_rng.choice(surnames) + "".join(names_rng.choices(given, k=names_rng.choice((1, 2))))
            for g in self.grids
        }
        self.surnames = surnames
        self.given = given

    # -- time ------------------------------------------------------------------------------------

    def db(self, minute: Minute | None) -> Any:
        """The column value: SQLite's text in UTC (what Django writes for an aware datetime), else a datetime."""
        if minute is None:
            return None
        if not self.sqlite:
            return moment_of(minute)
        found = self._text.get(minute)
        if found is not None:
            return found
        utc = minute - self.utc_offset
        day, rest = divmod(utc, 1440)
        text = self._day_text.get(day)
        if text is None:
            text = self._day_text[day] = datetime.date.fromordinal(EPOCH + day).isoformat()
        found = self._text[minute] = f"{text} {rest // 60:02d}:{rest % 60:02d}:00"
        return found

    def work(self, start: Minute, hours: float) -> Minute:
        """``hours`` of working time after ``start``, in whole minutes (at least one)."""
        return self.clock.add(start, max(1, round(hours * 60)))

    def days(self, start: Minute, low: float, high: float) -> Minute:
        """A wall-clock delay, then the next working moment (follow-up calls, reopenings)."""
        return self.clock.add(start + round(self.rng.uniform(low, high) * 1440), self.rng.randint(1, 120))

    # -- the state machine, one method per verb (mirrors linli.cases.workflow) --------------------

    def label(self, region: int, department: int | None) -> str:
        """The holder as the timeline shows it (``Case.holder_label``), at most 120 characters."""
        found = self._labels.get((region, department))
        if found is None:
            name = self.region_name[region]
            found = f"{name}·{self.departments[department]}" if department is not None else name
            found = self._labels[(region, department)] = found[:120]
        return found

    def actor_for(self, region: int, department: int | None = None) -> int | None:
        if department is not None:
            return self.department_user.get(department)
        return self.level_user.get(region)

    def begin(self, c: _Case, at: Minute) -> tuple[str, str]:
        if at > self.now:
            raise _Stop
        return c.status, self.label(c.holder, c.holder_dept)

    def finish(
        self,
        c: _Case,
        verb: str,
        at: Minute,
        before: tuple[str, str],
        actor: int | None,
        note: str = "",
        department: int | None = None,
    ) -> None:
        c.version += 1
        c.last = at
        self.writer.add(
            Step,
            (
                self.writer.new_id(Step), c.id, verb, actor, before[0], c.status, before[1],
                self.label(c.holder, c.holder_dept), department, note, self.db(c.deadline), self.db(at),
            ),
        )  # fmt: skip

    def holder_actor(self, c: _Case) -> int | None:
        return self.actor_for(c.holder, c.holder_dept)

    def accept(self, c: _Case, at: Minute) -> None:
        before = self.begin(c, at)
        c.status, c.accepted_at = S.ACCEPTED, at
        c.deadline = self.clock.add_hours(at, c.category.dispatch)
        self.finish(c, "accept", at, before, self.holder_actor(c))

    def reject(self, c: _Case, at: Minute) -> None:
        before = self.begin(c, at)
        c.status, c.deadline, c.closed_at = S.REJECTED, None, at
        self.finish(c, "reject", at, before, self.holder_actor(c), self.rng.choice(texts.REJECT_REASONS))

    def register(self, c: _Case, at: Minute) -> None:
        before = self.begin(c, at)
        c.status, c.registered_at = S.REGISTERED, at
        c.deadline = self.clock.add_hours(at, c.category.dispatch)
        self.finish(c, "register", at, before, self.holder_actor(c))

    def dispatch(self, c: _Case, at: Minute, to_region: int, to_department: int | None) -> None:
        before = self.begin(c, at)
        actor = self.holder_actor(c)
        c.dispatcher = c.holder
        c.holder, c.holder_dept = to_region, to_department
        c.handler, c.handler_dept = to_region, to_department
        c.status, c.dispatched_at = S.HANDLING, at
        c.due_at = self.clock.add_hours(at, c.category.handle)
        c.deadline = c.due_at
        self.finish(c, "dispatch", at, before, actor, department=to_department)

    def progress(self, c: _Case, at: Minute) -> None:
        before = self.begin(c, at)
        self.finish(c, "progress", at, before, self.holder_actor(c), self.rng.choice(texts.PROGRESS_NOTES))

    def report_back(self, c: _Case, at: Minute) -> None:
        before = self.begin(c, at)
        actor = self.holder_actor(c)
        c.holder, c.holder_dept = c.dispatcher, None
        c.status, c.handled_at = S.HANDLED, at
        c.handling_hours = self.clock.between(c.dispatched_at or at, at) / 60
        c.deadline = self.clock.add_hours(at, c.category.verify)
        note = self.rng.choice(texts.RESULTS.get(c.category.major, texts.GENERIC_RESULTS))
        self.finish(c, "report_back", at, before, actor, note)

    def verify(self, c: _Case, at: Minute) -> None:
        before = self.begin(c, at)
        c.status = S.VERIFIED
        c.deadline = self.clock.add_hours(at, c.category.dispatch)
        self.finish(c, "verify", at, before, self.holder_actor(c), self.rng.choice(texts.VERIFY_NOTES))

    def rework(self, c: _Case, at: Minute) -> None:
        before = self.begin(c, at)
        actor = self.holder_actor(c)
        c.holder, c.holder_dept = c.handler, c.handler_dept
        c.status, c.deadline = S.HANDLING, c.due_at
        c.rework_count += 1
        self.finish(c, "rework", at, before, actor, self.rng.choice(texts.REWORK_REASONS), c.handler_dept)

    def close(self, c: _Case, at: Minute) -> None:
        before = self.begin(c, at)
        c.status, c.closed_at, c.deadline = S.CLOSED, at, None
        c.closed_on_time = bool(c.due_at and c.handled_at and c.handled_at <= c.due_at)
        self.finish(c, "close", at, before, self.holder_actor(c))

    def rate(self, c: _Case, at: Minute) -> None:
        before = self.begin(c, at)
        rating = self.rng.choices(_RATING_CHOICES[0], cum_weights=_RATING_CHOICES[1])[0]
        c.rating, c.rated_at, c.contacted = rating, at, True
        c.rating_comment = self.rng.choice(texts.RATING_COMMENTS[rating])
        c.solved = rating != Rating.UNSATISFIED
        actor = c.reporter if c.reporter is not None else self.actor_for(c.grid.community)  # or the 回访 staff
        self.finish(c, "rate", at, before, actor, c.rating_comment)

    def escalate(self, c: _Case, at: Minute) -> None:
        before = self.begin(c, at)
        actor = self.holder_actor(c)
        parent = self.parent[c.holder]
        assert parent is not None
        c.holder = parent
        c.escalation_count += 1
        if c.status == S.HANDLING:
            c.handler, c.handler_dept = parent, None
        else:
            hours = c.category.accept if c.status == S.REPORTED else c.category.dispatch
            c.deadline = self.clock.add_hours(at, hours)
        self.finish(c, "escalate", at, before, actor, self.rng.choice(texts.ESCALATE_NOTES))

    def self_handle(self, c: _Case, at: Minute) -> None:
        before = self.begin(c, at)
        c.status, c.self_handled = S.CLOSED, True
        c.handled_at = c.closed_at = at
        c.handling_hours = 0.0
        c.due_at = c.due_at or at
        c.closed_on_time, c.deadline = True, None
        self.finish(c, "self_handle", at, before, c.reporter, self.rng.choice(texts.SELF_HANDLED))

    def extension(self, c: _Case, at: Minute) -> Minute:
        """Request an extension (the holder) and have it decided (the level above); returns the decision time."""
        before = self.begin(c, at)
        rng = self.rng
        hours = float(rng.choice((7, 14, 21, 35)))
        reason = rng.choice(texts.EXTENSION_REASONS)
        requester = self.holder_actor(c)
        self.finish(c, "request_extension", at, before, requester, reason)
        extension = [self.writer.new_id(Extension), c.id, hours, reason, ExtensionStatus.PENDING.value,
                     requester, self.db(at), None, None]  # fmt: skip
        c.extensions.append(extension)
        decided = self.work(at, rng.uniform(0.2, 6))
        before = self.begin(c, decided)
        approve = rng.random() < P_EXTENSION_APPROVED
        above = self.parent.get(c.holder) if c.holder_dept is None else c.holder
        decider = self.actor_for(above) if above else None
        extension[4] = (ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED).value
        extension[7], extension[8] = decider, self.db(decided)
        if approve:
            assert c.due_at is not None  # dispatched: the clock runs
            c.due_at = self.clock.add_hours(c.due_at, hours)
            c.deadline = c.due_at
            c.extension_count += 1
        self.finish(c, "decide_extension", decided, before, decider)
        return decided

    def supervise(self, c: _Case, at: Minute) -> None:
        before = self.begin(c, at)
        c.supervised = True
        above = self.parent.get(c.holder) if c.holder_dept is None else self.parent.get(c.holder) or c.holder
        self.finish(c, "supervise", at, before, self.actor_for(above) if above else None,
                    self.rng.choice(texts.SUPERVISE_NOTES))  # fmt: skip

    def merge(self, c: _Case, at: Minute, into: tuple[int, str]) -> None:
        before = self.begin(c, at)
        c.status, c.merged_into, c.deadline, c.closed_at = S.MERGED, into[0], None, at
        self.finish(c, "merge", at, before, self.holder_actor(c), texts.MERGE_NOTE)

    def reopen(self, c: _Case, at: Minute) -> None:
        before = self.begin(c, at)
        actor = self.actor_for(c.dispatcher)
        c.holder, c.holder_dept = c.dispatcher, None
        c.status = S.REGISTERED
        c.reopen_count += 1
        c.closed_at = c.closed_on_time = None
        c.deadline = self.clock.add_hours(at, c.category.dispatch)
        self.finish(c, "reopen", at, before, actor, self.rng.choice(texts.REOPEN_REASONS))

    def return_(self, c: _Case, at: Minute) -> None:
        before = self.begin(c, at)
        actor = self.holder_actor(c)
        c.holder, c.holder_dept = c.dispatcher, None
        c.status = S.REGISTERED
        c.return_count += 1
        c.deadline = self.clock.add_hours(at, c.category.dispatch)
        self.finish(c, "return", at, before, actor, self.rng.choice(texts.RETURN_REASONS))

    def whistle(self, c: _Case, at: Minute) -> Minute:
        """吹哨, then each summoned department checks in (some late) and reports its part; returns when done."""
        rng = self.rng
        before = self.begin(c, at)
        limit = c.category.handle
        if limit <= 14:  # a case due within two days is whistled as hard or emergency: the check-in must be quick
            kind = WhistleKind.EMERGENCY.value if limit <= 2 or rng.random() < 0.4 else WhistleKind.HARD.value
        else:
            kind = rng.choices(_WHISTLE_CHOICES[0], cum_weights=_WHISTLE_CHOICES[1])[0]
        wanted = [c.category.department] if c.category.department else []
        wanted += rng.sample(self.whistle_pool, k=rng.choice((1, 1, 2)))
        chosen = list(dict.fromkeys(d for d in wanted if d is not None))[:3]
        note = rng.choice(texts.WHISTLE_NOTES)
        whistle_id = self.writer.new_id(Whistle)
        actor = self.holder_actor(c)
        c.whistles.append((whistle_id, c.id, kind, c.holder, note, actor, self.db(at)))
        unit, amount = workflow.CHECK_IN_LIMIT[kind]  # as workflow.check_in_deadline
        deadline = at + round(amount) if unit == "minutes" else self.clock.add_hours(at, amount)
        names = "、".join(self.departments[d] for d in chosen)
        self.finish(c, "whistle", at, before, actor, f"{WhistleKind(kind).label}：{names}。{note}")
        summonses = []
        for department in chosen:
            row = [
                self.writer.new_id(Summons),
                whistle_id,
                c.id,
                department,
                self.db(deadline),
                None,
                None,
                False,
                None,
                "",
            ]
            c.summonses.append(row)
            summonses.append((department, row))
        latest = at
        for department, row in summonses:
            late = rng.random() < P_LATE_CHECK_IN
            if kind == WhistleKind.EMERGENCY:
                minutes = rng.randint(31, 120) if late else rng.randint(8, 29)
                arrived = at + minutes
            else:
                check_in = workflow.CHECK_IN_LIMIT[kind][1]
                arrived = self.work(at, check_in * (rng.uniform(1.1, 2) if late else rng.uniform(0.1, 0.9)))
            arrived = max(arrived, latest)
            before = self.begin(c, arrived)
            actor = self.department_user.get(department)
            row[5], row[6], row[7] = self.db(arrived), actor, arrived > deadline
            self.finish(c, "check_in", arrived, before, actor, "", department)
            latest = arrived
        for department, row in summonses:
            reported = self.work(latest, min(limit * 0.15, 14) * rng.uniform(0.2, 1))
            before = self.begin(c, reported)
            report = rng.choice(texts.PART_REPORTS)
            row[8], row[9] = self.db(reported), report
            self.finish(c, "report_part", reported, before, self.department_user.get(department), report, department)
            latest = reported
        return latest

    # -- disputes (linli.cases.disputes: record_dispute, record_mediation, record_follow_up) -----------

    def person_name(self) -> str:
        rng = self.rng
        return rng.choice(self.surnames) + "".join(rng.choices(self.given, k=rng.choice((1, 2))))

    def record_dispute(self, c: _Case, at: Minute) -> None:
        before = self.begin(c, at)
        rng = self.rng
        code = c.category.code
        if code == "L0204":
            people = rng.randint(3, 25)
        elif code == "L0205":
            people = rng.randint(2, 30)
        else:
            people = rng.choices((2, 3, 4, 6), weights=(80, 10, 6, 4))[0]
        scale = scale_for(people)
        amount = None
        if code in ("L0201", "L0203", "L0204", "L0205") and rng.random() < 0.7:
            amount = Decimal(rng.randint(5, 2000) * (100 if code in ("L0204", "L0205") else 10))
        names = [self.person_name() for _ in range(2)]
        for name, role in zip(names, (PartyRole.APPLICANT.value, PartyRole.RESPONDENT.value), strict=True):
            phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}" if rng.random() < 0.8 else ""
            c.parties.append((self.writer.new_id(CaseParty), c.id, None, name, role, phone))
        c.dispute = [self.writer.new_id(Dispute), c.id, scale, people, amount, "", "", "", "", None, None, ""]
        note = f"{DisputeScale(scale).label}，涉及 {people} 人；当事人：{names[0]}（申请方）、{names[1]}（被申请方）"
        self.finish(c, "dispute", at, before, self.holder_actor(c), note)

    def record_mediation(self, c: _Case, at: Minute) -> None:
        before = self.begin(c, at)
        assert c.dispute is not None
        rng = self.rng
        method = rng.choices(_METHODS, weights=(80, 10, 6, 4))[0]
        org = f"{self.region_name[c.grid.community]}人民调解委员会"
        if method == MediationMethod.INDUSTRY:
            org = "物业纠纷调解委员会" if c.category.code == "L0203" else "劳动争议调解中心"
        mediator = self.person_name()
        success = rng.random() < 0.88
        agreement = rng.choice(texts.AGREEMENTS.get(c.category.code, ("双方达成和解。",))) if success else ""
        follow_up_on = datetime.date.fromordinal(EPOCH + at // 1440 + rng.randint(7, 30))
        c.dispute[5:10] = [org, method, mediator, agreement, success]
        c.dispute[10] = follow_up_on if not self.sqlite else follow_up_on.isoformat()
        outcome = "调解成功" if success else "调解未成功"
        note = f"{MediationMethod(method).label} · {org} · {mediator}：{outcome}" + (
            f"。{agreement}" if agreement else ""
        )
        self.finish(c, "mediation", at, before, self.holder_actor(c), note)

    def record_follow_up(self, c: _Case, at: Minute) -> None:
        before = self.begin(c, at)
        assert c.dispute is not None
        result = self.rng.choice(texts.FOLLOW_UP_RESULTS)
        c.dispute[11] = result
        self.finish(c, "follow_up", at, before, self.actor_for(c.grid.community), result)

    # -- one case from report to wherever "now" finds it ------------------------------------------

    def report(self, c: _Case) -> None:
        at = c.reported_at
        c.status, c.holder, c.holder_dept = S.REPORTED, c.grid.community, None
        c.deadline = self.clock.add_hours(at, c.category.accept)
        c.version = -1  # the report is not a transition: version stays 0 after it
        self.finish(c, "report", at, ("", ""), c.reporter, c.description[:2000])

    def handle(self, c: _Case, t: Minute) -> Minute:
        """From dispatch to report back: notes, extensions, escalation, supervision; returns report-back time."""
        rng, limit = self.rng, c.category.handle
        roll = rng.random()
        stuck = roll < P_STUCK
        if stuck:  # months: waiting for a court, a budget, an owner abroad
            hours = rng.uniform(20, 250) * 7
            self.paths["stuck"] += 1
        elif roll < P_STUCK + P_LATE:
            hours = limit * rng.uniform(1.05, 2.5)
            self.paths["late"] += 1
        else:
            hours = limit * min(0.97, rng.betavariate(1.4, 3.2) + 0.02)
        late = hours > limit
        done = self.work(t, hours)
        if (
            c.holder_dept is None
            and self.region_kind[c.holder] in (RegionKind.GRID, RegionKind.COMMUNITY)
            and rng.random() < P_ESCALATE_HANDLING
        ):
            t = self.work(t, min(limit * 0.3, 7) * rng.uniform(0.1, 1))
            self.escalate(c, t)
            self.paths["escalated"] += 1
            if self.region_kind[c.holder] in (RegionKind.SUBDISTRICT, RegionKind.COMMUNITY) and rng.random() < 0.12:
                t = self.whistle(c, self.work(t, rng.uniform(0.2, 3)))
                self.paths["whistled"] += 1
        if rng.random() < P_PROGRESS:
            t = self.work(t, min(limit * 0.3, 14) * rng.uniform(0.1, 1))
            self.progress(c, t)
        if rng.random() < P_EXTENSION or stuck:
            t = self.extension(c, self.work(t, min(limit * 0.5, 21) * rng.uniform(0.2, 1)))
            self.paths["extension"] += 1
        if rng.random() < P_SUPERVISE or (late and rng.random() < 0.5):
            t = self.work(t, min(limit * 0.5, 14) * rng.uniform(0.1, 1))
            self.supervise(c, t)
            self.paths["supervised"] += 1
        done = max(done, self.work(t, rng.uniform(0.2, 3)))
        if not late and c.due_at is not None and done > c.due_at:
            done = max(t, c.due_at)  # the notes and escalations took time, but it still made the deadline
        return done

    def after_dispatch(self, c: _Case, t: Minute) -> None:
        """Handling, report back, verification (with rework), close, rating, maybe reopening."""
        rng, category = self.rng, self.categories_by_id[c.category.id]
        if c.holder_dept is not None and rng.random() < P_RETURN:
            t = self.work(t, rng.uniform(0.5, 7))
            self.return_(c, t)
            self.paths["returned"] += 1
            t = self.work(t, category.dispatch * rng.uniform(0.1, 0.9))
            self.dispatch(c, t, c.holder, None)
        dispute = category.kind == "dispute" and c.dispute is None
        if dispute:
            t = self.work(t, min(category.handle * 0.2, 7) * rng.uniform(0.1, 1))
            self.record_dispute(c, t)
        t = self.handle(c, t)
        if dispute:
            self.record_mediation(c, t)
        self.report_back(c, t)
        if rng.random() < P_REWORK:
            t = self.work(t, category.verify * rng.uniform(0.1, 0.9))
            self.rework(c, t)
            self.paths["rework"] += 1
            t = self.work(t, min(category.handle, 14) * rng.uniform(0.1, 0.5))
            if c.due_at is not None and t > c.due_at and rng.random() < 0.9:
                t = max(c.due_at, c.last)
            self.report_back(c, t)
        t = self.work(t, category.verify * rng.uniform(0.05, 0.9))
        self.verify(c, t)
        t = self.work(t, category.dispatch * rng.uniform(0.05, 0.9))
        self.close(c, t)

    def run(self, c: _Case) -> None:
        rng, category = self.rng, c.category
        self.report(c)
        t = c.reported_at
        community = c.grid.community
        if c.source == Source.PATROL and category.code in SELF_HANDLEABLE and rng.random() < SELF_HANDLE_P:
            self.self_handle(c, t + rng.randint(5, 90))
            self.paths["self_handled"] += 1
            self.maybe_rate(c)
            return
        t = self.work(t, category.accept * (rng.uniform(1.1, 3) if rng.random() < 0.02 else rng.uniform(0.05, 0.9)))
        roll = rng.random()
        if roll < P_REJECT:
            self.reject(c, t)
            self.paths["rejected"] += 1
            return
        target = self.originals.get(c.duplicate_of) if c.duplicate_of is not None else None
        if target is not None and (target[2] is None or target[2] > t):
            self.merge(c, t, target[:2])
            self.paths["merged"] += 1
            return
        self.accept(c, t)
        t = self.work(t, category.dispatch * rng.uniform(0.02, 0.4))
        self.register(c, t)
        t = self.work(t, category.dispatch * rng.uniform(0.05, 0.9))
        whistle_escalated = False
        if category.level == HandlingLevel.SUBDISTRICT or rng.random() < P_ESCALATE_REGISTERED:
            self.escalate(c, t)  # the community passes it to the subdistrict
            self.paths["escalated"] += 1
            t = self.work(t, category.dispatch * rng.uniform(0.05, 0.9))
            whistle_escalated = rng.random() < P_WHISTLE_AFTER_ESCALATION
            if category.department is not None and not whistle_escalated:
                self.dispatch(c, t, c.grid.district, category.department)
            else:
                self.dispatch(c, t, c.holder, None)
        elif category.level == HandlingLevel.DEPARTMENT and category.department is not None:
            self.dispatch(c, t, c.grid.district, category.department)
        elif category.level == HandlingLevel.GRID:
            self.dispatch(c, t, c.grid.id, None)
        else:
            self.dispatch(c, t, community, None)
        if whistle_escalated or (c.holder == community and c.holder_dept is None and rng.random() < P_COMMUNITY_CALL):
            t = self.whistle(c, self.work(t, rng.uniform(0.1, 2)))
            self.paths["whistled"] += 1
        self.after_dispatch(c, t)
        self.maybe_rate(c)
        if c.dispute is not None and c.dispute[9] is not None and rng.random() < 0.5:
            self.record_follow_up(c, self.days(c.last, 5, 30))
        if c.rating == Rating.UNSATISFIED and rng.random() < P_REOPEN_UNSATISFIED:
            self.reopen(c, self.days(c.last, 0.5, 3))
            self.paths["reopened"] += 1
            t = self.work(c.last, category.dispatch * rng.uniform(0.1, 0.9))
            # to the same handler when the dispatcher may (a department, or its own level or below)
            again = c.handler_dept is not None or self.region_path[c.handler].startswith(self.region_path[c.holder])
            self.dispatch(c, t, c.handler if again else c.holder, c.handler_dept if again else None)
            self.after_dispatch(c, t)

    def maybe_rate(self, c: _Case) -> None:
        if self.rng.random() < P_RATED:
            self.rate(c, self.days(c.last, 0.1, 3))

    # -- drawing the reports ---------------------------------------------------------------------

    def draw_reports(self, count: int, days: int) -> list[_Report]:
        """About ``count`` reports over the ``days`` up to now, in time order; some are duplicates of
        an earlier report (a second caller about the same problem), to be merged into it."""
        rng = self.rng
        day_list = [self.first_day + datetime.timedelta(days=i) for i in range(days)]
        day_cum = list(accumulate(day_weight(day) for day in day_list))
        patrol_cum = list(accumulate(PATROL_HOURS))
        resident_cum = list(accumulate(RESIDENT_HOURS))
        reports: list[_Report] = []
        grid_cum, n_grids = self.grid_cum, len(self.grids)
        while len(reports) < count:
            day = rng.choices(day_list, cum_weights=day_cum)[0]
            category = rng.choices(self.categories, cum_weights=self.category_cum[day.month - 1])[0]
            hours = patrol_cum if category.kind in ("event", "component", "hazard") else resident_cum
            midnight = (day.toordinal() - EPOCH) * 1440
            for _attempt in range(5):
                hour = min(23, bisect_right(hours, rng.random() * hours[-1]))
                moment = midnight + hour * 60 + rng.randrange(60)
                if moment <= self.now:
                    break
            else:
                moment = self.now - rng.randint(1, 600)
            grid = min(n_grids - 1, bisect_right(grid_cum, rng.random() * grid_cum[-1]))
            place = rng.randrange(len(self.grids[grid].places))
            key = len(reports)
            reports.append(_Report(moment, key, grid, category, place, None))
            if category.kind not in ("consult", "help") and rng.random() < P_DUPLICATE:
                again = moment + rng.randint(10, 1440)
                if again <= self.now:
                    reports.append(_Report(again, key + 1, grid, category, place, key))
        del reports[count:]  # a duplicate comes after its original: never one without the other
        reports.sort(key=lambda r: r.at)
        return reports

    def new_case(self, case_id: int, number: str, report: _Report) -> _Case:
        rng, category, grid = self.rng, report.category, self.grids[report.grid]
        place = grid.places[report.place]
        c = _Case(case_id, number, report.key, report.duplicate_of, grid, category, place, report.at)
        values, cum = self.sources.get(category.kind, self.sources["event"])
        c.source = rng.choices(values, cum_weights=cum)[0]
        if category.major == "E04" or rng.random() < 0.01:
            c.priority = Priority.EMERGENCY.value
        elif rng.random() < 0.06:
            c.priority = Priority.URGENT.value
        phrase, description = rng.choice(texts.CASE_TEXTS.get(category.code, texts.GENERIC_TEXT))
        c.title = (place.name + texts.fill(phrase, rng))[:100]
        opening = rng.choice(texts.OPENINGS.get(c.source, ("",)))
        c.description = f"{opening}{place.address}，{texts.fill(description, rng)}"
        if c.source == Source.PATROL:
            c.reporter = self.level_user.get(grid.id)
            if c.reporter is None:
                c.contact_name = self.worker_name[grid.id]
        elif c.source in (Source.PORTAL, Source.HOTLINE, Source.HALL, Source.VISIT):
            if c.source == Source.PORTAL:
                c.reporter = self.resident_user.get(grid.id)
            c.contact_name = rng.choice(self.surnames) + rng.choice(texts.CONTACT_SUFFIXES)
            c.contact_phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        return c

    def write_case(self, c: _Case) -> None:
        """The case row (after its steps: the writer flushes cases first, so steps find their case)."""
        open_ = c.status in _OPEN
        overdue_since = None
        if open_ and c.deadline is not None and c.deadline < self.now:
            overdue_since = c.deadline
        elif c.status == S.CLOSED and c.closed_on_time is False and c.due_at is not None:
            overdue_since = c.due_at  # the deadline task had flagged it before it closed
        place, db = c.place, self.db
        self.writer.add(
            Case,
            (
                c.id, c.number, c.grid.id, c.grid.path, c.source, c.category.id, c.title, c.description,
                c.priority, place.building_id, None, place.lat, place.lng, place.address[:200], c.reporter, None,
                c.contact_name, c.contact_phone, c.status, c.holder, c.holder_dept, c.dispatcher or None,
                c.handler or None, c.handler_dept, db(c.deadline), db(c.due_at), db(c.reported_at), db(c.accepted_at),
                db(c.registered_at), db(c.dispatched_at), db(c.handled_at), db(c.closed_at), c.closed_on_time,
                overdue_since is not None, db(overdue_since), None, c.self_handled, c.escalation_count,
                c.supervised, c.extension_count, c.rework_count, c.return_count, c.reopen_count, c.rating,
                c.rating_comment, db(c.rated_at), c.contacted, c.solved, c.merged_into, c.version, db(c.last),
                c.handling_hours,
            ),
        )  # fmt: skip
        for row in c.whistles:
            self.writer.add(Whistle, row)
        for summons in c.summonses:
            self.writer.add(Summons, tuple(summons))
        for extension in c.extensions:
            self.writer.add(Extension, tuple(extension))
        if c.dispute is not None:
            self.writer.add(Dispute, tuple(c.dispute))
            for party in c.parties:
                self.writer.add(CaseParty, party)
        self.statuses[c.status] += 1
        if overdue_since is not None:
            self.paths["open_overdue" if open_ else "closed_late"] += 1
        if c.key in self.repeated and (c.status in _OPEN or c.status == S.CLOSED):
            self.originals[c.key] = (c.id, c.number, c.closed_at if c.status == S.CLOSED else None)


_METHODS = [
    m.value
    for m in (MediationMethod.PEOPLE, MediationMethod.INDUSTRY, MediationMethod.LAWYER, MediationMethod.JUDICIAL)
]
_OPEN = frozenset((S.REPORTED, S.ACCEPTED, S.REGISTERED, S.HANDLING, S.HANDLED, S.VERIFIED))
_RATING_CHOICES = ([r for r, _w in RATINGS], list(accumulate(w for _r, w in RATINGS)))
_WHISTLE_CHOICES = ([k for k, _w in WHISTLE_KINDS], list(accumulate(w for _k, w in WHISTLE_KINDS)))


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
        sim.repeated = {r.duplicate_of for r in reports if r.duplicate_of is not None}
        timings["draw"] = time.perf_counter() - started
        existing = dict(CaseCounter.objects.values_list("day", "last"))
        serials: dict[datetime.date, int] = {}
        day_of: dict[int, datetime.date] = {}
        bar = tqdm(
            total=len(reports),
            desc="事件",
            unit="件",
            disable=None if progress else True,
            file=sys.stderr,
            dynamic_ncols=True,
            mininterval=0.5,
        )
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
