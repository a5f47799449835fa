"""Demo cases (`linli.seed.cases`): rows the state machine would have written, so the actions carry on from them.

The seed simulates each case through a model of ``linli.cases.workflow``; these tests hold it to the
machine's invariants on the test city (deadlines while open, the handling clock from dispatch, step
chains ending in the case's status, versions, places inside the district, unique sortable numbers)
and continue seeded cases with the real actions.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from linli.accounts.models import Assignment, User
from linli.accounts.roles import Role
from linli.cases import workflow
from linli.cases.choices import CLOCK_STATUSES, OPEN_STATUSES, CaseStatus
from linli.cases.disputes import scale_for
from linli.cases.models import Case, CaseCounter, Category, Dispute, Step, Summons
from linli.core.models import AuditEvent
from linli.core.worktime import add_working_time, working_seconds_between
from linli.places.choices import RegionKind
from linli.places.models import Region
from linli.seed.cases import CasesReport, seed_cases
from linli.seed.clock import Clock, minute_of, moment_of
from linli.testing import TEST_PASSWORD, TestCity

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 4, 10, 30, tzinfo=TZ)  # a Wednesday morning, two weeks after the Spring Festival week


@pytest.fixture
def seeded(city: TestCity) -> CasesReport:
    return seed_cases("tiny", 7, cases=600, now=NOW, days=45)


def steps_by_case() -> dict[int, list[Step]]:
    steps: dict[int, list[Step]] = defaultdict(list)
    for step in Step.objects.order_by("created_at", "id"):
        steps[step.case_id].append(step)
    return steps


def test_open_cases_have_a_deadline_and_the_clock_runs_from_dispatch(seeded: CasesReport) -> None:
    cases = list(Case.objects.all())
    assert len(cases) == 600
    for case in cases:
        if case.status in OPEN_STATUSES:
            assert case.deadline is not None, case.number
            assert case.is_overdue == (case.deadline < NOW), case.number
        else:
            assert case.deadline is None, case.number
        if case.status in CLOCK_STATUSES:
            assert case.due_at is not None and case.dispatched_at is not None, case.number
            assert case.dispatcher_region_id is not None and case.handler_region_id is not None
        if case.dispatched_at is not None:
            assert case.registered_at is not None and case.accepted_at is not None
            assert case.reported_at <= case.accepted_at <= case.registered_at <= case.dispatched_at


def test_every_step_chain_starts_with_the_report_and_ends_in_the_case_status(seeded: CasesReport) -> None:
    steps = steps_by_case()
    assert sum(len(s) for s in steps.values()) == seeded.counts["steps"]
    for case in Case.objects.select_related("holder_region", "holder_department"):
        chain = steps[case.pk]
        assert chain[0].verb == "report" and chain[0].status_before == "" and chain[0].created_at == case.reported_at
        for before, after in itertools.pairwise(chain):
            assert after.status_before == before.status_after, (case.number, before.verb, after.verb)
            assert after.holder_before == before.holder_after, (case.number, before.verb, after.verb)
            assert after.created_at >= before.created_at
        assert chain[-1].status_after == case.status, case.number
        assert chain[-1].holder_after == case.holder_label
        assert chain[-1].deadline == case.deadline
        assert case.version == len(chain) - 1  # every transition bumps the version; the report does not
        assert case.updated_at == chain[-1].created_at
        assert all(step.created_at <= NOW for step in chain)


def test_closed_cases_close_after_their_report_and_on_time_means_handled_before_due(seeded: CasesReport) -> None:
    closed = Case.objects.filter(status=CaseStatus.CLOSED)
    assert closed.count() > 300
    for case in closed:
        assert case.closed_at is not None and case.closed_at >= case.reported_at
        assert case.handled_at is not None and case.due_at is not None
        assert case.closed_on_time == (case.handled_at <= case.due_at), case.number
        if case.self_handled:
            assert case.handling_hours == 0.0
        else:  # as report_back writes it: working time from the (last) dispatch
            assert case.dispatched_at is not None and case.handling_hours is not None
            expected = working_seconds_between(case.dispatched_at, case.handled_at) / 3600
            assert case.handling_hours == pytest.approx(expected), case.number
        if case.rating and not case.reopen_count:  # a reopened case keeps its first rating
            assert case.rated_at is not None and case.rated_at >= case.closed_at
            assert case.solved == (case.rating != "unsatisfied")
    for case in Case.objects.filter(status__in=[CaseStatus.REJECTED, CaseStatus.MERGED]):
        assert case.closed_at is not None and case.closed_at >= case.reported_at
    for case in Case.objects.filter(status=CaseStatus.MERGED):
        assert case.merged_into is not None and case.merged_into.reported_at <= case.reported_at
        assert case.merged_into.category_id == case.category_id and case.merged_into.region_id == case.region_id


def test_cases_lie_in_the_district_and_are_held_on_their_path(seeded: CasesReport, city: TestCity) -> None:
    district = city.region("510104")
    grids = {r.pk: r for r in Region.objects.filter(kind=RegionKind.GRID)}
    assert not Case.objects.exclude(region_path__startswith=district.path).exists()
    for case in Case.objects.select_related("holder_region"):
        assert case.region_id in grids and case.region_path == grids[case.region_id].path
        assert case.region_path.startswith(case.holder_region.path), case.number
        if case.building_id is not None:
            assert case.building.region_id == case.region_id  # type: ignore[union-attr]


def test_numbers_are_unique_sortable_and_the_counters_continue_after_them(seeded: CasesReport, city: TestCity) -> None:
    rows = list(Case.objects.order_by("reported_at", "id").values_list("number", "reported_at"))
    numbers = [number for number, _at in rows]
    assert len(set(numbers)) == len(numbers)
    assert numbers == sorted(numbers)
    for number, at in rows:
        assert number[:8] == timezone.localtime(at).strftime("%Y%m%d")
    today = max(numbers)[:8]
    counter = CaseCounter.objects.get(day=datetime.strptime(today, "%Y%m%d").date())
    assert counter.last == int(max(numbers)[8:])
    fresh = workflow.report_case(
        city.users["grid_worker"],
        category=Category.objects.get(code="L0104"),
        title="楼道杂物堆放",
        house=city.houses[0],
        at=NOW,
    )
    assert fresh.number > max(numbers)


def test_the_mix_has_the_paths_of_a_real_district(seeded: CasesReport) -> None:
    statuses = Counter(Case.objects.values_list("status", flat=True))
    total = sum(statuses.values())
    self_handled = Case.objects.filter(self_handled=True).count()
    assert 0.2 < self_handled / total < 0.5
    assert statuses[CaseStatus.REJECTED] / total < 0.1
    assert Step.objects.filter(verb="escalate").exists()
    assert Step.objects.filter(verb="whistle").count() == seeded.counts["whistles"]
    rated = Case.objects.exclude(rating="").count()
    assert 0.4 < rated / statuses[CaseStatus.CLOSED] < 0.8
    assert sum(1 for status in statuses if status in OPEN_STATUSES) >= 2  # the newest cases are still open
    for summons in Summons.objects.exclude(checked_in_at=None):
        assert summons.late == (summons.checked_in_at > summons.check_in_deadline)  # type: ignore[operator]
    assert AuditEvent.objects.filter(verb="seed", object_type="cases.case").count() == 1
    disputes = Case.objects.filter(category__kind="dispute", dispatched_at__isnull=False)
    assert disputes.exists()
    for case in disputes.prefetch_related("parties"):  # 登记纠纷情况 right after dispatch
        dispute = Dispute.objects.filter(case=case).first()
        if dispute is None:
            assert case.steps.order_by("-created_at", "-id")[0].verb == "dispatch"  # "now" came first
            continue
        assert dispute.scale == scale_for(dispute.people_involved)
        assert len(case.parties.all()) == 2
        if case.status == CaseStatus.CLOSED:
            assert dispute.success is not None and case.steps.filter(verb="mediation").exists()


def holder(case: Case) -> User:
    """A new user assigned exactly where the case is held (the level's role, or the holding department)."""
    user = User.objects.create_user(username=f"holder{case.pk}", password=TEST_PASSWORD)
    role: str = Role.DEPARTMENT_STAFF
    if case.holder_department_id is None:
        role = workflow.LEVEL_ROLE[case.holder_region.kind]
    Assignment.objects.create(
        user=user,
        role=role,
        region=case.holder_region,
        region_path=case.holder_region.path,
        department=case.holder_department,
    )
    return user


def test_the_actions_carry_on_from_seeded_cases(seeded: CasesReport) -> None:
    at = NOW + timedelta(minutes=5)
    moved: list[str] = []
    next_verb = {
        CaseStatus.REPORTED: "accept",
        CaseStatus.ACCEPTED: "register",
        CaseStatus.REGISTERED: "dispatch",
        CaseStatus.HANDLING: "report_back",
        CaseStatus.HANDLED: "verify",
        CaseStatus.VERIFIED: "close",
    }
    for status, verb in reversed(next_verb.items()):  # latest first: a moved case is not picked again
        candidates = Case.objects.filter(status=status).select_related("holder_region").order_by("id")
        case = next((c for c in candidates if not c.summonses.filter(reported_at=None).exists()), None)
        if case is None:
            continue
        user = holder(case)
        assert verb in workflow.allowed_verbs(user, case), (case.number, status)
        version = case.version
        if status == CaseStatus.REPORTED:
            workflow.accept_case(user, case, expected_version=version, at=at)
        elif status == CaseStatus.ACCEPTED:
            workflow.register_case(user, case, expected_version=version, at=at)
        elif status == CaseStatus.REGISTERED:
            workflow.dispatch_case(user, case, expected_version=version, at=at)
        elif status == CaseStatus.HANDLING:
            workflow.report_back(user, case, note="已处置完毕", expected_version=version, at=at)
        elif status == CaseStatus.HANDLED:
            workflow.verify_case(user, case, passed=True, expected_version=version, at=at)
        else:
            workflow.close_case(user, case, expected_version=version, at=at)
        case.refresh_from_db()
        assert case.version == version + 1
        last = case.steps.order_by("-created_at", "-id").first()
        assert last is not None and last.created_at == at and last.status_before == status
        moved.append(status)
    assert len(moved) >= 2, moved
    unrated = Case.objects.filter(status=CaseStatus.CLOSED, rating="").select_related("holder_region").first()
    assert unrated is not None
    community = Region.objects.get(path=unrated.region_path[:16])
    staff = User.objects.create_user(username="follow-up", password=TEST_PASSWORD)
    Assignment.objects.create(user=staff, role=Role.COMMUNITY_WORKER, region=community, region_path=community.path)
    workflow.rate_case(staff, unrated, rating="satisfied", at=at)
    assert Case.objects.get(pk=unrated.pk).rating == "satisfied"


def test_the_minute_clock_agrees_with_add_working_time(db: Any) -> None:
    clock = Clock(datetime(2024, 1, 1).date())
    rng = random.Random(4)
    start = minute_of(datetime(2024, 1, 1, tzinfo=TZ))
    special = [datetime(2025, 1, 26, 9, 0, tzinfo=TZ), datetime(2025, 9, 30, 17, 0, tzinfo=TZ)]  # make-up days
    moments = special + [moment_of(start + rng.randrange(0, 3 * 365 * 1440)) for _ in range(2000)]
    for moment in moments:
        for hours in (0.5, 1, 2, 7, 14, 35, 70, 140, rng.randint(1, 600) / 60):
            expected = add_working_time(moment, hours=hours)
            assert moment_of(clock.add_hours(minute_of(moment), hours)) == expected, (moment, hours)
    # A limit of a fraction of a minute: add_working_time's moment, to the minute (the seed keeps whole minutes).
    exact = add_working_time(special[0], hours=0.1234)
    assert moment_of(clock.add_hours(minute_of(special[0]), 0.1234)) == exact.replace(second=0, microsecond=0)


def test_linli_seed_seeds_cases_unless_told_not_to_and_if_empty_adds_them_later(db: Any) -> None:
    call_command("seed", "--scale", "tiny", "--no-progress", "--no-people", "--no-cases", stdout=StringIO())
    assert not Case.objects.exists()
    out = StringIO()
    call_command("seed", "--scale", "tiny", "--no-progress", "--if-empty", "--cases", "150", stdout=out)
    assert "已生成演示事件" in out.getvalue()
    assert Case.objects.count() >= 150
    assert Case.objects.visible_to(User.objects.get(username="community")).exists()
    call_command("seed", "--scale", "tiny", "--no-progress", "--if-empty", stdout=StringIO())  # nothing again
    assert AuditEvent.objects.filter(verb="seed", object_type="cases.case").count() == 1
