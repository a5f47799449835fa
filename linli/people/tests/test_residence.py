"""move_in / move_out: dated residences, the person following their house's grid, and scope."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from linli.core.models import AuditEvent
from linli.people.actions import move_in, move_out
from linli.people.models import Person, Residence
from linli.people.queries import person_history
from linli.people.tests.test_actions import refused
from linli.testing import TestCity, TestPeople, add_people, grid_houses


@pytest.fixture
def people(city: TestCity) -> TestPeople:
    return add_people(city)


def test_move_in_ends_the_current_residence_and_starts_a_new_one(city: TestCity, people: TestPeople) -> None:
    wang = people.persons["王芳"]
    old = Residence.objects.current().get(person=wang)
    house = grid_houses("510104001001001")[5]
    new = move_in(
        city.users["grid_worker"], wang, house=house, kind="left_behind", started_on=date(2025, 4, 1), note="随女儿"
    )
    old.refresh_from_db()
    assert old.ended_on == date(2025, 4, 1)
    assert (new.house, new.kind, new.started_on, new.ended_on, new.note) == (
        house,
        "left_behind",
        date(2025, 4, 1),
        None,
        "随女儿",
    )
    wang.refresh_from_db()
    assert wang.house == house
    assert wang.current_address == house.address
    assert Residence.objects.filter(person=wang).count() == 2
    assert Residence.objects.current().filter(person=wang).count() == 1
    event = AuditEvent.objects.filter(verb="move_in", object_id=str(wang.pk)).order_by("seq").last()
    assert event is not None
    assert event.changes["house"] == [old.house.address, house.address]


def test_a_move_between_grids_moves_the_person_to_the_new_grid(city: TestCity, people: TestPeople) -> None:
    wang = people.persons["王芳"]
    house = grid_houses("510104001001002")[0]
    move_in(city.users["community_worker"], wang, house=house, kind="registered")
    wang.refresh_from_db()
    assert wang.region.code == "510104001001002"
    assert wang.region_path == house.region_path
    # The grid worker of the old grid no longer sees her; the household stays where it was.
    assert not Person.objects.visible_to(city.users["grid_worker"]).filter(pk=wang.pk).exists()
    assert people.households["H002"].region.code == "510104001001001"


def test_grid_worker_cannot_move_a_person_into_another_grid(city: TestCity, people: TestPeople) -> None:
    zhang = people.persons["张伟"]
    other = grid_houses("510104001001002")[1]
    refused(lambda: move_in(city.users["grid_worker"], zhang, house=other, kind="registered"), PermissionDenied)


def test_grid_worker_cannot_move_a_person_into_another_district(city: TestCity, people: TestPeople) -> None:
    zhang = people.persons["张伟"]
    other = grid_houses("510105001001001")[1]
    refused(lambda: move_in(city.users["grid_worker"], zhang, house=other, kind="registered"), PermissionDenied)


def test_outsider_cannot_move_our_people_into_their_district(city: TestCity, people: TestPeople) -> None:
    zhang = people.persons["张伟"]
    theirs = grid_houses("510105001001001")[1]
    refused(lambda: move_in(city.users["outsider"], zhang, house=theirs, kind="registered"), PermissionDenied)


def test_move_in_refuses_bad_input(city: TestCity, people: TestPeople) -> None:
    worker = city.users["grid_worker"]
    zhang = people.persons["张伟"]
    house = grid_houses("510104001001001")[6]
    assert refused(lambda: move_in(worker, zhang, house=house, kind="tourist")).field == "kind"
    assert refused(lambda: move_in(worker, zhang, house=house, kind="registered", separation="x")).field == (
        "separation"
    )
    early = date(2020, 1, 1)  # before the current residence began (2021-06-01)
    assert refused(lambda: move_in(worker, zhang, house=house, kind="registered", started_on=early)).field == (
        "started_on"
    )
    assert refused(lambda: move_in(worker, zhang, house=house, kind="registered", colour="red")).field == "colour"


def test_floating_details_are_kept(city: TestCity, people: TestPeople) -> None:
    liu = people.persons["刘洋"]
    house = grid_houses("510104001001002")[3]
    residence = move_in(
        city.users["community_worker"],
        liu,
        house=house,
        kind="floating",
        separation="registered_elsewhere",
        floating_reason="务工",
        permit_type="居住证",
        permit_expires_on=date(2027, 1, 1),
    )
    residence.refresh_from_db()
    assert (residence.floating_reason, residence.permit_expires_on, residence.separation) == (
        "务工",
        date(2027, 1, 1),
        "registered_elsewhere",
    )


def test_move_out_ends_the_residence_and_marks_the_person(city: TestCity, people: TestPeople) -> None:
    wang = people.persons["王芳"]
    move_out(city.users["grid_worker"], wang, on=date(2025, 9, 1), note="迁往外省")
    wang.refresh_from_db()
    assert (wang.status, wang.status_on, wang.house) == ("moved_out", date(2025, 9, 1), None)
    residence = Residence.objects.get(person=wang)
    assert residence.ended_on == date(2025, 9, 1)
    assert residence.note == "迁往外省"
    # Still in her last grid, so the worker can find the record.
    assert Person.objects.visible_to(city.users["grid_worker"]).filter(pk=wang.pk).exists()
    assert [e.verb for e in person_history(wang)][-1] == "move_out"


def test_move_out_twice_is_refused(city: TestCity, people: TestPeople) -> None:
    wang = people.persons["王芳"]
    move_out(city.users["grid_worker"], wang)
    refused(lambda: move_out(city.users["grid_worker"], wang))


def test_moving_back_in_makes_the_person_active_again(city: TestCity, people: TestPeople) -> None:
    wang = people.persons["王芳"]
    worker = city.users["grid_worker"]
    move_out(worker, wang, on=date(2025, 1, 1))
    move_in(worker, wang, house=grid_houses("510104001001001")[1], kind="registered", started_on=date(2025, 6, 1))
    wang.refresh_from_db()
    assert wang.status == "active"
    assert Residence.objects.filter(person=wang).count() == 2


def test_move_out_outside_scope_is_refused(city: TestCity, people: TestPeople) -> None:
    refused(lambda: move_out(city.users["grid_worker"], people.persons["陈静"]), PermissionDenied)


def test_move_out_before_moving_in_is_refused(city: TestCity, people: TestPeople) -> None:
    error = refused(lambda: move_out(city.users["grid_worker"], people.persons["王芳"], on=date(2020, 1, 1)))
    assert error.field == "on"
