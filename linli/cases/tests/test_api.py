"""/api/v1/cases/: report, scoped lists, the detail, and every transition as a POST action."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from linli.cases.choices import CaseStatus
from linli.cases.models import Case, Category, Step
from linli.cases.tests.conftest import rubbish
from linli.cases.verbs import VERBS
from linli.cases.workflow import RULES
from linli.core.models import AuditEvent
from linli.testing import TestCity

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def client_for(city: TestCity, username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(city.users[username])
    return client


def act(city: TestCity, username: str, case: Case | int, verb: str, **body: Any) -> Any:
    pk = case if isinstance(case, int) else case.pk
    return client_for(city, username).post(f"/api/v1/cases/{pk}/{verb}/", body, format="json")


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()
    data: dict[str, Any] = response.json()
    return data


def report(city: TestCity, username: str = "grid_worker", **fields: Any) -> Any:
    body = {
        "category": "L0104",
        "title": "楼道杂物堆放",
        "description": "3栋1单元楼道堆满纸箱。",
        "house": city.houses[0].pk,
        "contact_name": "张先生",
        "contact_phone": PHONE,
    }
    body.update(fields)
    body = {k: v for k, v in body.items() if v is not None}  # None: leave the field out
    return client_for(city, username).post("/api/v1/cases/", body, format="json")


# --- report ----------------------------------------------------------------------------------------


def test_a_grid_worker_reports_a_case_and_the_community_holds_it(city: TestCity) -> None:
    data = ok(report(city), 201)
    case = Case.objects.get(pk=data["id"])
    assert (case.status, case.source, case.category.code) == (CaseStatus.REPORTED, "api", "L0104")
    assert data["number"] == case.number and data["status_label"] == "待受理"
    assert data["holder"] == "红星路社区" and data["version"] == 0
    assert [s["verb"] for s in data["steps"]] == ["report"] and data["steps"][0]["verb_label"] == "上报"
    assert data["allowed"] == [{"verb": "self_handle", "label": "自行处置"}]  # the reporter, on the spot


def test_report_at_a_map_point_with_an_address(city: TestCity) -> None:
    data = ok(report(city, house=None, lng=104.005, lat=30.65, address="红星路一段路口", source="patrol"), 201)
    assert data["region_name"] == "红星路社区第1网格" and data["address"] == "红星路一段路口"
    assert data["source"] == "patrol"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"category": "X99"}, "category", "分类“X99”不存在。"),
        ({"category": "L01"}, "category", "请选择一个具体的事件小类。"),
        ({"house": None, "lng": 120.0, "lat": 31.0, "address": "某地"}, "lng", "不在本市任何网格内"),
        ({"house": None}, "lng", "请在地图上选择位置"),
        ({"house": None, "lng": 104.005, "lat": 30.65}, "address", "请填写事发地址"),
        ({"house": 999999}, "house", "找不到编号为 999999 的房屋"),
        ({"contact_phone": "call me"}, "contact_phone", "联系电话只能包含数字"),
        ({"title": ""}, "title", ""),
    ],
)
def test_bad_reports_answer_400_on_the_field_and_write_nothing(
    city: TestCity, fields: dict[str, Any], field: str, message: str
) -> None:
    response = report(city, **fields)
    assert response.status_code == 400, response.content.decode()
    errors = response.json()
    assert field in errors and message in errors[field][0]
    assert not Case.objects.exists()


def test_a_house_outside_scope_is_the_same_error_as_a_missing_one(city: TestCity) -> None:
    theirs = next(h for h in city.houses if h.region_path.startswith(city.region("510105").path))
    response = report(city, house=theirs.pk)
    assert response.status_code == 400
    assert response.json()["house"] == [f"找不到编号为 {theirs.pk} 的房屋，或它不在您的管辖范围内。"]


def test_an_auditor_may_read_but_not_report(city: TestCity) -> None:
    assert report(city, "auditor").status_code == 403
    assert client_for(city, "auditor").get("/api/v1/cases/").status_code == 200
    assert APIClient().get("/api/v1/cases/").status_code == 401


# --- reading ---------------------------------------------------------------------------------------


def numbers(response: Any) -> set[str]:
    assert response.status_code == 200, response.content.decode()
    return {row["number"] for row in response.json()["results"]}


def test_lists_are_scoped_the_outsider_sees_none(city: TestCity) -> None:
    case = rubbish(city)
    for username in ("grid_worker", "community_worker", "subdistrict_staff", "district_leader", "auditor"):
        assert numbers(client_for(city, username).get("/api/v1/cases/")) == {case.number}, username
    assert numbers(client_for(city, "outsider").get("/api/v1/cases/")) == set()
    assert numbers(client_for(city, "department_staff").get("/api/v1/cases/")) == set()  # not its department's
    assert client_for(city, "outsider").get(f"/api/v1/cases/{case.pk}/").status_code == 404


def test_the_resident_sees_only_their_own_reports(city: TestCity) -> None:
    theirs = ok(report(city, "resident", source="portal"), 201)
    rubbish(city)
    assert numbers(client_for(city, "resident").get("/api/v1/cases/")) == {theirs["number"]}


def test_list_filters(city: TestCity) -> None:
    case = rubbish(city)
    other = rubbish(city, title="油烟扰民", category=Category.objects.get(code="L0101"))
    client = client_for(city, "community_worker")
    assert numbers(client.get("/api/v1/cases/?holder=mine")) == {case.number, other.number}
    assert numbers(client_for(city, "grid_worker").get("/api/v1/cases/?holder=mine")) == set()
    assert numbers(client.get("/api/v1/cases/?category=L0104")) == {case.number}
    assert numbers(client.get("/api/v1/cases/?category=L01")) == {case.number, other.number}  # the major
    assert numbers(client.get("/api/v1/cases/?status=reported")) == {case.number, other.number}
    assert numbers(client.get("/api/v1/cases/?status=closed")) == set()
    assert numbers(client.get("/api/v1/cases/?q=油烟")) == {other.number}
    assert numbers(client.get(f"/api/v1/cases/?q={case.number}")) == {case.number}
    assert numbers(client.get("/api/v1/cases/?overdue=true")) == set()
    assert numbers(client.get("/api/v1/cases/?source=patrol")) == {case.number, other.number}
    assert numbers(client.get("/api/v1/cases/?reported_after=2026-03-02&reported_before=2026-03-02")) == {
        case.number,
        other.number,
    }
    assert numbers(client.get("/api/v1/cases/?reported_after=2026-03-03")) == set()
    bad = client.get("/api/v1/cases/?status=lost&holder=yours&reported_after=yesterday")
    assert bad.status_code == 400 and {"status", "holder", "reported_after"} <= set(bad.json())


def test_the_contact_phone_is_masked_in_every_response(city: TestCity) -> None:
    created = report(city)
    case_id = created.json()["id"]
    client = client_for(city, "community_worker")
    for response in (
        created,
        client.get("/api/v1/cases/"),
        client.get(f"/api/v1/cases/{case_id}/"),
        act(city, "community_worker", case_id, "accept"),
    ):
        body = response.content.decode()
        assert response.status_code in (200, 201)
        assert PHONE not in body and "138****5678" in body


def test_the_category_tree(city: TestCity) -> None:
    response = client_for(city, "resident").get("/api/v1/case-categories/")
    assert response.status_code == 200
    tree = {major["code"]: major for major in response.json()}
    assert tree["L01"]["name"] == "八乱整治"
    minors = {minor["code"]: minor for minor in tree["L01"]["children"]}
    assert minors["L0101"]["department_name"] == "城管" and minors["L0104"]["handling_level"] == "grid"


# --- transitions -----------------------------------------------------------------------------------


def test_the_whole_loop_through_the_api(city: TestCity) -> None:
    """Issue 4's story: accept, dispatch to itself, escalate, whistle 城管, check in, report, verify, close, rate."""
    case = Case.objects.get(pk=ok(report(city), 201)["id"])
    community = city.region("510104001001")
    data = ok(act(city, "community_worker", case, "accept", expected_version=0))
    assert data["status"] == "accepted" and data["version"] == 1
    assert {"register", "reject", "escalate", "merge"} <= {a["verb"] for a in data["allowed"]}
    ok(act(city, "community_worker", case, "register", priority="urgent", expected_version=1))
    data = ok(act(city, "community_worker", case, "dispatch", to_region=community.pk, expected_version=2))
    assert data["status"] == "handling" and data["due_at"] is not None
    data = ok(act(city, "community_worker", case, "escalate", note="涉及多户，需街道协调"))
    assert data["holder"] == "春熙路街道"
    data = ok(act(city, "subdistrict_staff", case, "whistle", departments=["cg"], kind="hard", note="请城管清运"))
    assert data["whistles"][0]["kind_label"] == "攻坚哨"
    assert data["whistles"][0]["summonses"][0]["department_name"] == "城管"
    refused = act(city, "subdistrict_staff", case, "report_back", note="已处理")
    assert refused.status_code == 409 and "城管" in refused.json()["detail"]
    ok(act(city, "department_staff", case, "check_in", note="已到场"))
    ok(act(city, "department_staff", case, "report_part", report="已清运杂物 2 车"))
    data = ok(act(city, "subdistrict_staff", case, "report_back", note="杂物已清运完毕"))
    assert data["status"] == "handled" and data["holder"] == "红星路社区"
    ok(act(city, "community_worker", case, "verify", note="现场核查已清理"))
    data = ok(act(city, "community_worker", case, "close"))
    assert data["status"] == "closed"
    data = ok(act(city, "grid_worker", case, "rate", rating="satisfied", comment="处理及时"))
    assert data["rating"] == "satisfied"
    assert [s["verb"] for s in data["steps"]] == [
        "report", "accept", "register", "dispatch", "escalate", "whistle", "check_in", "report_part",
        "report_back", "verify", "close", "rate",
    ]  # fmt: skip


