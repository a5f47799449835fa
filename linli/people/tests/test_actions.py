"""register_person / update_person / confirm_person / tags: what is stored, what is refused, and that
a refusal leaves every registry table and the audit log exactly as they were."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.forms.models import model_to_dict

from linli.core.actions import ActionError
from linli.core.crypto import decrypt, digest
from linli.core.models import AuditEvent
from linli.people.actions import (
    FLAG_BIRTH_DATE_MISMATCH,
    FLAG_CONVERTED_FROM_15,
    FLAG_SEX_MISMATCH,
    confirm_person,
    register_person,
    tag_person,
    untag_person,
    update_person,
)
from linli.people.models import Household, Membership, Person, PersonTag, Residence, Tag
from linli.people.queries import person_history, person_tags_visible_to, tags_visible_to
from linli.testing import TestCity, TestPeople, add_people, grid_houses, resident_id

ZHANG_ID = resident_id(date(1988, 7, 15), 13)  # a man born 1988-07-15 in 锦江区


def registry_state() -> dict[str, Any]:
    """Every row of every registry table, and the audit log's length: equal before and after a refusal."""
    state: dict[str, Any] = {"audit": AuditEvent.objects.count()}
    for model in (Person, Household, Membership, Residence, PersonTag):
        state[model.__name__] = [model_to_dict(row) for row in model.objects.order_by("pk")]
    return state


@contextmanager
def unchanged() -> Iterator[None]:
    before = registry_state()
    yield
    assert registry_state() == before


def refused(call: Callable[[], Any], exc: type[Exception] = ActionError) -> Any:
    """Run ``call``, expect it refused with ``exc`` and nothing written; return the exception."""
    with unchanged(), pytest.raises(exc) as info:
        call()
    return info.value


@pytest.fixture
def people(city: TestCity) -> TestPeople:
    return add_people(city)


def _register(city: TestCity, **overrides: Any) -> Person:
    kwargs: dict[str, Any] = {
        "house": grid_houses("510104001001001")[2],
        "id_number": ZHANG_ID,
        "name": "张三",
        **overrides,
    }
    return register_person(city.users["grid_worker"], **kwargs)


# --- register_person -------------------------------------------------------------------------------


def test_register_person_derives_sex_and_birth_date_and_stores_the_number_encrypted(city: TestCity) -> None:
    person = _register(city, id_number=" " + ZHANG_ID[:6] + "-" + ZHANG_ID[6:].lower(), phone="138 0013 8000")
    assert person.sex == "1"
    assert person.birth_date == date(1988, 7, 15)
    assert person.id_masked == ZHANG_ID[:6] + "********" + ZHANG_ID[-4:]
    assert person.id_digest == digest(ZHANG_ID)
    assert ZHANG_ID not in person.id_number_encrypted
    assert decrypt(person.id_number_encrypted) == ZHANG_ID
    assert (person.name_pinyin, person.name_initials) == ("zhangsan", "zs")
    assert person.phone == "13800138000"
    assert person.flags == []


def test_register_person_in_a_house_belongs_to_its_grid_and_lives_there(city: TestCity) -> None:
    house = grid_houses("510104001001001")[2]
    person = _register(city, house=house)
    assert person.region_id == house.region_id
    assert person.region_path == house.region_path
    assert person.house == house
    residence = Residence.objects.get(person=person)
    assert residence.house == house
    assert residence.ended_on is None
    assert residence.kind == "registered"


def test_register_person_without_house_takes_the_given_region(city: TestCity) -> None:
    grid = city.region("510104001001001")
    person = _register(city, house=None, region=grid)
    assert person.region == grid
    assert person.house is None
    assert not Residence.objects.filter(person=person).exists()


def test_register_person_needs_a_house_or_a_region(city: TestCity) -> None:
    error = refused(lambda: _register(city, house=None))
    assert error.field == "house"


def test_audit_of_registration_never_holds_the_clear_number_or_phone(city: TestCity) -> None:
    person = _register(city, phone="13800138000")
    events = list(person_history(person))
    assert [e.verb for e in events] == ["register_person", "move_in"]
    text = str([e.changes for e in events]) + str([e.object_repr for e in events])
    assert ZHANG_ID not in text
    assert ZHANG_ID[6:14] not in text  # not even the birth-date part of the number
    assert "13800138000" not in text
    assert events[0].changes["id_number"] == [None, person.id_masked]
    assert events[0].changes["phone"] == [None, "138****8000"]


def test_wrong_check_character_is_refused_naming_the_field(city: TestCity) -> None:
    wrong = ZHANG_ID[:17] + ("0" if ZHANG_ID[17] != "0" else "1")
    error = refused(lambda: _register(city, id_number=wrong))
    assert error.field == "id_number"
    assert "校验" in error.message
    assert wrong not in error.message


def test_excel_float_is_refused(city: TestCity) -> None:
    error = refused(lambda: _register(city, id_number="5.10104198807151E+17"))
    assert error.field == "id_number"
    assert "科学计数法" in error.message


