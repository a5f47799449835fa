"""record_death / cancel_person: a person leaves the living registry, their house and household with them."""

from __future__ import annotations

import datetime
import re
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from linli.core.models import AuditEvent
from linli.people.actions import cancel_person, move_out, record_death, register_person
from linli.people.choices import PersonStatus
from linli.people.models import Household, Membership, Person, Residence
from linli.people.queries import households_without_head, person_history, suspected_duplicates
from linli.people.tests.test_actions import refused
from linli.testing import TestCity, TestPeople, add_people

GRID = "510104001001001"


@pytest.fixture
def people(city: TestCity) -> TestPeople:
    return add_people(city)


def test_a_death_ends_the_residence_and_membership_on_the_day(city: TestCity, people: TestPeople) -> None:
    li = people.persons["李娜"]
    record_death(city.users["grid_worker"], li, died_on=date(2025, 3, 2), note="死亡医学证明")
    li.refresh_from_db()
    assert (li.status, li.status_on, li.house) == (PersonStatus.DECEASED, date(2025, 3, 2), None)
    residence = Residence.objects.filter(person=li).get()
    assert residence.ended_on == date(2025, 3, 2)
    membership = Membership.objects.filter(person=li).get()
    assert membership.left_on == date(2025, 3, 2)
    household = Household.objects.get(number="H001")
    assert household.head == people.persons["张伟"]  # a member's death leaves the head in place
    event = AuditEvent.objects.filter(verb="record_death", object_id=str(li.pk)).get()
    assert event.reason == "死亡医学证明"
    assert event.actor_name == city.users["grid_worker"].username
    assert event.changes["status"] == [PersonStatus.ACTIVE, PersonStatus.DECEASED]
    assert event in person_history(li)


def test_a_deceased_head_leaves_the_household_headless(city: TestCity, people: TestPeople) -> None:
    zhang = people.persons["张伟"]
    record_death(city.users["grid_worker"], zhang, died_on=timezone.localdate())
    household = Household.objects.get(number="H001")
    assert household.head is None
    assert household.dissolved_on is None
    assert Membership.objects.current().filter(household=household).count() == 2  # spouse and son stay
    grid = city.region(GRID)
    assert household in households_without_head(city.users["grid_worker"], grid)
    assert AuditEvent.objects.filter(verb="remove_member", changes__head=["张伟", None]).exists()


def test_a_death_is_refused_in_the_future(city: TestCity, people: TestPeople) -> None:
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    error = refused(lambda: record_death(city.users["grid_worker"], people.persons["王芳"], died_on=tomorrow))
    assert error.field == "died_on"
    assert "死亡日期" in error.message and "晚于今天" in error.message


def test_a_death_is_refused_before_birth(city: TestCity, people: TestPeople) -> None:
    error = refused(
        lambda: record_death(city.users["grid_worker"], people.persons["张子涵"], died_on=date(2014, 12, 31))
    )
    assert error.field == "died_on"
    assert "早于出生日期 2015-03-09" in error.message


def test_a_death_is_refused_before_the_person_moved_in(city: TestCity, people: TestPeople) -> None:
    error = refused(lambda: record_death(city.users["grid_worker"], people.persons["王芳"], died_on=date(2021, 5, 31)))
    assert error.field == "died_on"
    assert "迁入日期 2021-06-01" in error.message


def test_a_death_is_refused_for_a_person_not_active(city: TestCity, people: TestPeople) -> None:
    worker = city.users["grid_worker"]
    wang = people.persons["王芳"]
    record_death(worker, wang, died_on=date(2025, 1, 5))
    error = refused(lambda: record_death(worker, wang, died_on=date(2025, 1, 6)))
    assert error.field == "person" and "死亡" in error.message and "在册" in error.message
    zhang = people.persons["张子涵"]
    move_out(worker, zhang, on=date(2025, 2, 1))
    error = refused(lambda: record_death(worker, zhang, died_on=date(2025, 2, 2)))
    assert error.field == "person" and "迁出" in error.message


def test_a_death_is_refused_outside_the_actors_scope(city: TestCity, people: TestPeople) -> None:
    chen = people.persons["陈静"]  # 青羊区
    refused(lambda: record_death(city.users["grid_worker"], chen, died_on=date(2025, 1, 1)), PermissionDenied)
    refused(
        lambda: record_death(city.users["district_leader"], people.persons["王芳"], died_on=date(2025, 1, 1)),
        PermissionDenied,
    )


def test_a_long_note_is_refused(city: TestCity, people: TestPeople) -> None:
    error = refused(
        lambda: record_death(
            city.users["grid_worker"], people.persons["王芳"], died_on=date(2025, 1, 1), note="长" * 201
        )
    )
    assert error.field == "note"


