"""Households: register a family, heads, members, split and merge — dated memberships, never deleted."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from linli.people.actions import (
    FamilyMemberError,
    add_member,
    create_household,
    merge_households,
    register_family,
    register_person,
    remove_member,
    set_head,
    split_household,
)
from linli.people.models import Household, Membership, Person, Residence
from linli.people.queries import household_history, person_history
from linli.people.tests.test_actions import refused
from linli.testing import TestCity, TestPeople, add_people, grid_houses, resident_id


@pytest.fixture
def people(city: TestCity) -> TestPeople:
    return add_people(city)


def _family(**overrides: Any) -> list[dict[str, Any]]:
    members = [
        {"name": "赵强", "id_number": resident_id(date(1985, 4, 2), 51, "110101"), "relation": "02"},
        {"name": "孙丽", "id_number": resident_id(date(1987, 9, 18), 52, "110101"), "relation": "10"},
        {"name": "赵小宝", "id_number": resident_id(date(2018, 12, 1), 53, "110101"), "relation": "20"},
    ]
    for index, changes in overrides.items():
        members[int(index.removeprefix("m"))].update(changes)
    return members


def current_members(household: Household) -> dict[str, str]:
    return dict(household.memberships.current().values_list("person__name", "relation"))


def test_grid_worker_registers_a_newcomer_family_into_a_house_of_their_grid(city: TestCity) -> None:
    house = grid_houses("510104001001001")[4]
    household = register_family(
        city.users["grid_worker"],
        house=house,
        kind="floating",
        household_number="F2025001",
        members=_family(),
        started_on=date(2025, 5, 1),
    )
    assert household.head is not None and household.head.name == "赵强"
    assert household.house == house
    assert household.region.code == "510104001001001"
    assert current_members(household) == {"赵强": "02", "孙丽": "10", "赵小宝": "20"}
    persons = Person.objects.filter(name__in=["赵强", "孙丽", "赵小宝"])
    assert {p.house_id for p in persons} == {house.pk}
    assert {p.region_path for p in persons} == {house.region_path}
    assert {(p.name, p.sex) for p in persons} == {("赵强", "1"), ("孙丽", "2"), ("赵小宝", "1")}
    residences = Residence.objects.filter(person__in=persons)
    assert {(r.kind, r.started_on, r.ended_on) for r in residences} == {("floating", date(2025, 5, 1), None)}
    assert [e.verb for e in household_history(household)][:2] == ["create_household", "add_member"]


def test_a_family_with_one_bad_id_is_refused_whole_naming_the_member(city: TestCity) -> None:
    bad = _family(m2={"id_number": resident_id(date(2018, 12, 1), 53, "110101")[:17] + "0"})
    if bad[2]["id_number"] == _family()[2]["id_number"]:
        bad[2]["id_number"] = bad[2]["id_number"][:17] + "1"
    house = grid_houses("510104001001001")[4]
    error = refused(
        lambda: register_family(
            city.users["grid_worker"], house=house, kind="floating", household_number="F1", members=bad
        ),
        FamilyMemberError,
    )
    assert error.index == 2
    assert error.field == "id_number"
    assert "赵小宝" in error.message


def test_a_family_needs_exactly_one_head(city: TestCity) -> None:
    house = grid_houses("510104001001001")[4]
    two_heads = _family(m1={"relation": "02"})
    refused(
        lambda: register_family(
            city.users["grid_worker"], house=house, kind="registered", household_number="F1", members=two_heads
        )
    )


def test_a_family_cannot_move_into_another_grid(city: TestCity) -> None:
    house = grid_houses("510104001001002")[4]
    refused(
        lambda: register_family(
            city.users["grid_worker"], house=house, kind="floating", household_number="F1", members=_family()
        ),
        PermissionDenied,
    )


def test_a_head_cannot_head_a_second_household(city: TestCity, people: TestPeople) -> None:
    zhang = people.persons["张伟"]
    error = refused(
        lambda: create_household(
            city.users["grid_worker"], number="H009", house=grid_houses("510104001001001")[7], head=zhang
        )
    )
    assert "已是户“H001”的户主" in error.message
    assert error.field == "head"


def test_a_member_cannot_join_a_second_household(city: TestCity, people: TestPeople) -> None:
    error = refused(
        lambda: add_member(city.users["grid_worker"], people.households["H002"], people.persons["李娜"], relation="99")
    )
    assert "已是户“H001”的成员" in error.message


def test_the_database_backs_up_one_head_per_household(city: TestCity, people: TestPeople) -> None:
    household = people.households["H001"]
    li = people.persons["李娜"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(household=household, person=li).update(relation="02")


def test_the_database_backs_up_one_household_per_person(city: TestCity, people: TestPeople) -> None:
    household = people.households["H002"]
    li = people.persons["李娜"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            household=household, person=li, relation="99", region=household.region, region_path=household.region_path
        )


def test_a_second_head_is_refused(city: TestCity, people: TestPeople) -> None:
    worker = city.users["grid_worker"]
    newcomer = register_person(
        worker,
        house=grid_houses("510104001001001")[0],
        id_number=resident_id(date(1950, 1, 1), 91),
        name="张老汉",
    )
    error = refused(lambda: add_member(worker, people.households["H001"], newcomer, relation="02"))
    assert error.field == "relation"
    membership = add_member(worker, people.households["H001"], newcomer, relation="50")
    assert membership.relation == "50"


def test_set_head_keeps_dated_history(city: TestCity, people: TestPeople) -> None:
    household = people.households["H001"]
    li = people.persons["李娜"]
    set_head(city.users["grid_worker"], household, li, former_head_relation="10", on=date(2025, 2, 1))
    household.refresh_from_db()
    assert household.head == li
    assert current_members(household) == {"李娜": "02", "张伟": "10", "张子涵": "20"}
    zhang_rows = list(Membership.objects.filter(person=people.persons["张伟"]).order_by("joined_on", "pk"))
    assert [(m.relation, m.joined_on, m.left_on) for m in zhang_rows] == [
        ("02", date(2021, 6, 1), date(2025, 2, 1)),
        ("10", date(2025, 2, 1), None),
    ]
    assert "set_head" in [e.verb for e in household_history(household)]


def test_remove_member_and_head_rules(city: TestCity, people: TestPeople) -> None:
    worker = city.users["grid_worker"]
    household = people.households["H001"]
    refused(lambda: remove_member(worker, household, people.persons["张伟"]))  # head, others remain
    child = people.persons["张子涵"]
    membership = remove_member(worker, household, child, left_on=date(2025, 9, 1))
    assert membership.left_on == date(2025, 9, 1)
    assert Membership.objects.filter(person=child).count() == 1  # kept, ended
    refused(lambda: remove_member(worker, household, child))  # no longer a member
    assert "remove_member" in [e.verb for e in person_history(child)]
    # The last member may leave even as head: the household is then headless.
    wang_household = people.households["H002"]
    remove_member(worker, wang_household, people.persons["王芳"])
    wang_household.refresh_from_db()
    assert wang_household.head is None


def test_split_household_keeps_memberships_dated(city: TestCity, people: TestPeople) -> None:
    worker = city.users["grid_worker"]
    household = people.households["H001"]
    li, child = people.persons["李娜"], people.persons["张子涵"]
    new = split_household(
        worker, household, members=[(li, "02"), (child, "20")], new_number="H001-2", head=li, on=date(2025, 3, 1)
    )
    assert new.head == li
    assert new.house == household.house
    assert current_members(new) == {"李娜": "02", "张子涵": "20"}
    assert current_members(household) == {"张伟": "02"}
    assert Membership.objects.filter(person=li).count() == 2
    old_row = Membership.objects.get(person=li, household=household)
    assert old_row.left_on == date(2025, 3, 1)
    assert "split_household" in [e.verb for e in household_history(household)]


def test_split_refusals(city: TestCity, people: TestPeople) -> None:
    worker = city.users["grid_worker"]
    household = people.households["H001"]
    zhang, li, child = people.persons["张伟"], people.persons["李娜"], people.persons["张子涵"]
    wang = people.persons["王芳"]
    refused(lambda: split_household(worker, household, members=[zhang], new_number="X", head=zhang))  # the head
    refused(lambda: split_household(worker, household, members=[li], new_number="X", head=child))  # head not in
    refused(lambda: split_household(worker, household, members=[wang], new_number="X", head=wang))  # not a member
    refused(lambda: split_household(worker, household, members=[li], new_number="H002", head=li))  # number taken


def test_merge_households_dissolves_the_source_and_keeps_history(city: TestCity, people: TestPeople) -> None:
    worker = city.users["grid_worker"]
    source, into = people.households["H002"], people.households["H001"]
    wang = people.persons["王芳"]
    merge_households(worker, source, into=into, relations={wang.pk: "50"}, on=date(2025, 7, 1))
    source.refresh_from_db()
    assert source.dissolved_on == date(2025, 7, 1)
    assert source.head is None
    assert current_members(into)["王芳"] == "50"
    assert Membership.objects.get(person=wang, household=source).left_on == date(2025, 7, 1)
    assert Household.objects.filter(pk=source.pk).exists()
    newcomer = register_person(
        worker, house=grid_houses("510104001001001")[1], id_number=resident_id(date(1960, 1, 1), 93), name="钱多"
    )
    refused(lambda: add_member(worker, source, newcomer, relation="99"))  # dissolved
    refused(lambda: merge_households(worker, into, into=into))


def test_household_actions_outside_scope_are_refused(city: TestCity, people: TestPeople) -> None:
    worker = city.users["grid_worker"]
    theirs = people.households["H101"]
    refused(lambda: set_head(worker, theirs, people.persons["陈静"]), PermissionDenied)
    refused(lambda: merge_households(worker, people.households["H002"], into=theirs), PermissionDenied)
    refused(lambda: add_member(worker, theirs, people.persons["王芳"], relation="99"), PermissionDenied)
