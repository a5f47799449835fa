"""Every verb reached from the case page and from the API ends in the same place.

Two twin cases are brought to the same state through the actions; one is moved by posting the verb's
button on the case page, the other by ``POST /api/v1/cases/{id}/<verb>/`` with the same input in the
API's shape. What a user can observe afterwards — status, holder, handler, category, priority,
rating, the extension, the summonses, the steps with their notes — must be equal. The registry
(``cases.verbs.VERBS``) makes this so by construction; this test keeps it so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from linli.accounts.models import Department
from linli.cases import workflow as wf
from linli.cases.models import Case, Category
from linli.cases.tests.conftest import rubbish
from linli.cases.tests.test_machine import build
from linli.cases.verbs import VERBS
from linli.testing import TestCity

pytestmark = pytest.mark.django_db

GRID = "510104001001001"


@dataclass
class Scenario:
    state: str  # as test_machine.build
    who: str
    page: dict[str, Any]  # the button's form fields (without the verb prefix)
    api: dict[str, Any]  # the API body
    prepare: Callable[[TestCity, Case], None] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _request_extension(city: TestCity, case: Case) -> None:
    wf.request_extension(city.users["grid_worker"], case, hours=7, reason="等待物业清运车辆")


def _whistle(city: TestCity, case: Case) -> None:
    wf.whistle_case(
        city.users["community_worker"], case, departments=[Department.objects.get(code="cg")], note="请协助"
    )


def _whistle_and_check_in(city: TestCity, case: Case) -> None:
    _whistle(city, case)
    wf.check_in(city.users["department_staff"], Case.objects.get(pk=case.pk))


def _cg() -> Department:
    return Department.objects.get(code="cg")


SCENARIOS: dict[str, Scenario] = {
    "accept": Scenario("reported", "community_worker", {"note": "已受理"}, {"note": "已受理"}),
    "reject": Scenario("reported", "community_worker", {"reason": "不属于受理范围"}, {"reason": "不属于受理范围"}),
    "register": Scenario(
        "accepted",
        "community_worker",
        {"category": "L0105", "priority": "urgent"},
        {"category": "L0105", "priority": "urgent"},
    ),
    "dispatch": Scenario("registered", "community_worker", {"target": "dept"}, {"to_department": "cg"}),
    "progress": Scenario("handling_grid", "grid_worker", {"note": "已联系物业"}, {"note": "已联系物业"}),
    "report_back": Scenario("handling_grid", "grid_worker", {"note": "已清理完毕"}, {"note": "已清理完毕"}),
    "verify": Scenario("handled", "community_worker", {"note": "现场已干净"}, {"note": "现场已干净"}),
    "rework": Scenario("handled", "community_worker", {"note": "未清理干净"}, {"note": "未清理干净"}),
    "close": Scenario("verified", "community_worker", {"note": "结案"}, {"note": "结案"}),
    "rate": Scenario(
        "closed",
        "community_worker",
        {"rating": "unsatisfied", "comment": "拖得太久", "contacted": "0", "solved": "1"},
        {"rating": "unsatisfied", "comment": "拖得太久", "contacted": False, "solved": True},
    ),
    "return": Scenario("handling_grid", "grid_worker", {"reason": "不属于本网格"}, {"reason": "不属于本网格"}),
    "escalate": Scenario("registered", "community_worker", {"note": "需要街道协调"}, {"note": "需要街道协调"}),
    "self_handle": Scenario("reported", "grid_worker", {"note": "已现场处理"}, {"note": "已现场处理"}),
    "request_extension": Scenario(
        "handling_grid", "grid_worker", {"hours": "14", "reason": "等待配件"}, {"hours": 14, "reason": "等待配件"}
    ),
    "decide_extension": Scenario(
        "handling_grid",
        "community_worker",
        {"approve": "1", "note": "同意"},
        {"approve": True, "note": "同意"},
        prepare=_request_extension,
    ),
    "supervise": Scenario("handling_grid", "subdistrict_staff", {"note": "请尽快办结"}, {"note": "请尽快办结"}),
    "merge": Scenario("reported", "community_worker", {"into": "other"}, {"into": "other"}),
    "reopen": Scenario("closed", "community_worker", {"reason": "群众反映仍未解决"}, {"reason": "群众反映仍未解决"}),
    "whistle": Scenario(
        "registered",
        "community_worker",
        {"departments": "cg", "kind": "hard", "note": "请城管到场"},
        {"departments": ["cg"], "kind": "hard", "note": "请城管到场"},
    ),
    "check_in": Scenario("registered", "department_staff", {"note": "已到场"}, {"note": "已到场"}, prepare=_whistle),
    "report_part": Scenario(
        "registered",
        "department_staff",
        {"report": "已清运"},
        {"report": "已清运"},
        prepare=_whistle_and_check_in,
    ),
}


def _twin(city: TestCity, scenario: Scenario) -> Case:
    case = build(city, scenario.state)
    if scenario.prepare is not None:
        scenario.prepare(city, Case.objects.get(pk=case.pk))
    return Case.objects.get(pk=case.pk)


def _page_value(value: Any, other: Case) -> Any:
    if value == "dept":
        return f"d:{_cg().pk}"
    if value == "other":
        return other.number
    if value == "cg":
        return str(_cg().pk)
    if value in ("L0105",):
        return str(Category.objects.get(code=value).pk)
    return value


def _api_value(value: Any, other: Case) -> Any:
    return other.pk if value == "other" else value


def outcome(case: Case) -> dict[str, Any]:
    """What a user can see of a case after the verb, without its identity and wall-clock times."""
    case = Case.objects.get(pk=case.pk)
    return {
        "fields": {
            name: getattr(case, name)
            for name in (
                "status",
                "holder_region_id",
                "holder_department_id",
                "dispatcher_region_id",
                "handler_region_id",
                "handler_department_id",
                "category_id",
                "priority",
                "rating",
                "rating_comment",
                "contacted",
                "solved",
                "supervised",
                "merged_into_id",
                "reopen_count",
                "extension_count",
                "version",
            )
        },
        "due_at_set": case.due_at is not None,
        "steps": [
            (st.verb, st.status_before, st.status_after, st.holder_before, st.holder_after, st.department_id, st.note)
            for st in case.steps.order_by("created_at", "pk")
        ],
        "extensions": sorted((e.status, e.hours, e.reason) for e in case.extensions.all()),
        "summonses": sorted(
            (s.department_id, s.checked_in_at is not None, s.reported_at is not None, s.report)
            for s in case.summonses.all()
        ),
        "whistles": sorted((w.kind, w.note) for w in case.whistles.all()),
    }


@pytest.mark.parametrize("verb", sorted(VERBS))
def test_the_page_and_the_api_reach_the_same_outcome(city: TestCity, verb: str) -> None:
    scenario = SCENARIOS[verb]
    other = rubbish(city, title="同一处杂物再次反映")
    by_page, by_api = _twin(city, scenario), _twin(city, scenario)
    assert verb in wf.allowed_verbs(city.users[scenario.who], by_page), "the scenario must allow the verb"

    browser = Client()
    browser.force_login(city.users[scenario.who])
    data = {"expected_version": by_page.version}
    data.update({f"{verb}-{name}": _page_value(value, other) for name, value in scenario.page.items()})
    response = browser.post(reverse("cases:do", kwargs={"pk": by_page.pk, "verb": verb}), data)
    assert response.status_code == 302, response.content.decode()[:2000]

    api = APIClient()
    api.force_authenticate(city.users[scenario.who])
    body = {name: _api_value(value, other) for name, value in scenario.api.items()}
    answer = api.post(f"/api/v1/cases/{by_api.pk}/{verb}/", {**body, "expected_version": by_api.version}, format="json")
    assert answer.status_code == 200, answer.content.decode()

    assert outcome(by_page) == outcome(by_api)


def test_every_verb_has_a_scenario_here() -> None:
    assert set(SCENARIOS) == set(VERBS) == set(wf.RULES)
