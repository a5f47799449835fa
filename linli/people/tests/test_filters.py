"""The registry's FilterSets (linli.people.filters): the person list page and ``/api/v1/persons/``
list the same persons for the same query — each filter alone and combined, for a grid worker, a
community worker and a subdistrict staff member, paging past the first page — and a malformed value
answers 400 in the API while the page ignores it. Also the other registry lists' filters."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from linli.people.actions import move_out, record_death, register_person, tag_person
from linli.people.models import Person, Tag
from linli.testing import TestCity, TestPeople, add_people, grid_houses, resident_id

OUR_GRID = "510104001001001"
NEIGHBOUR_GRID = "510104001001002"
OTHER_COMMUNITY_GRID = "510104001002001"  # 东大街社区: the subdistrict staff's, not the community worker's
USERS = ["grid_worker", "community_worker", "subdistrict_staff"]


@pytest.fixture
def registry(city: TestCity) -> TestPeople:
    """The standard persons plus 40 more over three grids: every age band, a moved-out and a dead
    person, floating residents and a protected tag, so the list runs to two pages (30 a page)."""
    people = add_people(city)
    grids = [OUR_GRID, NEIGHBOUR_GRID, OTHER_COMMUNITY_GRID]
    for i in range(40):
        houses = grid_houses(grids[i % 3])
        person = register_person(
            None,
            house=houses[i % len(houses)],
            id_number=resident_id(date(1940 + 2 * i, 1 + i % 12, 1 + i % 27), 201 + 2 * i),
            name=f"测试{i:02d}",
            phone=f"1370000{i:04d}",
            residence_kind="floating" if i % 4 == 0 else "registered",
            started_on=date(2021, 6, 1),
        )
        people.persons[person.name] = person
    move_out(None, people.persons["测试05"], on=date(2025, 1, 1))
    record_death(None, people.persons["测试07"], died_on=date(2025, 2, 1))
    tag_person(None, people.persons["测试03"], Tag.objects.get(code="drug_user"), source="司法所")
    tag_person(None, people.persons["测试06"], Tag.objects.get(code="elderly_alone"), source="网格员走访")
    return people


def page_ids(city: TestCity, username: str, query: str) -> set[int]:
    """Every person the list page lists for ``query`` (its paginator's whole list, every page)."""
    client = Client()
    client.force_login(city.users[username])
    response = client.get(reverse("people:list") + "?" + urlencode(parse_qsl(query, keep_blank_values=True)))
    assert response.status_code == 200
    return {person.pk for person in response.context["page"].paginator.object_list}


def api_response(city: TestCity, username: str, url: str) -> Any:
    client = APIClient()
    client.force_authenticate(city.users[username])
    path, _sep, query = url.partition("?")
    return client.get(f"{path}?{urlencode(parse_qsl(query, keep_blank_values=True))}")


def api_ids(city: TestCity, username: str, url: str) -> set[int]:
    """Every id the API lists for ``url``, following ``next`` to the last page."""
    client = APIClient()
    client.force_authenticate(city.users[username])
    path, _sep, query = url.partition("?")
    next_url: str | None = f"{path}?{urlencode([*parse_qsl(query, keep_blank_values=True), ('page_size', '20')])}"
    ids: set[int] = set()
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200, (url, response.content)
        ids |= {row["id"] for row in response.json()["results"]}
        next_url = response.json()["next"]
    return ids


def person_queries(city: TestCity, people: TestPeople) -> list[str]:
    ours = grid_houses(OUR_GRID)
    community = city.region("510104001001")
    grid = city.region(OUR_GRID)
    return [
        "status=",  # every status (without it the page opens on the persons in the register)
        "status=active",
        "status=moved_out",
        "status=deceased",
        "kind=floating",
        "kind=registered",
        "tag=elderly_alone",
        "tag=drug_user",
        "age=child",
        "age=adult",
        "age=senior",
        "age=elder",
        f"building={ours[0].building_id}",
        f"house={ours[0].pk}",
        f"region={grid.pk}",
        f"region={community.pk}",
        "q=张",
        "q=zw",
        "q=测试1",
        "q=1370000",
        f"q={people.id_numbers['王芳']}",
        # combined
        "kind=registered&age=adult",
        f"age=senior&building={ours[0].building_id}&status=",
        "tag=elderly_alone&kind=registered&q=测试",
        f"region={community.pk}&kind=floating&status=",
        f"status=&region={grid.pk}&age=elder&q=测试",
    ]


@pytest.mark.parametrize("username", USERS)
def test_the_page_and_the_api_list_the_same_persons_for_each_query(
    city: TestCity, registry: TestPeople, username: str
) -> None:
    assert len(page_ids(city, username, "status=")) > 30 or username == "grid_worker"  # more than one page
    for query in person_queries(city, registry):
        page = page_ids(city, username, query)
        api_query = query if "status=" in query else f"{query}&status=active"  # the page's opening status
        assert page == api_ids(city, username, f"/api/v1/persons/?{api_query}"), (username, query)


def test_the_page_opens_on_the_persons_in_the_register_and_the_api_lists_every_status(
    city: TestCity, registry: TestPeople
) -> None:
    everyone = api_ids(city, "subdistrict_staff", "/api/v1/persons/")
    gone = {registry.persons["测试05"].pk, registry.persons["测试07"].pk}
    assert gone <= everyone
    assert page_ids(city, "subdistrict_staff", "") == everyone - gone
    assert page_ids(city, "subdistrict_staff", "status=") == everyone


def test_a_filter_never_widens_the_list(city: TestCity, registry: TestPeople) -> None:
    visible = api_ids(city, "grid_worker", "/api/v1/persons/")
    assert visible == set(Person.objects.visible_to(city.users["grid_worker"]).values_list("pk", flat=True))
    neighbour = city.region(NEIGHBOUR_GRID)
    assert api_ids(city, "grid_worker", f"/api/v1/persons/?region={neighbour.pk}") == set()
    assert page_ids(city, "grid_worker", f"region={neighbour.pk}") == set()
    their_house = grid_houses(NEIGHBOUR_GRID)[0]
    assert api_ids(city, "grid_worker", f"/api/v1/persons/?house={their_house.pk}") == set()


# --- malformed values: 400 in the API, ignored on the page ---------------------------------------


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("age", "ancient"),
        ("kind", "nonsense"),
        ("status", "zombie"),
        ("tag", "no_such_tag"),
        ("building", "abc"),
        ("house", "0"),
        ("region", "-1"),
        ("q", "张" * 101),
    ],
)
def test_a_malformed_value_answers_400_in_the_api_and_is_ignored_on_the_page(
    city: TestCity, registry: TestPeople, param: str, value: str
) -> None:
    response = api_response(city, "community_worker", f"/api/v1/persons/?{urlencode({param: value})}")
    assert response.status_code == 400, response.content
    assert list(response.json()) == [param] and response.json()[param]
    base = "&".join(q for q in ("age=adult", "kind=registered", "status=") if not q.startswith(param))
    assert page_ids(city, "community_worker", f"{base}&{urlencode({param: value})}") == page_ids(
        city, "community_worker", base
    )


