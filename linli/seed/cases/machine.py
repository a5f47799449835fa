"""The state machine on a simulated case, one method per verb (mirrors ``linli.cases.workflow``): each
sets the fields the action would and writes the ``Step`` row; whistles write their summonses."""

from __future__ import annotations

import random
from itertools import accumulate

from linli.cases import workflow
from linli.cases.choices import ExtensionStatus, Rating, WhistleKind
from linli.cases.models import Extension, Step, Summons, Whistle
from linli.seed.cases import texts
from linli.seed.cases.district import District
from linli.seed.cases.mix import P_EXTENSION_APPROVED, P_LATE_CHECK_IN, RATINGS, WHISTLE_KINDS
from linli.seed.cases.moments import SimTime
from linli.seed.cases.rows import CasesWriter
from linli.seed.cases.state import S, _Case, _Stop
from linli.seed.clock import Minute

_RATING_CHOICES = ([r for r, _w in RATINGS], list(accumulate(w for _r, w in RATINGS)))
_WHISTLE_CHOICES = ([k for k, _w in WHISTLE_KINDS], list(accumulate(w for _k, w in WHISTLE_KINDS)))


class Machine:
    """The verbs of ``linli.cases.workflow`` on a ``_Case``: status, holder, deadlines and counters as the
    actions set them, and a ``Step`` row per transition (``version`` = number of transitions)."""

    def __init__(self, writer: CasesWriter, rng: random.Random, time: SimTime, district: District) -> None:
        self.writer = writer
        self.rng = rng
        self.time = time
        self.district = district
        self._labels: dict[tuple[int, int | None], str] = {}

    def label(self, region: int, department: int | None) -> str:
        """The holder as the timeline shows it (``Case.holder_label``), at most 120 characters."""
        found = self._labels.get((region, department))
        if found is None:
            name = self.district.region_name[region]
            found = f"{name}·{self.district.departments[department]}" if department is not None else name
            found = self._labels[(region, department)] = found[:120]
        return found

    def actor_for(self, region: int, department: int | None = None) -> int | None:
        """Who acts for the holder (``region``, ``department``): ``actors.CaseActors.for_holder``, the
        seed's one copy of "who holds a case"."""
        return self.district.actors.for_holder(region, department)

    def begin(self, c: _Case, at: Minute) -> tuple[str, str]:
        if at > self.time.now:
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
                self.label(c.holder, c.holder_dept), department, note, self.time.db(c.deadline), self.time.db(at),
            ),
        )  # fmt: skip

    def holder_actor(self, c: _Case) -> int | None:
        return self.actor_for(c.holder, c.holder_dept)

    def accept(self, c: _Case, at: Minute) -> None:
        before = self.begin(c, at)
        c.status, c.accepted_at = S.ACCEPTED, at
        c.deadline = self.time.clock.add_hours(at, c.category.dispatch)
        self.finish(c, "accept", at, before, self.holder_actor(c))

    def reject(self, c: _Case, at: Minute) -> None:
        before = self.begin(c, at)
        c.status, c.deadline, c.closed_at = S.REJECTED, None, at
        self.finish(c, "reject", at, before, self.holder_actor(c), self.rng.choice(texts.REJECT_REASONS))

    def register(self, c: _Case, at: Minute) -> None:
        before = self.begin(c, at)
        c.status, c.registered_at = S.REGISTERED, at
        c.deadline = self.time.clock.add_hours(at, c.category.dispatch)
        self.finish(c, "register", at, before, self.holder_actor(c))

    def dispatch(self, c: _Case, at: Minute, to_region: int, to_department: int | None) -> None:
        before = self.begin(c, at)
        actor = self.holder_actor(c)
        c.dispatcher = c.holder
        c.holder, c.holder_dept = to_region, to_department
        c.handler, c.handler_dept = to_region, to_department
        c.status, c.dispatched_at = S.HANDLING, at
        c.due_at = self.time.clock.add_hours(at, c.category.handle)
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
        c.handling_hours = self.time.clock.between(c.dispatched_at or at, at) / 60
        c.deadline = self.time.clock.add_hours(at, c.category.verify)
        note = self.rng.choice(texts.RESULTS.get(c.category.major, texts.GENERIC_RESULTS))
        self.finish(c, "report_back", at, before, actor, note)

    def verify(self, c: _Case, at: Minute) -> None:
        before = self.begin(c, at)
        c.status = S.VERIFIED
        c.deadline = self.time.clock.add_hours(at, c.category.dispatch)
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
        parent = self.district.parent[c.holder]
        assert parent is not None
        c.holder = parent
        c.escalation_count += 1
        if c.status == S.HANDLING:
            c.handler, c.handler_dept = parent, None
        else:
            hours = c.category.accept if c.status == S.REPORTED else c.category.dispatch
            c.deadline = self.time.clock.add_hours(at, hours)
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
                     requester, self.time.db(at), None, None]  # fmt: skip
        c.extensions.append(extension)
        decided = self.time.work(at, rng.uniform(0.2, 6))
        before = self.begin(c, decided)
        approve = rng.random() < P_EXTENSION_APPROVED
        above = self.district.parent.get(c.holder) if c.holder_dept is None else c.holder
        decider = self.actor_for(above) if above else None
        extension[4] = (ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED).value
        extension[7], extension[8] = decider, self.time.db(decided)
        if approve:
            assert c.due_at is not None  # dispatched: the clock runs
            c.due_at = self.time.clock.add_hours(c.due_at, hours)
            c.deadline = c.due_at
            c.extension_count += 1
        self.finish(c, "decide_extension", decided, before, decider)
        return decided

    def supervise(self, c: _Case, at: Minute) -> None:
        before = self.begin(c, at)
        c.supervised = True
        above = (
            self.district.parent.get(c.holder)
            if c.holder_dept is None
            else self.district.parent.get(c.holder) or c.holder
        )
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
        c.deadline = self.time.clock.add_hours(at, c.category.dispatch)
        self.finish(c, "reopen", at, before, actor, self.rng.choice(texts.REOPEN_REASONS))

    def return_(self, c: _Case, at: Minute) -> None:
        before = self.begin(c, at)
        actor = self.holder_actor(c)
        c.holder, c.holder_dept = c.dispatcher, None
        c.status = S.REGISTERED
        c.return_count += 1
        c.deadline = self.time.clock.add_hours(at, c.category.dispatch)
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
        wanted += rng.sample(self.district.whistle_pool, k=rng.choice((1, 1, 2)))
        chosen = list(dict.fromkeys(d for d in wanted if d is not None))[:3]
        note = rng.choice(texts.WHISTLE_NOTES)
        whistle_id = self.writer.new_id(Whistle)
        actor = self.holder_actor(c)
        c.whistles.append((whistle_id, c.id, kind, c.holder, note, actor, self.time.db(at)))
        unit, amount = workflow.CHECK_IN_LIMIT[kind]  # as workflow.check_in_deadline
        deadline = at + round(amount) if unit == "minutes" else self.time.clock.add_hours(at, amount)
        names = "、".join(self.district.departments[d] for d in chosen)
        self.finish(c, "whistle", at, before, actor, f"{WhistleKind(kind).label}：{names}。{note}")
        summonses = []
        for department in chosen:
            row = [
                self.writer.new_id(Summons),
                whistle_id,
                c.id,
                department,
                self.time.db(deadline),
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
                arrived = self.time.work(at, check_in * (rng.uniform(1.1, 2) if late else rng.uniform(0.1, 0.9)))
            arrived = max(arrived, latest)
            before = self.begin(c, arrived)
            actor = self.actor_for(c.holder, department)
            row[5], row[6], row[7] = self.time.db(arrived), actor, arrived > deadline
            self.finish(c, "check_in", arrived, before, actor, "", department)
            latest = arrived
        for department, row in summonses:
            reported = self.time.work(latest, min(limit * 0.15, 14) * rng.uniform(0.2, 1))
            before = self.begin(c, reported)
            report = rng.choice(texts.PART_REPORTS)
            row[8], row[9] = self.time.db(reported), report
            self.finish(
                c,
                "report_part",
                reported,
                before,
                self.actor_for(c.holder, department),
                report,
                department,
            )
            latest = reported
        return latest
