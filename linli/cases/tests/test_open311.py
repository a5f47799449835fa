"""/open311/v2/ answers a GeoReport v2 client: discovery, services, a service definition, POST a
request, GET it back (by id, in the list, through the token), and errors in the spec's shape.

Written as a client would: plain HTTP (Django's test Client, no session), form-encoded POST with
the api_key, JSON parsed from the body, the fields the specification requires checked.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.authtoken.models import Token

from linli.cases import workflow as wf
from linli.cases.models import Case, Category
from linli.cases.tests.conftest import MONDAY, rubbish
from linli.testing import TestCity

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
# A point in 红星路社区第1网格 (锦江区), the district leader's scope.
LAT, LONG = 30.65, 104.005


def api_key(city: TestCity, username: str = "district_leader") -> str:
    """The integration account's key: its ordinary API token."""
    token, _created = Token.objects.get_or_create(user=city.users[username])
    return str(token.key)


def get(path: str, **query: Any) -> tuple[int, Any]:
    response = Client().get(f"{BASE}/{path}", query)
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()


def post_request(fields: dict[str, Any]) -> tuple[int, Any]:
    response = Client().post(f"{BASE}/requests.json", fields)  # application/x-www-form-urlencoded, as the spec
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()


def is_w3c(value: str) -> bool:
    moment = datetime.fromisoformat(value)
    return moment.tzinfo is not None and "T" in value


def assert_error(status: int, body: Any, code: int, text: str) -> None:
    assert status == code, body
    assert isinstance(body, list) and len(body) == 1 and body[0]["code"] == code, body
    assert text in body[0]["description"], body


# --- the client's story ----------------------------------------------------------------------------


def test_a_georeport_client_lists_services_posts_a_request_and_gets_it_back(city: TestCity) -> None:
    status, discovery = get("discovery.json")
    assert status == 200
    endpoint = discovery["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2/") and "application/json" in endpoint["formats"]

    status, services = get("services.json", jurisdiction_id="linli.local")
    assert status == 200 and isinstance(services, list) and services
    assert all(set(service) >= SERVICE_FIELDS for service in services)
    by_code = {service["service_code"]: service for service in services}
    rubbish_service = by_code["L0104"]
    assert rubbish_service["service_name"] == "物料乱堆" and rubbish_service["group"] == "八乱整治"
    assert rubbish_service["type"] == "realtime" and rubbish_service["metadata"] is False

    status, definition = get("services/L0104.json")
    assert status == 200 and definition == {"service_code": "L0104", "attributes": []}

    status, created = post_request(
        {
            "api_key": api_key(city),
            "jurisdiction_id": "linli.local",
            "service_code": "L0104",
            "lat": LAT,
            "long": LONG,
            "address_string": "红星路一段12号楼下",
            "description": "楼下人行道堆满装修垃圾，行人只能走机动车道。",
            "first_name": "伟",
            "last_name": "张",
            "phone": "13812345678",
            "email": "zhang@example.com",
        }
    )
    assert status == 201, created
    assert len(created) == 1 and created[0]["token"] is None
    request_id = created[0]["service_request_id"]
    assert request_id and "红星路社区" in created[0]["service_notice"]

    case = Case.objects.get(number=request_id)
    assert (case.source, case.category.code, case.region.code) == ("api", "L0104", "510104001001001")
    assert (case.contact_name, case.contact_phone, case.reporter_user) == (
        "张伟",
        "13812345678",
        city.users["district_leader"],
    )
    assert case.title == "楼下人行道堆满装修垃圾，行人只能走机动车道。"

    status, fetched = get(f"requests/{request_id}.json")
    assert status == 200 and len(fetched) == 1
    row = fetched[0]
    assert set(row) >= REQUEST_FIELDS
    assert row["service_request_id"] == request_id and row["status"] == "open"
    assert row["service_code"] == "L0104" and row["service_name"] == "物料乱堆"
    assert row["description"] == "楼下人行道堆满装修垃圾，行人只能走机动车道。"
    assert row["address"] == "红星路一段12号楼下" and (row["lat"], row["long"]) == (LAT, LONG)
    assert row["status_notes"] == "待受理" and row["media_url"] is None
    assert is_w3c(row["requested_datetime"]) and is_w3c(row["updated_datetime"]) and is_w3c(row["expected_datetime"])
    body = Client().get(f"{BASE}/requests/{request_id}.json").content.decode()
    for private in ("13812345678", "张伟", "zhang@example.com", "138****5678"):
        assert private not in body  # no contact details, not even masked

    status, listed = get("requests.json", service_code="L0104")
    assert status == 200 and [r["service_request_id"] for r in listed] == [request_id]
    status, via_token = get(f"tokens/{request_id}.json")
    assert status == 200 and via_token == [{"service_request_id": request_id, "token": request_id}]