def test_every_verb_of_the_state_machine_is_reachable(city: TestCity) -> None:
    used: set[str] = set()

    def do(username: str, case: Case | int, verb: str, **body: Any) -> dict[str, Any]:
        used.add(verb)
        return ok(act(city, username, case, verb, **body))

    grid = city.region("510104001001001")
    # A: the grid handles it, asks for more time, is supervised, reworks, closes, is reopened
    a = Case.objects.get(pk=ok(report(city), 201)["id"])
    do("community_worker", a, "accept")
    do("community_worker", a, "register")
    do("community_worker", a, "dispatch", to_region=grid.pk)
    do("grid_worker", a, "progress", note="已联系物业")
    data = do("grid_worker", a, "request_extension", hours=7, reason="等待物业清运车")
    assert data["extensions"][0]["status"] == "pending"
    data = do("community_worker", a, "decide_extension", approve=True, note="同意")
    assert data["extension_count"] == 1
    do("subdistrict_staff", a, "supervise", note="请尽快办结")
    do("grid_worker", a, "report_back", note="已清理")
    do("community_worker", a, "rework", note="仍有纸箱未清")
    do("grid_worker", a, "report_back", note="已全部清理")
    do("community_worker", a, "verify")
    do("community_worker", a, "close")
    assert do("community_worker", a, "reopen", reason="居民反映又有堆放")["status"] == "registered"
    # B: not accepted; C: self-handled by the reporting grid worker; D: a duplicate of A
    do("community_worker", ok(report(city), 201)["id"], "reject", reason="重复上报")
    do("grid_worker", ok(report(city), 201)["id"], "self_handle", note="已现场劝导清理")
    assert do("community_worker", ok(report(city), 201)["id"], "merge", into=a.pk)["merged_into_number"] == a.number
    # E: 城管's case, dispatched by category, returned as not theirs
    e = ok(report(city, category="L0101", title="餐馆油烟直排"), 201)["id"]
    do("community_worker", e, "accept")
    do("community_worker", e, "register")
    assert do("community_worker", e, "dispatch")["holder"] == "锦江区·城管"
    do("department_staff", e, "return", reason="不属于本部门职责")
    # F: escalated, whistled, checked in, reported, closed and rated
    f = ok(report(city), 201)["id"]
    do("community_worker", f, "escalate", note="需街道协调")
    do("subdistrict_staff", f, "accept")
    do("subdistrict_staff", f, "register")
    do("subdistrict_staff", f, "whistle", departments=["cg"], note="请城管到场")
    do("department_staff", f, "check_in")
    do("department_staff", f, "report_part", report="已处理")
    do("subdistrict_staff", f, "dispatch", to_region=city.region("510104001").pk)
    do("subdistrict_staff", f, "report_back", note="已处理完毕")
    do("subdistrict_staff", f, "verify")
    do("subdistrict_staff", f, "close")
    do("community_worker", f, "rate", rating="basic")
    assert used == set(RULES) == set(VERBS)


