"""The registration pages (people.views.registration): the live ID check, 登记人员 and 新迁入家庭,
the forms calling the actions and showing their refusals beside the field.

Moved from test_views.py when people/views.py became a package of rooms."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.urls import reverse

from linli.people.models import Household, Membership, Person, Residence
from linli.people.tests.pages import NEIGHBOUR_GRID, OUR_GRID, client_for, page_text, person_post
from linli.testing import TestCity, TestPeople, grid_houses, resident_id

# --- who may register -------------------------------------------------------------------------


def test_viewers_without_edit_rights_cannot_register(city: TestCity, people: TestPeople) -> None:
    client = client_for(city, "district_leader")
    assert client.get(reverse("people:list")).status_code == 200
    assert client.get(reverse("people:create")).status_code == 403
    assert client.post(reverse("people:check_id"), {"id_number": "x"}).status_code == 403


# --- live ID check ----------------------------------------------------------------------------


def test_check_id_derives_birth_date_and_sex_without_echoing_the_number(city: TestCity) -> None:
    client = client_for(city, "grid_worker")
    number = resident_id(date(1990, 7, 15), 124)
    response = client.post(reverse("people:check_id"), {"id_number": number})
    data = json.loads(response.content)
    assert data["ok"] is True and data["birth_date"] == "1990-07-15" and data["sex"] == "2"
    assert number not in response.content.decode()


def test_check_id_names_the_check_character_rule(city: TestCity) -> None:
    number = resident_id(date(1990, 7, 15), 124)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    response = client_for(city, "grid_worker").post(reverse("people:check_id"), {"id_number": wrong})
    data = json.loads(response.content)
    assert data["ok"] is False and "校验码" in data["message"]
    assert wrong not in response.content.decode() and data["birth_date"] is None


def test_check_id_is_post_only(city: TestCity) -> None:
    assert client_for(city, "grid_worker").get(reverse("people:check_id") + "?id_number=1").status_code == 405


# --- one person -------------------------------------------------------------------------------


def test_registering_a_person_into_a_house_of_my_grid(city: TestCity, people: TestPeople) -> None:
    house = grid_houses(OUR_GRID)[2]
    response = client_for(city, "grid_worker").post(reverse("people:create"), person_post(house=house.pk))
    person = Person.objects.get(name="赵磊")
    assert response.status_code == 302 and response["Location"] == reverse("people:detail", args=[person.pk])
    assert (person.house_id, person.sex, person.birth_date) == (house.pk, "1", date(1988, 4, 1))
    assert Residence.objects.get(person=person, ended_on__isnull=True).kind == "floating"


def test_a_mistyped_id_is_shown_at_the_field_and_nothing_is_saved(city: TestCity, people: TestPeople) -> None:
    number = resident_id(date(1988, 4, 1), 17)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    response = client_for(city, "grid_worker").post(
        reverse("people:create"), person_post(id_number=wrong, house=grid_houses(OUR_GRID)[2].pk)
    )
    assert response.status_code == 400
    field = response.context["form"]["id_number"]
    assert any("校验码" in error for error in field.errors)
    assert wrong not in response.content.decode().replace(f'value="{wrong}"', "")  # only in the input it came from
    assert not Person.objects.filter(name="赵磊").exists()


def test_a_house_of_another_grid_is_not_offered_nor_accepted(city: TestCity, people: TestPeople) -> None:
    client = client_for(city, "grid_worker")
    foreign = grid_houses(NEIGHBOUR_GRID)[2]
    form = page_text(client, reverse("people:create"))
    house_select = form[form.index('name="house"') : form.index("</select>", form.index('name="house"'))]
    assert f'value="{foreign.pk}"' not in house_select
    assert f'value="{grid_houses(OUR_GRID)[2].pk}"' in house_select
    response = client.post(reverse("people:create"), person_post(house=foreign.pk))
    assert response.status_code == 400 and not Person.objects.filter(name="赵磊").exists()
    assert client.get(reverse("people:create") + f"?house={foreign.pk}").status_code == 404


# --- a family ---------------------------------------------------------------------------------


def family_post(house_pk: int, members: list[tuple[str, str, str]], number: str = "H900") -> dict[str, Any]:
    data: dict[str, Any] = {
        "house": house_pk,
        "household_number": number,
        "household_kind": "family",
        "kind": "floating",
        "started_on": "",
        "m-TOTAL_FORMS": str(len(members) + 1),
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "1",
        "m-MAX_NUM_FORMS": "20",
    }
    for i, (name, number_, relation) in enumerate(members):
        data.update({f"m-{i}-name": name, f"m-{i}-id_number": number_, f"m-{i}-phone": "", f"m-{i}-relation": relation})
    # An added row left blank is skipped.
    data.update({f"m-{len(members)}-name": "", f"m-{len(members)}-id_number": "", f"m-{len(members)}-relation": ""})
    return data


def test_registering_a_newcomer_family_in_one_go(city: TestCity, people: TestPeople) -> None:
    house = grid_houses(OUR_GRID)[5]
    members = [
        ("孙强", resident_id(date(1985, 1, 2), 13), "02"),
        ("周敏", resident_id(date(1986, 2, 3), 24), "10"),
        ("孙乐乐", resident_id(date(2018, 3, 4), 35), "20"),
    ]
    response = client_for(city, "grid_worker").post(reverse("people:register_family"), family_post(house.pk, members))
    household = Household.objects.get(number="H900")
    assert response.status_code == 302 and response["Location"] == reverse("people:household", args=[household.pk])
    assert household.head is not None and household.head.name == "孙强"
    assert set(Membership.objects.current().filter(household=household).values_list("person__name", flat=True)) == {
        "孙强",
        "周敏",
        "孙乐乐",
    }
    assert set(Residence.objects.current().filter(house=house).values_list("kind", flat=True)) == {"floating"}


def test_a_bad_member_row_is_refused_on_that_row_and_nothing_is_written(city: TestCity, people: TestPeople) -> None:
    good = resident_id(date(1985, 1, 2), 13)
    bad = resident_id(date(1986, 2, 3), 24)
    bad = bad[:17] + ("0" if bad[17] != "0" else "1")
    members = [("孙强", good, "02"), ("周敏", bad, "10")]
    response = client_for(city, "grid_worker").post(
        reverse("people:register_family"), family_post(grid_houses(OUR_GRID)[5].pk, members)
    )
    assert response.status_code == 400
    rows = response.context["formset"].forms
    assert not rows[0].errors and any("校验码" in e for e in rows[1]["id_number"].errors)
    assert not Person.objects.filter(name__in=["孙强", "周敏"]).exists()
    assert not Household.objects.filter(number="H900").exists()


def test_two_heads_are_refused_by_the_form(city: TestCity, people: TestPeople) -> None:
    members = [("孙强", resident_id(date(1985, 1, 2), 13), "02"), ("周敏", resident_id(date(1986, 2, 3), 24), "02")]
    response = client_for(city, "grid_worker").post(
        reverse("people:register_family"), family_post(grid_houses(OUR_GRID)[5].pk, members)
    )
    assert response.status_code == 400 and "户主" in str(response.context["formset"].non_form_errors())