def test_every_path_answers_without_the_format_extension_too(city: TestCity) -> None:
    for path in ("discovery", "services", "services/L0104", "requests"):
        status, body = get(path)
        assert status == 200, (path, body)
        assert get(f"{path}.json")[1] == body
    assert Client().get(f"{BASE}/services.xml").status_code == 404  # JSON only


# --- the public view -------------------------------------------------------------------------------


def test_statuses_map_to_open_and_closed_and_expected_is_the_deadline(city: TestCity) -> None:
    u = city.users
    now = timezone.now()
    handling = rubbish(city, at=now - timedelta(days=2))
    wf.accept_case(u["community_worker"], handling)
    wf.register_case(u["community_worker"], handling)
    handling = wf.dispatch_case(u["community_worker"], handling, to_region=city.region("510104001001001"))
    rejected = wf.reject_case(u["community_worker"], rubbish(city, at=now - timedelta(days=1)), reason="重复上报")
    merged = wf.merge_case(u["community_worker"], rubbish(city, at=now), into=handling)
    closed = wf.self_handle_case(u["grid_worker"], rubbish(city, at=now), note="已现场清理")
    status, rows = get("requests.json")
    assert status == 200
    by_id = {row["service_request_id"]: row for row in rows}
    assert by_id[handling.number]["status"] == "open"
    assert by_id[handling.number]["expected_datetime"] == timezone.localtime(handling.due_at).isoformat(
        timespec="seconds"
    )
    assert by_id[handling.number]["status_notes"] == "处置中"
    for case in (rejected, merged, closed):
        assert by_id[case.number]["status"] == "closed", case.status
    assert by_id[merged.number]["status_notes"] == f"已合并：并入 {handling.number}"
    assert {r["service_request_id"] for r in get("requests.json", status="open")[1]} == {handling.number}
    assert {r["service_request_id"] for r in get("requests.json", status="closed")[1]} == {
        rejected.number,
        merged.number,
        closed.number,
    }
    ids = f"{handling.number},{closed.number}"
    assert {r["service_request_id"] for r in get("requests.json", service_request_id=ids, status="open")[1]} == {
        handling.number,
        closed.number,
    }  # service_request_id overrides the other filters


def test_non_public_categories_and_contacts_never_show(city: TestCity) -> None:
    dispute = rubbish(city, category=Category.objects.get(code="L0201"), title="邻里漏水纠纷", at=timezone.now())
    public = rubbish(
        city, at=timezone.now(), contact_name="李女士", contact_phone="13900001111", description="联系 13900001111"
    )
    rows = get("requests.json")[1]
    assert [r["service_request_id"] for r in rows] == [public.number]
    assert rows[0]["address"] == city.houses[0].building.address  # the building, not the flat
    assert "13900001111" not in str(rows) and "李女士" not in str(rows)
    assert_error(*get(f"requests/{dispute.number}.json"), 404, dispute.number)
    assert_error(*get(f"tokens/{dispute.number}.json"), 404, dispute.number)
    assert "L0201" not in {s["service_code"] for s in get("services.json")[1]}
    assert_error(*get("services/L0201.json"), 404, "L0201")


def test_the_default_window_is_the_last_90_days_and_dates_filter(city: TestCity) -> None:
    now = timezone.now()
    recent, stale = rubbish(city, at=now - timedelta(days=89)), rubbish(city, at=now - timedelta(days=91))
    assert [r["service_request_id"] for r in get("requests.json")[1]] == [recent.number]
    assert [
        r["service_request_id"] for r in get("requests.json", end_date=(now - timedelta(days=90)).isoformat())[1]
    ] == [stale.number]
    old = rubbish(city, at=MONDAY)  # 2026-03-02
    assert old.number not in {r["service_request_id"] for r in get("requests.json", end_date="2026-03-01")[1]}
    found = get("requests.json", start_date="2026-03-02T00:00:00+08:00", end_date="2026-03-03T00:00:00+08:00")[1]
    assert [r["service_request_id"] for r in found] == [old.number]
    assert_error(*get("requests.json", start_date="2026-01-01", end_date="2026-06-01"), 400, "90")
    assert_error(*get("requests.json", start_date="yesterday"), 400, "start_date")
    assert_error(*get("requests.json", start_date="2026-03-03", end_date="2026-03-02"), 400, "start_date")
    assert_error(*get("requests.json", status="pending"), 400, "status")
    assert_error(*get("requests.json", service_request_id="abc"), 400, "service_request_id")


