"""The state machine's table, tested from the outside.

1. For a case in each status, exactly the expected verbs are offered to each role of the cast (a hand-written
   table, not derived from the code), every offered verb succeeds when called, and every other verb is refused
   with nothing written.
2. A property: random sequences of (role, verb) never leave a case in an impossible state, and never without a
   deadline while its clock runs.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linli.accounts.models import Department
from linli.cases import workflow as wf
from linli.cases.choices import CLOCK_STATUSES, OPEN_STATUSES, CaseStatus, ExtensionStatus, Rating
from linli.cases.models import Case, Extension, Step
from linli.cases.tests.conftest import MONDAY, rubbish
from linli.core.actions import ActionError
from linli.testing import TestCity

pytestmark = pytest.mark.django_db

ROLES = [
    "grid_worker",
    "community_worker",
    "subdistrict_staff",
    "district_leader",
    "department_staff",
    "auditor",
    "administrator",
    "resident",
    "outsider",
]
SUPERVISORS = {"subdistrict_staff": {"supervise"}, "district_leader": {"supervise"}}

# status of the case → role → the verbs that role is offered (everyone else: none)
EXPECTED: dict[str, dict[str, set[str]]] = {
    "reported": {
        "grid_worker": {"self_handle"},
        "community_worker": {"accept", "reject", "escalate", "merge"},
        **SUPERVISORS,
    },
    "accepted": {"community_worker": {"reject", "register", "escalate", "merge"}, **SUPERVISORS},
    "registered": {"community_worker": {"dispatch", "escalate", "merge", "whistle"}, **SUPERVISORS},
    "handling_grid": {
        "grid_worker": {"progress", "report_back", "return", "escalate", "request_extension"},
        "community_worker": {"supervise"},
        **SUPERVISORS,
    },
    "handling_dept": {
        "department_staff": {"progress", "report_back", "return", "request_extension"},
        "district_leader": {"supervise"},
    },
    "handled": {"community_worker": {"verify", "rework"}, **SUPERVISORS},
    "verified": {"community_worker": {"close"}, **SUPERVISORS},
    "closed": {
        "grid_worker": {"rate"},
        "community_worker": {"rate", "reopen"},
        "subdistrict_staff": {"rate"},
        "district_leader": {"rate"},
    },
}


def build(city: TestCity, state: str) -> Case:
    """A case brought to ``state`` through the actions."""
    u = city.users
    cw = u["community_worker"]
    case = rubbish(city)
    if state == "reported":
        return case
    wf.accept_case(cw, case)
    if state == "accepted":
        return case
    wf.register_case(cw, case)
    if state == "registered":
        return case
    if state == "handling_dept":
        return wf.dispatch_case(cw, case, to_department=Department.objects.get(code="cg"))
    wf.dispatch_case(cw, case, to_region=city.region("510104001001001"))
    if state == "handling_grid":
        return case
    wf.report_back(u["grid_worker"], case, note="已清理")
    if state == "handled":
        return case
    wf.verify_case(cw, case, passed=True)
    if state == "verified":
        return case
    return wf.close_case(cw, case)


def call(verb: str, user: Any, case: Case, other: Case) -> Any:
    """Apply ``verb`` with plausible input."""
    calls: dict[str, Callable[[], Any]] = {
        "accept": lambda: wf.accept_case(user, case),
        "reject": lambda: wf.reject_case(user, case, reason="不属于受理范围"),
        "register": lambda: wf.register_case(user, case),
        "dispatch": lambda: wf.dispatch_case(user, case),
        "progress": lambda: wf.note_progress(user, case, note="正在清理"),
        "report_back": lambda: wf.report_back(user, case, note="已清理完毕"),
        "verify": lambda: wf.verify_case(user, case, passed=True),
        "rework": lambda: wf.verify_case(user, case, passed=False, note="未清理干净"),
        "close": lambda: wf.close_case(user, case),
        "rate": lambda: wf.rate_case(user, case, rating=Rating.SATISFIED),
        "return": lambda: wf.return_case(user, case, reason="派错了"),
        "escalate": lambda: wf.escalate_case(user, case, note="需要上级协调"),
        "self_handle": lambda: wf.self_handle_case(user, case, note="已现场处理"),
        "request_extension": lambda: wf.request_extension(user, case, hours=7, reason="需要采购配件"),
        "supervise": lambda: wf.supervise_case(user, case, note="请尽快办理"),
        "merge": lambda: wf.merge_case(user, case, into=other),
        "reopen": lambda: wf.reopen_case(user, case, reason="群众反映仍未解决"),
        "whistle": lambda: wf.whistle_case(
            user, case, departments=[Department.objects.get(code="cg")], note="请城管协助"
        ),
        "check_in": lambda: wf.check_in(user, case),
        "report_part": lambda: wf.report_part(user, case, report="已处理"),
    }
    if verb == "decide_extension":
        pending = Extension.objects.filter(case=case, status=ExtensionStatus.PENDING).first()
        if pending is None:
            raise ActionError("no pending extension", code="state")
        return wf.decide_extension(user, pending, approve=True)
    return calls[verb]()


class Rollback(Exception):
    pass


REFUSALS = (PermissionDenied, Http404, ActionError)


@pytest.mark.parametrize("state", list(EXPECTED))
def test_offered_verbs_succeed_and_others_are_refused(city: TestCity, state: str) -> None:
    case = build(city, state)
    other = rubbish(city, title="同一处杂物再次反映")
    for role in ROLES:
        user = city.users[role]
        expected = EXPECTED[state].get(role, set())
        fresh = Case.objects.get(pk=case.pk)
        assert set(wf.allowed_verbs(user, fresh)) == expected, (state, role)
        for verb in wf.RULES:
            steps, version = Step.objects.count(), Case.objects.get(pk=case.pk).version
            try:
                with transaction.atomic():
                    call(verb, user, Case.objects.get(pk=case.pk), other)
                    succeeded = True
                    raise Rollback
            except Rollback:
                pass
            except REFUSALS:
                succeeded = False
            assert succeeded == (verb in expected), (state, role, verb)
            assert (Step.objects.count(), Case.objects.get(pk=case.pk).version) == (steps, version)


def check_invariants(case: Case) -> None:
    assert case.status in CaseStatus.values
    steps = list(Step.objects.filter(case=case).order_by("created_at", "id"))
    assert len(steps) == case.version + 1  # the report, then one step per transition
    assert steps[-1].status_after == case.status
    for before, after in itertools.pairwise(steps):
        assert after.status_before == before.status_after
    assert case.region_path.startswith(case.holder_region.path)
    if case.status in OPEN_STATUSES:
        assert case.deadline is not None, case.status
    if case.status in CLOCK_STATUSES:
        assert case.due_at is not None and case.dispatched_at is not None
        assert case.dispatcher_region_id is not None and case.handler_region_id is not None
    if case.holder_department_id is not None:
        assert case.status == CaseStatus.HANDLING
    if case.status == CaseStatus.CLOSED:
        assert case.closed_at is not None and case.closed_on_time is not None and case.deadline is None
    if case.status == CaseStatus.MERGED:
        assert case.merged_into_id is not None and case.merged_into_id != case.pk
    if case.rating:
        assert case.status in (CaseStatus.CLOSED, CaseStatus.REGISTERED) or case.reopen_count > 0


VERBS = [*wf.RULES]
ACTING = ["grid_worker", "community_worker", "subdistrict_staff", "district_leader", "department_staff"]


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(ACTING), st.sampled_from(VERBS), st.integers(0, 30)), max_size=25))
def test_random_sequences_never_break_the_invariants(city: TestCity, moves: list[tuple[str, str, int]]) -> None:
    try:
        with transaction.atomic():
            case = rubbish(city)
            other = rubbish(city, title="重复反映")
            at = MONDAY
            for role, verb, minutes in moves:
                at += timedelta(minutes=minutes)
                user = city.users[role]
                user.forget_assignments()
                try:  # noqa: SIM105 - contextlib.suppress does not type-check with a tuple of classes here
                    call(verb, user, Case.objects.get(pk=case.pk), other)
                except REFUSALS:
                    pass
                check_invariants(Case.objects.select_related("holder_region").get(pk=case.pk))
            raise Rollback
    except Rollback:
        pass


def test_the_held_by_query_and_the_per_case_check_agree(city: TestCity) -> None:
    """``Case.objects.held_by`` (inboxes, ``holder=mine``) and ``workflow.holds`` (buttons, actions) are one rule."""
    cases = [build(city, state) for state in EXPECTED]
    for role in ROLES:
        user = city.users[role]
        held = set(Case.objects.held_by(user).values_list("pk", flat=True))
        for case in cases:
            fresh = Case.objects.select_related("holder_region").get(pk=case.pk)
            assert (fresh.pk in held) == wf.holds(user, fresh), (role, fresh.status)