def test_cancel_person_withdraws_a_duplicate_registration(city: TestCity, people: TestPeople) -> None:
    worker = city.users["community_worker"]
    liu = people.persons["刘洋"]
    # The same person registered a second time in another grid under a passport: a duplicate record.
    copy = register_person(
        worker, region=city.region(GRID), id_type="passport", id_number="E12345678", name="刘洋", sex="1"
    )
    Person.objects.filter(pk=copy.pk).update(id_digest=liu.id_digest)  # as an import would leave it
    grid = city.region("510104001001")
    assert set(suspected_duplicates(worker, grid)) == {liu, copy}
    cancel_person(worker, copy, on=timezone.localdate(), reason="重复登记")
    copy.refresh_from_db()
    assert (copy.status, copy.status_on) == (PersonStatus.CANCELLED, timezone.localdate())
    assert set(suspected_duplicates(worker, grid)) == set()
    event = AuditEvent.objects.filter(verb="cancel_person", object_id=str(copy.pk)).get()
    assert event.reason == "重复登记"
    assert event.changes["status"] == [PersonStatus.ACTIVE, PersonStatus.CANCELLED]


def test_cancelling_ends_the_residence_and_membership(city: TestCity, people: TestPeople) -> None:
    wang = people.persons["王芳"]
    cancel_person(city.users["grid_worker"], wang, on=date(2025, 6, 1), reason="登记有误")
    assert Residence.objects.current().filter(person=wang).count() == 0
    assert Membership.objects.current().filter(person=wang).count() == 0
    assert Household.objects.get(number="H002").head is None


@pytest.mark.parametrize("reason", ["", " ", "重", " 重 "])
def test_cancel_needs_a_reason_of_two_characters(city: TestCity, people: TestPeople, reason: str) -> None:
    error = refused(
        lambda: cancel_person(city.users["grid_worker"], people.persons["王芳"], on=date(2025, 1, 1), reason=reason)
    )
    assert error.field == "reason" and "注销原因" in error.message


def test_cancel_is_refused_in_the_future_before_birth_and_when_not_active(city: TestCity, people: TestPeople) -> None:
    worker = city.users["grid_worker"]
    wang = people.persons["王芳"]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    error = refused(lambda: cancel_person(worker, wang, on=tomorrow, reason="重复登记"))
    assert error.field == "on" and "注销日期" in error.message
    error = refused(lambda: cancel_person(worker, wang, on=date(1943, 1, 1), reason="重复登记"))
    assert error.field == "on" and "出生日期" in error.message
    cancel_person(worker, wang, on=date(2025, 1, 1), reason="重复登记")
    error = refused(lambda: cancel_person(worker, wang, on=date(2025, 1, 2), reason="重复登记"))
    assert error.field == "person" and "注销" in error.message
    error = refused(lambda: record_death(worker, wang, died_on=date(2025, 1, 2)))
    assert error.field == "person"


def test_cancel_is_refused_outside_the_actors_scope(city: TestCity, people: TestPeople) -> None:
    chen = people.persons["陈静"]
    refused(
        lambda: cancel_person(city.users["grid_worker"], chen, on=date(2025, 1, 1), reason="重复登记"), PermissionDenied
    )


def test_a_deceased_person_cannot_move_in(city: TestCity, people: TestPeople) -> None:
    from linli.people.actions import move_in
    from linli.testing import grid_houses

    wang = people.persons["王芳"]
    record_death(city.users["grid_worker"], wang, died_on=date(2025, 1, 1))
    error = refused(lambda: move_in(city.users["grid_worker"], wang, house=grid_houses(GRID)[4], kind="registered"))
    assert error.field == "person"


# --- pages -------------------------------------------------------------------------------------


def _client(city: TestCity, username: str) -> Client:
    client = Client()
    client.force_login(city.users[username])
    return client


def test_the_detail_page_offers_death_and_cancel_to_editors_of_active_persons(
    city: TestCity, people: TestPeople
) -> None:
    wang = people.persons["王芳"]
    detail = reverse("people:detail", args=[wang.pk])
    html = _client(city, "grid_worker").get(detail).content.decode()
    assert reverse("people:record_death", args=[wang.pk]) in html and reverse("people:cancel", args=[wang.pk]) in html
    html = _client(city, "district_leader").get(detail).content.decode()  # reads, does not edit
    assert reverse("people:record_death", args=[wang.pk]) not in html
    record_death(city.users["grid_worker"], wang, died_on=date(2025, 1, 5))
    html = _client(city, "grid_worker").get(detail).content.decode()
    assert reverse("people:record_death", args=[wang.pk]) not in html and "2025-01-05" in html


