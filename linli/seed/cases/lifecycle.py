"""One case from report to wherever "now" finds it: the path it takes (self-handled, rejected, merged,
escalated, whistled, returned, extended, supervised, reworked, late or stuck, rated, reopened),
drawn with the rates of ``mix`` and acted out through the ``Machine``."""

from __future__ import annotations

from linli.cases.choices import HandlingLevel, Rating, Source
from linli.places.choices import RegionKind
from linli.seed.cases.disputes import Disputes
from linli.seed.cases.machine import Machine
from linli.seed.cases.mix import (
    P_COMMUNITY_CALL,
    P_ESCALATE_HANDLING,
    P_ESCALATE_REGISTERED,
    P_EXTENSION,
    P_LATE,
    P_PROGRESS,
    P_RATED,
    P_REJECT,
    P_REOPEN_UNSATISFIED,
    P_RETURN,
    P_REWORK,
    P_STUCK,
    P_SUPERVISE,
    P_WHISTLE_AFTER_ESCALATION,
    SELF_HANDLE_P,
    SELF_HANDLEABLE,
)
from linli.seed.cases.state import S, Tally, _Case
from linli.seed.clock import Minute


class LifeCycle:
    """Runs one ``_Case`` from its report through the verbs until it closes or the next act would come
    after "now" (the machine raises ``_Stop``); counts the notable paths in the ``Tally``."""

    def __init__(self, machine: Machine, disputes: Disputes, tally: Tally) -> None:
        self.machine = machine
        self.disputes = disputes
        self.tally = tally
        self.rng = machine.rng
        self.time = machine.time
        self.district = machine.district

    def report(self, c: _Case) -> None:
        at = c.reported_at
        c.status, c.holder, c.holder_dept = S.REPORTED, c.grid.community, None
        c.deadline = self.time.clock.add_hours(at, c.category.accept)
        c.version = -1  # the report is not a transition: version stays 0 after it
        self.machine.finish(c, "report", at, ("", ""), c.reporter, c.description[:2000])

    def handle(self, c: _Case, t: Minute) -> Minute:
        """From dispatch to report back: notes, extensions, escalation, supervision; returns report-back time."""
        rng, limit = self.rng, c.category.handle
        roll = rng.random()
        stuck = roll < P_STUCK
        if stuck:  # months: waiting for a court, a budget, an owner abroad
            hours = rng.uniform(20, 250) * 7
            self.tally.paths["stuck"] += 1
        elif roll < P_STUCK + P_LATE:
            hours = limit * rng.uniform(1.05, 2.5)
            self.tally.paths["late"] += 1
        else:
            hours = limit * min(0.97, rng.betavariate(1.4, 3.2) + 0.02)
        late = hours > limit
        done = self.time.work(t, hours)
        if (
            c.holder_dept is None
            and self.district.region_kind[c.holder] in (RegionKind.GRID, RegionKind.COMMUNITY)
            and rng.random() < P_ESCALATE_HANDLING
        ):
            t = self.time.work(t, min(limit * 0.3, 7) * rng.uniform(0.1, 1))
            self.machine.escalate(c, t)
            self.tally.paths["escalated"] += 1
            if (
                self.district.region_kind[c.holder] in (RegionKind.SUBDISTRICT, RegionKind.COMMUNITY)
                and rng.random() < 0.12
            ):
                t = self.machine.whistle(c, self.time.work(t, rng.uniform(0.2, 3)))
                self.tally.paths["whistled"] += 1
        if rng.random() < P_PROGRESS:
            t = self.time.work(t, min(limit * 0.3, 14) * rng.uniform(0.1, 1))
            self.machine.progress(c, t)
        if rng.random() < P_EXTENSION or stuck:
            t = self.machine.extension(c, self.time.work(t, min(limit * 0.5, 21) * rng.uniform(0.2, 1)))
            self.tally.paths["extension"] += 1
        if rng.random() < P_SUPERVISE or (late and rng.random() < 0.5):
            t = self.time.work(t, min(limit * 0.5, 14) * rng.uniform(0.1, 1))
            self.machine.supervise(c, t)
            self.tally.paths["supervised"] += 1
        done = max(done, self.time.work(t, rng.uniform(0.2, 3)))
        if not late and c.due_at is not None and done > c.due_at:
            done = max(t, c.due_at)  # the notes and escalations took time, but it still made the deadline
        return done

    def after_dispatch(self, c: _Case, t: Minute) -> None:
        """Handling, report back, verification (with rework), close, rating, maybe reopening."""
        rng, category = self.rng, self.district.categories_by_id[c.category.id]
        if c.holder_dept is not None and rng.random() < P_RETURN:
            t = self.time.work(t, rng.uniform(0.5, 7))
            self.machine.return_(c, t)
            self.tally.paths["returned"] += 1
            t = self.time.work(t, category.dispatch * rng.uniform(0.1, 0.9))
            self.machine.dispatch(c, t, c.holder, None)
        dispute = category.kind == "dispute" and c.dispute is None
        if dispute:
            t = self.time.work(t, min(category.handle * 0.2, 7) * rng.uniform(0.1, 1))
            self.disputes.record_dispute(c, t)
        t = self.handle(c, t)
        if dispute:
            self.disputes.record_mediation(c, t)
        self.machine.report_back(c, t)
        if rng.random() < P_REWORK:
            t = self.time.work(t, category.verify * rng.uniform(0.1, 0.9))
            self.machine.rework(c, t)
            self.tally.paths["rework"] += 1
            t = self.time.work(t, min(category.handle, 14) * rng.uniform(0.1, 0.5))
            if c.due_at is not None and t > c.due_at and rng.random() < 0.9:
                t = max(c.due_at, c.last)
            self.machine.report_back(c, t)
        t = self.time.work(t, category.verify * rng.uniform(0.05, 0.9))
        self.machine.verify(c, t)
        t = self.time.work(t, category.dispatch * rng.uniform(0.05, 0.9))
        self.machine.close(c, t)

    def run(self, c: _Case) -> None:
        rng, category = self.rng, c.category
        self.report(c)
        t = c.reported_at
        community = c.grid.community
        if c.source == Source.PATROL and category.code in SELF_HANDLEABLE and rng.random() < SELF_HANDLE_P:
            self.machine.self_handle(c, t + rng.randint(5, 90))
            self.tally.paths["self_handled"] += 1
            self.maybe_rate(c)
            return
        t = self.time.work(
            t, category.accept * (rng.uniform(1.1, 3) if rng.random() < 0.02 else rng.uniform(0.05, 0.9))
        )
        roll = rng.random()
        if roll < P_REJECT:
            self.machine.reject(c, t)
            self.tally.paths["rejected"] += 1
            return
        target = self.tally.originals.get(c.duplicate_of) if c.duplicate_of is not None else None
        if target is not None and (target[2] is None or target[2] > t):
            self.machine.merge(c, t, target[:2])
            self.tally.paths["merged"] += 1
            return
        self.machine.accept(c, t)
        t = self.time.work(t, category.dispatch * rng.uniform(0.02, 0.4))
        self.machine.register(c, t)
        t = self.time.work(t, category.dispatch * rng.uniform(0.05, 0.9))
        whistle_escalated = False
        if category.level == HandlingLevel.SUBDISTRICT or rng.random() < P_ESCALATE_REGISTERED:
            self.machine.escalate(c, t)  # the community passes it to the subdistrict
            self.tally.paths["escalated"] += 1
            t = self.time.work(t, category.dispatch * rng.uniform(0.05, 0.9))
            whistle_escalated = rng.random() < P_WHISTLE_AFTER_ESCALATION
            if category.department is not None and not whistle_escalated:
                self.machine.dispatch(c, t, c.grid.district, category.department)
            else:
                self.machine.dispatch(c, t, c.holder, None)
        elif category.level == HandlingLevel.DEPARTMENT and category.department is not None:
            self.machine.dispatch(c, t, c.grid.district, category.department)
        elif category.level == HandlingLevel.GRID:
            self.machine.dispatch(c, t, c.grid.id, None)
        else:
            self.machine.dispatch(c, t, community, None)
        if whistle_escalated or (c.holder == community and c.holder_dept is None and rng.random() < P_COMMUNITY_CALL):
            t = self.machine.whistle(c, self.time.work(t, rng.uniform(0.1, 2)))
            self.tally.paths["whistled"] += 1
        self.after_dispatch(c, t)
        self.maybe_rate(c)
        if c.dispute is not None and c.dispute[9] is not None and rng.random() < 0.5:
            self.disputes.record_follow_up(c, self.time.days(c.last, 5, 30))
        if c.rating == Rating.UNSATISFIED and rng.random() < P_REOPEN_UNSATISFIED:
            self.machine.reopen(c, self.time.days(c.last, 0.5, 3))
            self.tally.paths["reopened"] += 1
            t = self.time.work(c.last, category.dispatch * rng.uniform(0.1, 0.9))
            # to the same handler when the dispatcher may (a department, or its own level or below)
            again = c.handler_dept is not None or self.district.region_path[c.handler].startswith(
                self.district.region_path[c.holder]
            )
            self.machine.dispatch(c, t, c.handler if again else c.holder, c.handler_dept if again else None)
            self.after_dispatch(c, t)

    def maybe_rate(self, c: _Case) -> None:
        if self.rng.random() < P_RATED:
            self.machine.rate(c, self.time.days(c.last, 0.1, 3))