@pytest.mark.parametrize("verb", sorted(RULES))
def test_every_transition_route_is_scoped(city: TestCity, verb: str) -> None:
    case = rubbish(city)
    url = reverse(f"api:case-{verb.replace('_', '-')}", kwargs={"pk": case.pk})
    assert url == f"/api/v1/cases/{case.pk}/{verb}/"
    assert client_for(city, "outsider").post(url, {}, format="json").status_code == 404
    assert APIClient().post(url, {}, format="json").status_code == 401


def test_a_forbidden_transition_is_403_and_writes_nothing(city: TestCity) -> None:
    case = rubbish(city)
    steps, events = Step.objects.count(), AuditEvent.objects.count()
    for username in ("grid_worker", "subdistrict_staff", "district_leader"):
        response = act(city, username, case, "accept")
        assert response.status_code == 403, username
        assert "不是事件" in response.json()["detail"] and "承办人" in response.json()["detail"]
    assert act(city, "auditor", case, "accept").status_code == 403
    assert (Step.objects.count(), AuditEvent.objects.count()) == (steps, events)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.REPORTED


def test_a_transition_from_the_wrong_status_is_409(city: TestCity) -> None:
    case = rubbish(city)
    response = act(city, "community_worker", case, "close")
    assert response.status_code == 409
    assert response.json() == {
        "detail": f"事件 {case.number} 当前为“待受理”，不能“结案”。",
        "code": "state",
    }
    assert Step.objects.filter(case=case).count() == 1