def test_stated_sex_that_disagrees_with_the_id_is_refused(city: TestCity) -> None:
    error = refused(lambda: _register(city, sex="2"))
    assert error.field == "sex"
    assert "性别" in error.message


def test_stated_birth_date_that_disagrees_with_the_id_is_refused(city: TestCity) -> None:
    error = refused(lambda: _register(city, birth_date=date(1988, 7, 16)))
    assert error.field == "birth_date"
    assert "1988-07-15" in error.message


def test_stated_values_that_agree_are_accepted(city: TestCity) -> None:
    person = _register(city, sex="1", birth_date=date(1988, 7, 15))
    assert person.flags == []


def test_accept_mismatch_keeps_the_stated_values_and_flags_them(city: TestCity) -> None:
    person = _register(city, sex="2", birth_date=date(1988, 7, 16), accept_mismatch=True)
    assert person.sex == "2"
    assert person.birth_date == date(1988, 7, 16)
    assert {f["code"] for f in person.flags} == {FLAG_SEX_MISMATCH, FLAG_BIRTH_DATE_MISMATCH}


def test_a_15_digit_number_is_stored_as_18_and_flagged(city: TestCity) -> None:
    old = "510104880715131"  # 1988-07-15, sequence 131 (odd: a man)
    person = _register(city, id_number=old)
    assert decrypt(person.id_number_encrypted) == resident_id(date(1988, 7, 15), 131)
    assert [f["code"] for f in person.flags] == [FLAG_CONVERTED_FROM_15]


def test_duplicate_id_is_refused_naming_the_masked_number_and_grid(city: TestCity) -> None:
    first = _register(city)
    other_house = grid_houses("510104001001001")[3]
    error = refused(lambda: _register(city, house=other_house, name="张叁", id_number=ZHANG_ID.lower()))
    assert error.field == "id_number"
    assert first.id_masked in error.message
    assert "红星路社区第1网格" in error.message
    assert ZHANG_ID not in error.message


def test_a_15_digit_copy_of_a_registered_number_is_a_duplicate(city: TestCity) -> None:
    _register(city, id_number=resident_id(date(1988, 7, 15), 131))
    refused(lambda: _register(city, id_number="510104880715131", name="张叁"))


def test_other_id_types_are_normalised_without_a_check(city: TestCity) -> None:
    person = _register(city, id_type="passport", id_number="ｅ１２３ ４５６７８", sex="2", birth_date=date(1990, 1, 1))
    assert decrypt(person.id_number_encrypted) == "E12345678"
    assert person.sex == "2"
    assert person.id_masked != "E12345678"


def test_unknown_codes_and_fields_are_refused(city: TestCity) -> None:
    assert refused(lambda: _register(city, ethnicity="99")).field == "ethnicity"
    assert refused(lambda: _register(city, favourite_colour="red")).field == "favourite_colour"
    assert refused(lambda: _register(city, phone="call me")).field == "phone"
    assert refused(lambda: _register(city, name="  ")).field == "name"


def test_registering_into_a_house_of_another_grid_is_refused(city: TestCity) -> None:
    other = grid_houses("510104001001002")[0]
    refused(lambda: _register(city, house=other), PermissionDenied)


def test_registering_in_another_district_is_refused(city: TestCity) -> None:
    refused(lambda: _register(city, house=None, region=city.region("510105001001001")), PermissionDenied)


@pytest.mark.parametrize("role", ["resident", "district_leader", "department_staff", "auditor", "outsider"])
def test_roles_without_edit_people_cannot_register(city: TestCity, role: str) -> None:
    house = grid_houses("510104001001001")[2]
    refused(lambda: register_person(city.users[role], house=house, id_number=ZHANG_ID, name="张三"), PermissionDenied)


def test_community_worker_may_register_in_any_grid_of_their_community(city: TestCity) -> None:
    house = grid_houses("510104001001002")[0]
    person = register_person(city.users["community_worker"], house=house, id_number=ZHANG_ID, name="张三")
    assert person.region.code == "510104001001002"


# --- update_person ---------------------------------------------------------------------------------


def test_update_person_records_masked_changes(city: TestCity) -> None:
    person = _register(city, phone="13800138000")
    update_person(city.users["grid_worker"], person, name="张山", phone="13912345678", occupation="教师")
    person.refresh_from_db()
    assert (person.name, person.name_pinyin, person.name_initials) == ("张山", "zhangshan", "zs")
    event = AuditEvent.objects.filter(verb="update_person").get()
    assert event.changes["phone"] == ["138****8000", "139****5678"]
    assert event.changes["occupation"] == ["", "教师"]
    assert "13912345678" not in str(event.changes)


def test_update_person_rechecks_identity(city: TestCity) -> None:
    person = _register(city)
    grid_worker = city.users["grid_worker"]
    error = refused(lambda: update_person(grid_worker, person, sex="2"))
    assert error.field == "sex"
    new_id = resident_id(date(1988, 7, 15), 15)
    update_person(grid_worker, person, id_number=new_id)
    person.refresh_from_db()
    assert person.id_digest == digest(new_id)
    event = AuditEvent.objects.filter(verb="update_person").get()
    assert event.changes["id_number"] == [ZHANG_ID[:6] + "********" + ZHANG_ID[-4:], person.id_masked]
    assert new_id not in str(event.changes)


