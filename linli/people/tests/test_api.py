"""The people API: scoped, masked by default, searchable; unmask needs a role and a reason and is audited."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from linli.accounts.models import Assignment, User
from linli.accounts.roles import Role
from linli.core.idnumbers import check_character
from linli.core.models import AuditEvent
from linli.people.actions import add_member, create_household, register_person, tag_person
from linli.people.choices import Relation, ResidenceKind
from linli.people.models import Household, Person, Tag
from linli.places.models import House
from linli.testing import TestCity

GRID = "510104001001001"
OTHER_GRID = "510104002001001"


def resident_id(first17: str) -> str:
    return first17 + check_character(first17)


@dataclass
class Registry:
    wang: Person
    wang_ff: Person
    zhang: Person  # in another subdistrict: outside the grid worker's and community worker's scope
    household: Household
    clear_ids: list[str]
    clear_phones: list[str]


def house_in(code: str, city: TestCity) -> House:
    house = House.objects.filter(region=city.region(code)).order_by("pk").first()
    assert house is not None
    return house


@pytest.fixture
def registry(city: TestCity) -> Registry:
    worker = city.users["grid_worker"]
    staff = city.users["subdistrict_staff"]
    house = house_in(GRID, city)
    ids = [resident_id("51010419800101002"), resident_id("51010419850505004"), resident_id("51010419700707001")]
    phones = ["13800138000", "13912345678", "13698765432"]
    wang = register_person(worker, house=house, id_number=ids[0], name="王芳", phone=phones[0])
    wang_ff = register_person(worker, house=house, id_number=ids[1], name="王芳芳", phone=phones[1])
    other = city.region(OTHER_GRID)
    other_worker = User.objects.create_user(username="other_worker", password=None, display_name="other_worker")
    Assignment.objects.create(user=other_worker, role=Role.GRID_WORKER, region=other, region_path=other.path)
    zhang = register_person(
        other_worker, house=house_in(OTHER_GRID, city), id_number=ids[2], name="张三", phone=phones[2]
    )
    household = create_household(staff, number="HH0001", house=house, head=wang)
    add_member(staff, household, wang_ff, relation=Relation.DAUGHTER)
    tag = Tag.objects.filter(visibility="open").order_by("code").first()
    assert tag is not None
    tag_person(worker, wang, tag)
    return Registry(wang, wang_ff, zhang, household, ids, phones)


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def people_urls(registry: Registry) -> Iterator[str]:
    for person in (registry.wang, registry.wang_ff, registry.zhang):
        yield f"/api/v1/persons/{person.pk}/"
        yield f"/api/v1/persons/{person.pk}/history/"
    yield "/api/v1/persons/"
    yield "/api/v1/persons/?q=王芳"
    yield "/api/v1/persons/?q=wf"
    yield f"/api/v1/persons/?q={registry.clear_ids[0]}"
    yield f"/api/v1/persons/?q={registry.clear_phones[0]}"
    yield "/api/v1/households/"
    yield f"/api/v1/households/{registry.household.pk}/"
    yield "/api/v1/residences/"
    yield "/api/v1/tags/"


ROLES = ["grid_worker", "community_worker", "subdistrict_staff", "district_leader", "department_staff", "auditor"]


@pytest.mark.parametrize("role", ROLES)
def test_no_clear_id_number_or_phone_in_any_people_response(registry: Registry, city: TestCity, role: str) -> None:
    client = client_for(city.users[role])
    answered = 0
    for url in people_urls(registry):
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        body = response.content.decode()
        for secret in [*registry.clear_ids, *registry.clear_phones]:
            assert secret not in body, f"{url} shows a clear value to {role}"
        answered += response.status_code == 200
    assert answered > 5


def test_list_is_masked_and_scoped(registry: Registry, city: TestCity) -> None:
    data = client_for(city.users["grid_worker"]).get("/api/v1/persons/").json()
    rows = {row["name"]: row for row in data["results"]}
    assert set(rows) == {"王芳", "王芳芳"}
    assert rows["王芳"]["id_masked"] == registry.clear_ids[0][:6] + "********" + registry.clear_ids[0][-4:]
    assert rows["王芳"]["phone_masked"] == "138****8000"
    assert rows["王芳"]["age"] >= 40
    assert "phone" not in rows["王芳"] and "id_number" not in rows["王芳"]
    leader = client_for(city.users["district_leader"]).get("/api/v1/persons/").json()
    assert {row["name"] for row in leader["results"]} == {"王芳", "王芳芳", "张三"}


def test_outside_scope_is_404(registry: Registry, city: TestCity) -> None:
    outsider = client_for(city.users["outsider"])
    assert outsider.get("/api/v1/persons/").json()["results"] == []
    assert outsider.get(f"/api/v1/persons/{registry.wang.pk}/").status_code == 404
    assert outsider.get(f"/api/v1/persons/{registry.wang.pk}/history/").status_code == 404
    assert (
        outsider.post(
            f"/api/v1/persons/{registry.wang.pk}/unmask/", {"field": "phone", "reason": "核实身份信息"}
        ).status_code
        == 404
    )
    worker = client_for(city.users["grid_worker"])
    assert worker.get(f"/api/v1/persons/{registry.zhang.pk}/").status_code == 404


def test_resident_has_no_access(registry: Registry, city: TestCity) -> None:
    assert client_for(city.users["resident"]).get("/api/v1/persons/").status_code == 403


def test_search_through_the_api(registry: Registry, city: TestCity) -> None:
    client = client_for(city.users["district_leader"])

    def found(q: str) -> list[str]:
        return [row["name"] for row in client.get("/api/v1/persons/", {"q": q}).json()["results"]]

    assert found("王芳") == ["王芳", "王芳芳"]
    assert found("wf") == ["王芳", "王芳芳"]
    assert found("zhangsan") == ["张三"]
    assert found(registry.clear_ids[2]) == ["张三"]
    assert found("13698765432") == ["张三"]
    worker = client_for(city.users["grid_worker"])
    assert worker.get("/api/v1/persons/", {"q": "张三"}).json()["results"] == []


def test_filters(registry: Registry, city: TestCity, django_assert_max_num_queries: Any) -> None:
    client = client_for(city.users["district_leader"])
    other = city.region(OTHER_GRID)
    assert [r["name"] for r in client.get("/api/v1/persons/", {"region": other.pk}).json()["results"]] == ["张三"]
    tag_code = Tag.objects.filter(visibility="open").order_by("code").values_list("code", flat=True)[0]
    assert [r["name"] for r in client.get("/api/v1/persons/", {"tag": tag_code}).json()["results"]] == ["王芳"]
    assert client.get("/api/v1/persons/", {"status": "moved_out"}).json()["results"] == []
    kind = ResidenceKind.REGISTERED
    assert len(client.get("/api/v1/persons/", {"kind": kind}).json()["results"]) == 3
    response = client.get("/api/v1/persons/", {"region": "x", "status": "nope"})
    assert response.status_code == 400
    assert set(response.json()) == {"region", "status"}


def test_households_residences_tags(registry: Registry, city: TestCity) -> None:
    client = client_for(city.users["community_worker"])
    household = client.get(f"/api/v1/households/{registry.household.pk}/").json()
    assert household["head_name"] == "王芳"
    assert {(m["person_name"], m["relation"]) for m in household["members"]} == {
        ("王芳", Relation.HEAD),
        ("王芳芳", Relation.DAUGHTER),
    }
    residences = client.get("/api/v1/residences/", {"current": "true"}).json()["results"]
    assert {r["person_name"] for r in residences} == {"王芳", "王芳芳"}
    detail = client.get(f"/api/v1/persons/{registry.wang.pk}/").json()
    assert detail["household"]["number"] == "HH0001"
    assert len(detail["tags"]) == 1
    tags = client.get("/api/v1/tags/").json()["results"]
    visible = {t["code"] for t in tags}
    protected = set(Tag.objects.filter(visibility="protected").values_list("code", flat=True))
    for tag in Tag.objects.filter(visibility="protected"):
        if "community_worker" not in (tag.visible_roles or []):
            assert tag.code not in visible
    assert visible - protected == set(Tag.objects.exclude(visibility="protected").values_list("code", flat=True))


def test_history_is_masked(registry: Registry, city: TestCity) -> None:
    client = client_for(city.users["community_worker"])
    events = client.get(f"/api/v1/persons/{registry.wang.pk}/history/").json()["results"]
    verbs = [e["verb"] for e in events]
    assert verbs[0] == "register_person"
    assert "tag_person" in verbs
    assert registry.clear_ids[0] not in json.dumps(events, ensure_ascii=False)


def test_unmask_needs_a_reason_and_is_audited(registry: Registry, city: TestCity) -> None:
    client = client_for(city.users["community_worker"])
    url = f"/api/v1/persons/{registry.wang.pk}/unmask/"
    before = AuditEvent.objects.filter(verb="unmask").count()
    response = client.post(url, {"field": "id_number"})
    assert response.status_code == 400
    assert "reason" in response.json()
    assert client.post(url, {"field": "id_number", "reason": "  "}).status_code == 400
    assert client.post(url, {"field": "name", "reason": "核实身份信息"}).status_code == 400
    assert AuditEvent.objects.filter(verb="unmask").count() == before

    response = client.post(url, {"field": "id_number", "reason": "核实低保申请人身份"})
    assert response.status_code == 200
    assert response.json() == {"field": "id_number", "value": registry.clear_ids[0]}
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.filter(verb="unmask").latest("seq")
    assert event.reason == "核实低保申请人身份"
    assert event.object_id == str(registry.wang.pk)
    assert event.actor_name == "community_worker"
    assert registry.clear_ids[0] not in json.dumps(event.changes)


def test_unmask_without_permission_is_403(registry: Registry, city: TestCity) -> None:
    url = f"/api/v1/persons/{registry.wang.pk}/unmask/"
    before = AuditEvent.objects.filter(verb="unmask").count()
    leader = client_for(city.users["district_leader"])
    response = leader.post(url, {"field": "id_number", "reason": "核实低保申请人身份"})
    assert response.status_code == 403
    assert registry.clear_ids[0] not in response.content.decode()
    worker = client_for(city.users["grid_worker"])  # may see phones, not ID numbers
    assert worker.post(url, {"field": "id_number", "reason": "核实身份信息"}).status_code == 403
    assert worker.post(url, {"field": "phone", "reason": "上门联系住户"}).json()["value"] == "13800138000"
    assert AuditEvent.objects.filter(verb="unmask").count() == before + 1


def test_create_person(registry: Registry, city: TestCity) -> None:
    worker = client_for(city.users["grid_worker"])
    house = house_in(GRID, city)
    number = resident_id("51010420100303003")
    response = worker.post(
        "/api/v1/persons/",
        {"house": house.pk, "id_number": number, "name": "李小明", "phone": "13511112222"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.content.decode()
    assert number not in body and "13511112222" not in body
    data = response.json()
    assert data["name"] == "李小明" and data["sex"] == "1" and data["birth_date"] == "2010-03-03"
    assert [r["name"] for r in worker.get("/api/v1/persons/", {"q": "lxm"}).json()["results"]] == ["李小明"]


def test_create_person_refusals(registry: Registry, city: TestCity) -> None:
    worker = client_for(city.users["grid_worker"])
    house = house_in(GRID, city)
    bad = resident_id("51010420100303003")[:-1] + ("0" if resident_id("51010420100303003")[-1] != "0" else "1")
    response = worker.post("/api/v1/persons/", {"house": house.pk, "id_number": bad, "name": "错号"}, format="json")
    assert response.status_code == 400
    assert "id_number" in response.json()
    assert bad not in response.content.decode()
    duplicate = worker.post(
        "/api/v1/persons/", {"house": house.pk, "id_number": registry.clear_ids[0], "name": "重复"}, format="json"
    )
    assert duplicate.status_code == 400
    outside = worker.post(
        "/api/v1/persons/",
        {"house": house_in(OTHER_GRID, city).pk, "id_number": resident_id("51010419900101001"), "name": "越界"},
        format="json",
    )
    assert outside.status_code == 400 and "house" in outside.json()
    viewer = client_for(city.users["district_leader"])
    answer = viewer.post(
        "/api/v1/persons/", {"house": house.pk, "id_number": resident_id("51010419900101001"), "name": "只读"}
    )
    assert answer.status_code == 403
    assert not Person.objects.filter(name__in=["错号", "重复", "越界", "只读"]).exists()


def test_session_client_sees_the_same(registry: Registry, city: TestCity) -> None:
    client = Client()
    client.force_login(city.users["grid_worker"])
    response = client.get("/api/v1/persons/", {"q": "wangfang"})
    assert response.status_code == 200
    assert registry.clear_ids[0] not in response.content.decode()