def test_recording_a_death_through_the_page(city: TestCity, people: TestPeople) -> None:
    client = _client(city, "grid_worker")
    wang = people.persons["王芳"]
    url = reverse("people:record_death", args=[wang.pk])
    page = client.get(url)
    assert page.status_code == 200 and "data-confirm" in page.content.decode()  # the confirmation step
    response = client.post(url, {"died_on": "2025-01-05", "note": "家属告知"})
    assert response.status_code == 302
    wang.refresh_from_db()
    assert wang.status == PersonStatus.DECEASED
    history = client.get(reverse("people:detail", args=[wang.pk])).content.decode()
    assert "登记死亡" in history and "家属告知" in history


def test_a_refused_death_is_shown_at_the_date_field_and_changes_nothing(city: TestCity, people: TestPeople) -> None:
    from linli.people.tests.test_actions import unchanged

    wang = people.persons["王芳"]
    url = reverse("people:record_death", args=[wang.pk])
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    client = _client(city, "grid_worker")  # signing in is itself audited: before the comparison
    with unchanged():
        response = client.post(url, {"died_on": tomorrow})
    assert response.status_code == 400
    assert "晚于今天" in " ".join(response.context["form"]["died_on"].errors)


def test_cancelling_through_the_page_needs_a_reason(city: TestCity, people: TestPeople) -> None:
    from linli.people.tests.test_actions import unchanged

    client = _client(city, "grid_worker")
    wang = people.persons["王芳"]
    url = reverse("people:cancel", args=[wang.pk])
    with unchanged():
        response = client.post(url, {"on": "2025-01-05", "reason": "重"})
    assert response.status_code == 400 and response.context["form"]["reason"].errors
    assert client.post(url, {"on": "2025-01-05", "reason": "重复登记"}).status_code == 302
    wang.refresh_from_db()
    assert wang.status == PersonStatus.CANCELLED


@pytest.mark.parametrize("route", ["people:record_death", "people:cancel"])
def test_another_grids_person_is_404_on_the_status_pages(city: TestCity, people: TestPeople, route: str) -> None:
    liu = people.persons["刘洋"]  # the neighbouring grid
    client = _client(city, "grid_worker")
    assert client.get(reverse(route, args=[liu.pk])).status_code == 404
    assert client.post(reverse(route, args=[liu.pk]), {"died_on": "2025-01-01", "on": "2025-01-01"}).status_code == 404
    liu.refresh_from_db()
    assert liu.status == PersonStatus.ACTIVE


def test_the_list_filters_by_the_new_statuses(city: TestCity, people: TestPeople) -> None:
    worker = city.users["community_worker"]
    record_death(worker, people.persons["王芳"], died_on=date(2025, 1, 5))
    cancel_person(worker, people.persons["刘洋"], on=date(2025, 1, 5), reason="重复登记")
    client = _client(city, "community_worker")

    def listed(query: str) -> set[str]:
        html = client.get(reverse("people:list") + query).content.decode()
        return set(re.findall(r'class="person-name" href="/people/\d+/">([^<]+)</a>', html))

    assert listed("") == {"张伟", "李娜", "张子涵"}
    assert listed("?status=deceased") == {"王芳"}
    assert listed("?status=cancelled") == {"刘洋"}


# --- API ---------------------------------------------------------------------------------------


def _api(city: TestCity, username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(city.users[username])
    return client


def test_the_api_records_a_death_and_a_cancellation(city: TestCity, people: TestPeople) -> None:
    client = _api(city, "community_worker")
    wang, liu = people.persons["王芳"], people.persons["刘洋"]
    response = client.post(f"/api/v1/persons/{wang.pk}/death/", {"died_on": "2025-01-05"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "deceased"
    response = client.post(
        f"/api/v1/persons/{liu.pk}/cancel/", {"on": "2025-01-05", "reason": "重复登记"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    statuses = client.get("/api/v1/persons/", {"status": "deceased"}).json()["results"]
    assert [p["name"] for p in statuses] == ["王芳"]


def test_the_api_refuses_with_field_errors_and_writes_nothing(city: TestCity, people: TestPeople) -> None:
    from linli.people.tests.test_actions import unchanged

    client = _api(city, "grid_worker")
    wang = people.persons["王芳"]
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    with unchanged():
        response = client.post(f"/api/v1/persons/{wang.pk}/death/", {"died_on": tomorrow}, format="json")
        assert response.status_code == 400 and "died_on" in response.json()
        response = client.post(f"/api/v1/persons/{wang.pk}/cancel/", {"on": "2025-01-05", "reason": ""}, format="json")
        assert response.status_code == 400 and "reason" in response.json()
        liu = people.persons["刘洋"]  # another grid: 404, as if it did not exist
        assert (
            client.post(f"/api/v1/persons/{liu.pk}/death/", {"died_on": "2025-01-05"}, format="json").status_code == 404
        )
        reader = _api(city, "district_leader")  # sees the person, may not change the registry
        response = reader.post(f"/api/v1/persons/{wang.pk}/death/", {"died_on": "2025-01-05"}, format="json")
        assert response.status_code == 403