def test_hazards_ask_for_priority(city: TestCity) -> None:
    services = {s["service_code"]: s for s in get("services.json")[1]}
    assert services["L0301"]["metadata"] is True
    status, definition = get("services/L0301.json")
    assert status == 200
    (attribute,) = definition["attributes"]
    assert attribute["code"] == "priority" and attribute["datatype"] == "singlevaluelist"
    assert attribute["variable"] is True and attribute["required"] is False
    assert {v["key"] for v in attribute["values"]} == {"normal", "urgent", "emergency"}
    fields = {"api_key": api_key(city), "service_code": "L0301", "lat": LAT, "long": LONG, "description": "楼道充电"}
    status, created = post_request({**fields, "attribute[priority]": "urgent"})
    assert status == 201
    assert Case.objects.get(number=created[0]["service_request_id"]).priority == "urgent"
    assert_error(*post_request({**fields, "attribute[priority]": "asap"}), 400, "attribute[priority]")


# --- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "code", "text"),
    [
        ({"api_key": ""}, 403, "api_key"),
        ({"api_key": "not-a-key"}, 403, "api_key"),
        ({"service_code": ""}, 400, "service_code"),
        ({"service_code": "X99"}, 400, "service_code“X99”不存在"),
        ({"service_code": "L0201"}, 400, "service_code“L0201”不存在"),  # not public
        ({"lat": "", "long": ""}, 400, "lat 和 long"),
        ({"lat": "", "long": "", "address_string": "红星路12号"}, 400, "不做地址解析"),
        ({"lat": "north"}, 400, "lat"),
        ({"lat": 31.2, "long": 121.5}, 400, "不在本市任何网格内"),
        ({"description": "长" * 2001}, 400, "2000"),
        ({"phone": "call me"}, 400, "联系电话"),
        ({"jurisdiction_id": "elsewhere.gov"}, 404, "jurisdiction_id"),
    ],
)
def test_bad_posts_answer_in_the_spec_shape_and_write_nothing(
    city: TestCity, change: dict[str, Any], code: int, text: str
) -> None:
    fields = {"api_key": api_key(city), "service_code": "L0104", "lat": LAT, "long": LONG, "description": "垃圾"}
    fields.update(change)
    assert_error(*post_request(fields), code, text)
    assert not Case.objects.exists()


def test_the_key_must_belong_to_an_account_that_reports_in_scope(city: TestCity) -> None:
    fields = {"service_code": "L0104", "lat": LAT, "long": LONG, "description": "垃圾"}
    assert_error(*post_request({**fields, "api_key": api_key(city, "auditor")}), 403, "上报事件的权限")
    assert_error(*post_request({**fields, "api_key": api_key(city, "outsider")}), 403, "管辖范围")  # 青羊区's account
    assert not Case.objects.exists()


def test_a_json_body_is_accepted_too(city: TestCity) -> None:
    body = {"api_key": api_key(city), "service_code": "L0104", "lat": LAT, "long": LONG, "description": "垃圾堆"}
    response = Client().post(f"{BASE}/requests.json", body, content_type="application/json")
    assert response.status_code == 201 and response.json()[0]["service_request_id"]


def test_unknown_ids_jurisdictions_and_methods(city: TestCity) -> None:
    assert_error(*get("requests/20260302999999.json"), 404, "20260302999999")
    assert_error(*get("tokens/abc.json"), 404, "abc")
    assert_error(*get("services/X99.json"), 404, "X99")
    assert_error(*get("services.json", jurisdiction_id="elsewhere.gov"), 404, "elsewhere.gov")
    assert_error(*get("requests.json", jurisdiction_id="elsewhere.gov"), 404, "elsewhere.gov")
    response = Client().delete(f"{BASE}/requests.json")
    assert response.status_code == 405 and response.json()[0]["code"] == 405


@override_settings(LINLI_OPEN311_JURISDICTION="chengdu.example")
def test_the_jurisdiction_is_a_setting(city: TestCity) -> None:
    assert get("services.json", jurisdiction_id="chengdu.example")[0] == 200
    assert get("services.json", jurisdiction_id="linli.local")[0] == 404