def test_a_stale_expected_version_is_409_and_writes_nothing(city: TestCity) -> None:
    case = rubbish(city)
    ok(act(city, "community_worker", case, "accept", expected_version=0))
    steps = Step.objects.count()
    response = act(city, "community_worker", case, "reject", reason="重复上报", expected_version=0)
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert "已被他人更新" in response.json()["detail"]
    # the same for a verb whose workflow function does not take expected_version itself
    response = act(city, "subdistrict_staff", case, "supervise", note="请尽快办理", expected_version=0)
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert Step.objects.count() == steps
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ACCEPTED
    assert ok(act(city, "subdistrict_staff", case, "supervise", note="请尽快办理", expected_version=1))["supervised"]


@pytest.mark.parametrize(
    ("verb", "body", "field", "message"),
    [
        ("reject", {}, "reason", "该字段是必填项。"),
        ("reject", {"reason": "x"}, "reason", "请填写不予受理的理由（至少 2 个字）。"),
        ("accept", {"expected_version": "abc"}, "expected_version", "请填写合法的整数值。"),
        ("escalate", {"note": ""}, "note", ""),
        ("merge", {"into": 999999}, "into", "找不到编号为 999999 的事件"),
    ],
)
def test_bad_transition_input_is_400_on_the_field(
    city: TestCity, verb: str, body: dict[str, Any], field: str, message: str
) -> None:
    case = rubbish(city)
    response = act(city, "community_worker", case, verb, **body)
    assert response.status_code == 400, response.content.decode()
    assert field in response.json() and message in response.json()[field][0]
    assert Case.objects.get(pk=case.pk).version == 0


def test_dispatch_to_an_unknown_department_or_a_region_outside(city: TestCity) -> None:
    case = rubbish(city)
    ok(act(city, "community_worker", case, "accept"))
    ok(act(city, "community_worker", case, "register"))
    response = act(city, "community_worker", case, "dispatch", to_department="zz")
    assert response.status_code == 400 and response.json() == {"to_department": ["部门“zz”不存在。"]}
    response = act(city, "community_worker", case, "dispatch", to_region=city.region("510104001002001").pk)
    assert response.status_code == 400 and "to_region" in response.json()  # outside the community worker's scope


def test_progress_takes_photos_and_the_detail_lists_their_metadata(city: TestCity) -> None:
    case = rubbish(city)
    grid = city.region("510104001001001")
    for verb, body in (("accept", {}), ("register", {}), ("dispatch", {"to_region": grid.pk})):
        ok(act(city, "community_worker", case, verb, **body))
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = "pile.png"
    response = client_for(city, "grid_worker").post(
        f"/api/v1/cases/{case.pk}/progress/", {"note": "已清理一半", "photos": [buffer]}, format="multipart"
    )
    data = ok(response)
    assert [(a["width"], a["height"]) for a in data["attachments"]] == [(40, 30)]
    assert data["attachments"][0]["step"] == data["steps"][-1]["id"]


def test_the_openapi_schema_lists_the_case_routes(db: Any) -> None:
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/cases/", "/api/v1/cases/{id}/", "/api/v1/case-categories/"} <= set(paths)
    for verb in RULES:
        operation = paths[f"/api/v1/cases/{{id}}/{verb}/"]["post"]
        assert set(operation["responses"]) >= {"200", "400", "403", "404", "409"}, verb
        assert operation["summary"] == str(RULES[verb].label)
