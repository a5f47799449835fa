"""The deadline sweep at known moments on the working-day clock (09:00–12:00, 13:30–17:30, Mon–Fri).

The story case: 垃圾乱丢 (grid level, 7 working hours to handle, auto-escalation after 7 overdue working
hours) dispatched to the grid on Friday 2026-03-06 at 16:00. Its handling deadline is Monday 16:00:
1.5 h on Friday afternoon, 3 h Monday morning, 2.5 h Monday afternoon.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections

from linli.cases import workflow as wf
from linli.cases.choices import CaseStatus
from linli.cases.deadlines import stage_hours, sweep, sweep_deadlines, warn_threshold_hours
from linli.cases.models import Case, Category, Step
from linli.cases.tests.conftest import TZ, rubbish
from linli.core.models import AuditEvent
from linli.testing import TestCity, build_test_city

FRIDAY = datetime(2026, 3, 6, 15, 0, tzinfo=TZ)
SATURDAY = datetime(2026, 3, 7, 10, 0, tzinfo=TZ)
SUNDAY = datetime(2026, 3, 8, 20, 0, tzinfo=TZ)
MONDAY = datetime(2026, 3, 9, 0, 0, tzinfo=TZ)
TUESDAY = datetime(2026, 3, 10, 0, 0, tzinfo=TZ)
WEDNESDAY = datetime(2026, 3, 11, 0, 0, tzinfo=TZ)


def at(day: datetime, hh: int, mm: int) -> datetime:
    return day.replace(hour=hh, minute=mm)


def dispatched_friday(city: TestCity, *, code: str = "L0103", title: str = "垃圾乱丢") -> Case:
    """Reported Friday 15:00, accepted and registered by the community, dispatched to the grid at 16:00."""
    category = Category.objects.get(code=code)
    u = city.users
    case = rubbish(city, category=category, title=title, at=FRIDAY)
    case = wf.accept_case(u["community_worker"], case, at=at(FRIDAY, 15, 10))
    case = wf.register_case(u["community_worker"], case, at=at(FRIDAY, 15, 20))
    return wf.dispatch_case(u["community_worker"], case, to_region=case.region, at=at(FRIDAY, 16, 0))


def events(case: Case, verb: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(verb=verb, object_id=str(case.pk)).order_by("seq"))


@pytest.mark.django_db
def test_overdue_follows_the_working_clock(city: TestCity) -> None:
    case = dispatched_friday(city)
    assert case.due_at == at(MONDAY, 16, 0) and case.deadline == case.due_at

    for moment in (SATURDAY, SUNDAY, at(MONDAY, 9, 0), at(MONDAY, 15, 59)):
        result = sweep(moment)
        case.refresh_from_db()
        assert result.overdue == 0 and case.is_overdue is False, moment

    result = sweep(at(MONDAY, 16, 1))
    case.refresh_from_db()
    assert result.overdue == 1
    assert case.is_overdue is True and case.overdue_since == at(MONDAY, 16, 0)
    [event] = events(case, "case_overdue")
    assert event.actor is None and event.region_path == case.region_path
    assert event.changes["is_overdue"] == [False, True]
    assert "2026-03-09 16:00" in event.reason
    # idempotent: the next sweeps find nothing new
    assert sweep(at(MONDAY, 16, 2)).overdue == 0
    assert len(events(case, "case_overdue")) == 1
    # marking overdue is not a transition: no step, the version users hold stays valid
    assert case.version == 3 and not Step.objects.filter(case=case, verb__contains="overdue").exists()


@pytest.mark.django_db
def test_holder_is_warned_once_per_stage(city: TestCity) -> None:
    case = dispatched_friday(city)
    assert stage_hours(case) == pytest.approx(7.0)
    assert warn_threshold_hours(7.0) == 2.0  # 20% of 7 h is 1.4 h: the 2-hour floor comes first
    assert warn_threshold_hours(70.0) == pytest.approx(14.0)

    for moment in (SATURDAY, at(MONDAY, 13, 59)):  # 5.5 h, then 2 h 1 min left
        assert sweep(moment).warned == 0
    case.refresh_from_db()
    assert case.warned_at is None

    result = sweep(at(MONDAY, 14, 1))
    case.refresh_from_db()
    assert result.warned == 1 and case.warned_at == at(MONDAY, 14, 1)
    [event] = events(case, "case_warn")
    assert event.actor is None and "还剩 2 个工作小时" in event.reason
    assert case.region.name in event.reason  # the holder (the grid) named
    assert sweep(at(MONDAY, 15, 0)).warned == 0  # once per stage

    # a new stage (verification, 7 h from the report back) is warned afresh when it runs short
    case = wf.report_back(city.users["grid_worker"], case, note="已清理完毕", at=at(MONDAY, 14, 40))
    assert case.deadline == at(TUESDAY, 14, 40)
    assert sweep(at(TUESDAY, 10, 0)).warned == 0  # 3 h 10 min left
    assert sweep(at(TUESDAY, 12, 50)).warned == 1  # lunch: 1 h 10 min of working time left
    assert len(events(case, "case_warn")) == 2


@pytest.mark.django_db
def test_auto_escalation_after_n_overdue_working_hours_exactly_once(city: TestCity) -> None:
    case = dispatched_friday(city)
    grid = case.holder_region
    assert case.category.escalate_after_hours == 7

    sweep(at(MONDAY, 16, 1))  # overdue from Monday 16:00
    # Tuesday 15:59: 1.5 + 3 + 2 h 29 min = 6 h 59 min overdue
    assert sweep(at(TUESDAY, 15, 59)).escalated == 0
    result = sweep(at(TUESDAY, 16, 1))
    assert result.escalated == 1 and result.escalated_numbers == [case.number]
    case.refresh_from_db()
    community = city.region("510104001001")
    assert case.holder_region == community and case.handler_region == community
    assert case.status == CaseStatus.HANDLING and case.escalation_count == 1
    step = Step.objects.get(case=case, verb="escalate")
    assert step.actor is None and step.note == "超期 7 个工作小时，自动上报"
    assert step.holder_before == grid.name and step.holder_after == community.name
    assert step.created_at == at(TUESDAY, 16, 1)
    [event] = events(case, "case_escalate")
    assert event.actor is None and event.changes["holder"] == [grid.name, community.name]

    # the same moment, and the hours after it: never twice
    for moment in (at(TUESDAY, 16, 1), at(TUESDAY, 17, 30), at(WEDNESDAY, 15, 59)):
        assert sweep(moment).escalated == 0
    assert Step.objects.filter(case=case, verb="escalate").count() == 1
    # the community had its own 7 working hours (from Tuesday 16:01); then the subdistrict gets it
    assert sweep(at(WEDNESDAY, 16, 2)).escalated == 1
    case.refresh_from_db()
    assert case.holder_region == city.region("510104001") and case.escalation_count == 2


@pytest.mark.django_db
def test_no_auto_escalation_without_a_rule_or_above_the_subdistrict(city: TestCity) -> None:
    no_rule = dispatched_friday(city, code="L0201", title="楼上漏水纠纷")  # disputes: no automatic rule
    assert no_rule.category.escalate_after_hours is None
    district_held = dispatched_friday(city, title="垃圾清运不及时")
    Case.objects.filter(pk=district_held.pk).update(holder_region=city.region("510104"))
    far = datetime(2026, 4, 30, 10, 0, tzinfo=TZ)
    result = sweep(far)
    assert result.overdue == 2 and result.escalated == 0
    assert not Step.objects.filter(verb="escalate").exists()


@pytest.mark.django_db
def test_closed_and_ended_cases_are_never_touched(city: TestCity) -> None:
    u = city.users
    closed = wf.self_handle_case(u["grid_worker"], rubbish(city, at=FRIDAY), note="已现场清理", at=FRIDAY)
    rejected = wf.reject_case(u["community_worker"], rubbish(city, at=FRIDAY), reason="重复上报", at=at(FRIDAY, 15, 5))
    before = {c.pk: (c.version, c.updated_at) for c in Case.objects.filter(pk__in=[closed.pk, rejected.pk])}
    seq = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    result = sweep(datetime(2027, 1, 1, 10, 0, tzinfo=TZ))
    assert (result.overdue, result.warned, result.escalated) == (0, 0, 0)
    for case in Case.objects.filter(pk__in=[closed.pk, rejected.pk]):
        assert (case.version, case.updated_at) == before[case.pk]
        assert case.is_overdue is False and case.warned_at is None and case.deadline is None
    assert not AuditEvent.objects.filter(seq__gt=seq).exists()


@pytest.mark.django_db
def test_the_task_and_its_command(city: TestCity, capsys: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    call_command("sweep_deadlines")
    call_command("sweep_deadlines")  # still waiting for a worker: not queued twice
    queued = DBTaskResult.objects.filter(task_path=sweep_deadlines.module_path)
    assert queued.count() == 1 and queued.get().status == "READY"
    assert "already queued" in capsys.readouterr().out
    # the task a worker runs: one sweep now, JSON-serialisable counts
    case = rubbish(city, at=FRIDAY)  # to be accepted by Friday 16:00: long past now, and escalated
    returned = sweep_deadlines.call()
    assert returned["overdue"] == 1 and returned["escalated"] == 1
    case.refresh_from_db()
    assert case.is_overdue is True and case.holder_region == city.region("510104001")
    call_command("sweep_deadlines", "--now")
    assert '"overdue": 0' in capsys.readouterr().out


# --- two sweepers at once ------------------------------------------------------------------------------


# available_apps = all of them: the flush after the test then truncates with CASCADE, which PostgreSQL
# needs for the people app's full-text table (people_person_fts references people_person and is no model).
@pytest.mark.django_db(transaction=True, serialized_rollback=True, available_apps=list(settings.INSTALLED_APPS))
def test_two_concurrent_sweeps_escalate_each_case_exactly_once() -> None:
    """Two threads, two connections to the same database (the SQLite file, or PostgreSQL), the same
    moment: each case is marked overdue once, escalated once, and every step and audit event exists once."""
    city = build_test_city()
    cases = [dispatched_friday(city, title=f"垃圾乱丢{i}号") for i in range(6)]
    sweep(at(MONDAY, 16, 1))  # overdue; the race below is the escalation (and a fresh overdue mark)
    late = dispatched_friday(city, title="垃圾乱丢迟到")  # not yet marked: both threads race to mark it

    moment = at(TUESDAY, 16, 30)
    barrier = threading.Barrier(2)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            results.append(sweep(moment, batch=2))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(results) == 2

    everyone = [*cases, late]
    assert sum(r.escalated for r in results) == len(everyone)
    assert sum(r.overdue for r in results) == 1
    for case in everyone:
        case.refresh_from_db()
        assert case.escalation_count == 1 and case.holder_region == city.region("510104001001")
        assert Step.objects.filter(case=case, verb="escalate").count() == 1
        assert len(events(case, "case_escalate")) == 1
        assert len(events(case, "case_overdue")) == 1
    call_command("audit_verify")  # the chain is intact after two writers