def test_update_person_refuses_a_number_already_registered(city: TestCity, people: TestPeople) -> None:
    person = _register(city)
    refused(lambda: update_person(city.users["grid_worker"], person, id_number=people.id_numbers["张伟"]))


def test_update_person_outside_scope_is_refused(city: TestCity, people: TestPeople) -> None:
    chen = people.persons["陈静"]
    refused(lambda: update_person(city.users["grid_worker"], chen, occupation="x"), PermissionDenied)


def test_confirm_person_resets_the_clock(city: TestCity) -> None:
    person = _register(city)
    Person.objects.filter(pk=person.pk).update(confirmed_at=person.confirmed_at - timedelta(days=400))
    confirmed = confirm_person(city.users["grid_worker"], person)
    assert confirmed.confirmed_at > person.confirmed_at - timedelta(days=1)
    assert AuditEvent.objects.filter(verb="confirm_person", object_id=str(person.pk)).exists()


# --- tags ------------------------------------------------------------------------------------------


def test_seeded_tags_exist_with_visibility(db: Any) -> None:
    names = set(Tag.objects.values_list("name", flat=True))
    assert {"低保", "特困", "残疾", "独居老人", "空巢老人", "留守儿童", "退役军人", "党员", "优抚对象"} <= names
    assert {"重点青少年", "社区矫正对象", "吸毒人员", "严重精神障碍患者"} <= names
    drugs = Tag.objects.get(code="drug_user")
    assert drugs.visibility == "protected"
    assert "grid_worker" in drugs.visible_roles
    assert Tag.objects.get(code="dibao").visibility == "open"


def test_protected_tags_are_hidden_from_roles_not_listed(city: TestCity) -> None:
    protected = Tag.objects.get(code="community_correction")
    assert protected in tags_visible_to(city.users["grid_worker"])
    assert protected not in tags_visible_to(city.users["district_leader"])
    assert Tag.objects.get(code="dibao") in tags_visible_to(city.users["district_leader"])


def test_tag_and_untag_keep_dated_history(city: TestCity) -> None:
    person = _register(city)
    worker = city.users["grid_worker"]
    dibao = Tag.objects.get(code="dibao")
    person_tag = tag_person(worker, person, dibao, starts_on=date(2024, 1, 1), source="民政导入")
    assert PersonTag.objects.current().filter(person=person, tag=dibao).exists()
    refused(lambda: tag_person(worker, person, dibao))  # already carries it
    untag_person(worker, person_tag, on=date(2025, 1, 1))
    person_tag.refresh_from_db()
    assert person_tag.ends_on == date(2024, 12, 31)
    assert not PersonTag.objects.current().filter(person=person, tag=dibao).exists()
    refused(lambda: untag_person(worker, person_tag))
    again = tag_person(worker, person, dibao, source="复核")
    assert again.pk != person_tag.pk
    assert PersonTag.objects.filter(person=person).count() == 2


def test_a_tag_removed_the_day_it_started_never_applied(city: TestCity) -> None:
    person = _register(city)
    worker = city.users["grid_worker"]
    person_tag = tag_person(worker, person, Tag.objects.get(code="veteran"))
    untag_person(worker, person_tag)
    assert not PersonTag.objects.current().filter(pk=person_tag.pk).exists()
    assert PersonTag.objects.filter(pk=person_tag.pk).exists()


def test_protected_tag_history_is_hidden_from_roles_that_may_not_see_it(city: TestCity) -> None:
    person = _register(city)
    worker = city.users["grid_worker"]
    tag_person(worker, person, Tag.objects.get(code="community_correction"), source="司法所")
    leader = city.users["district_leader"]
    assert "tag_person" in [e.verb for e in person_history(person, worker)]
    assert "tag_person" not in [e.verb for e in person_history(person, leader)]
    assert not person_tags_visible_to(leader).filter(person=person).exists()
    assert person_tags_visible_to(worker).filter(person=person).exists()


def test_a_role_that_may_not_see_a_protected_tag_cannot_set_it(city: TestCity) -> None:
    person = _register(city)
    # A subdistrict worker whose role is not listed: make the tag visible to grid workers only.
    tag = Tag.objects.get(code="drug_user")
    Tag.objects.filter(pk=tag.pk).update(visible_roles=["grid_worker"])
    refused(lambda: tag_person(city.users["community_worker"], person, tag), PermissionDenied)


def test_tags_follow_the_person_when_they_move(city: TestCity) -> None:
    from linli.people.actions import move_in

    person = _register(city)
    tag_person(city.users["grid_worker"], person, Tag.objects.get(code="dibao"))
    house = grid_houses("510104001001002")[0]
    move_in(city.users["community_worker"], person, house=house, kind="registered")
    assert set(PersonTag.objects.filter(person=person).values_list("region_path", flat=True)) == {house.region_path}