def test_a_protected_tag_is_no_filter_for_a_role_that_cannot_see_it(city: TestCity, registry: TestPeople) -> None:
    assert api_ids(city, "subdistrict_staff", "/api/v1/persons/?tag=drug_user") == {registry.persons["测试03"].pk}
    response = api_response(city, "district_leader", "/api/v1/persons/?tag=drug_user")
    assert response.status_code == 400 and "tag" in response.json()
    assert page_ids(city, "district_leader", "tag=drug_user&status=") == page_ids(city, "district_leader", "status=")


def test_unknown_parameters_are_ignored_by_both(city: TestCity, registry: TestPeople) -> None:
    assert api_ids(city, "community_worker", "/api/v1/persons/?colour=red&status=") == api_ids(
        city, "community_worker", "/api/v1/persons/"
    )
    assert page_ids(city, "community_worker", "colour=red&status=") == page_ids(city, "community_worker", "status=")


def test_the_export_takes_the_list_filters(city: TestCity, registry: TestPeople) -> None:
    client = Client()
    client.force_login(city.users["community_worker"])
    response = client.post(reverse("people:export"), {"kind": "floating", "age": "nonsense", "reason": "走访名单核对"})
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").strip().splitlines()[1:]
    expected = page_ids(city, "community_worker", "kind=floating")
    assert len(lines) == len(expected)


# --- the other registry lists --------------------------------------------------------------------


def test_household_residence_and_tag_filters_narrow_and_combine(city: TestCity, registry: TestPeople) -> None:
    house = grid_houses(OUR_GRID)[0]
    grid = city.region(OUR_GRID)
    zhang = registry.persons["张伟"]
    lists = {
        "households": [f"region={grid.pk}", f"house={house.pk}", "q=H00"],
        "residences": [
            f"region={grid.pk}",
            f"person={zhang.pk}",
            f"house={house.pk}",
            "kind=registered",
            "current=true",
        ],
    }
    for path, queries in lists.items():
        visible = api_ids(city, "community_worker", f"/api/v1/{path}/")
        expected = set(visible)
        for query in queries:
            alone = api_ids(city, "community_worker", f"/api/v1/{path}/?{query}")
            assert alone and alone <= visible, (path, query)
            expected &= alone
        assert expected and api_ids(city, "community_worker", f"/api/v1/{path}/?{'&'.join(queries)}") == expected
    ended = api_ids(city, "community_worker", "/api/v1/residences/?current=false")
    current = api_ids(city, "community_worker", "/api/v1/residences/?current=1")
    assert ended and not ended & current
    assert ended | current == api_ids(city, "community_worker", "/api/v1/residences/")
    tags = api_response(city, "community_worker", "/api/v1/tags/?category=elderly").json()["results"]
    assert {t["code"] for t in tags} == {"elderly_alone"} | {t["code"] for t in tags if t["category_code"] == "elderly"}


@pytest.mark.parametrize(
    "url",
    ["/api/v1/residences/?current=maybe", "/api/v1/households/?house=x", "/api/v1/tags/?category=" + "c" * 33],
)
def test_the_other_lists_answer_400_for_a_malformed_value(city: TestCity, url: str) -> None:
    assert api_response(city, "community_worker", url).status_code == 400


def test_the_schema_documents_every_filter_of_each_registry_list(db: Any) -> None:
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    expected = {
        "/api/v1/persons/": {"kind", "tag", "age", "status", "building", "region", "house", "q"},
        "/api/v1/households/": {"region", "house", "q"},
        "/api/v1/residences/": {"region", "person", "house", "kind", "current"},
        "/api/v1/tags/": {"category"},
    }
    for path, names in expected.items():
        parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert names | {"page", "page_size"} == set(parameters), path
        assert all(parameters[name].get("description") for name in names), path
    history = schema["paths"]["/api/v1/persons/{id}/history/"]["get"]["parameters"]
    assert {p["name"] for p in history if p["in"] == "query"} == {"page", "page_size"}


def test_the_tag_choices_still_come_from_the_user_after_the_schema_was_generated(
    city: TestCity, registry: TestPeople
) -> None:
    # Documenting the filters once must not freeze the filter's choices for every later request.
    assert APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").status_code == 200
    assert page_ids(city, "community_worker", "tag=elderly_alone&status=") == {
        registry.persons["王芳"].pk,
        registry.persons["测试06"].pk,
    }
