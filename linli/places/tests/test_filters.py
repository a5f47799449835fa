"""The place lists' FilterSets (linli.places.filters): the search page and the API find the same rows
for the same query, each filter narrows what the caller sees, combined filters intersect, and a
malformed value answers 400 in the API while the page goes on."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from linli.places.models import Building, House, Region, Unit
from linli.testing import TestCity

USERS = ["grid_worker", "community_worker", "subdistrict_staff"]


def api_ids(city: TestCity, username: str, url: str) -> set[int]:
    """Every id the API lists for ``url``, paging on to the end."""
    client = APIClient()
    client.force_authenticate(city.users[username])
    ids: set[int] = set()
    path, _sep, query = url.partition("?")
    params = [*parse_qsl(query, keep_blank_values=True), ("page_size", "7")]  # several pages each
    next_url: str | None = f"{path}?{urlencode(params)}"
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200, (url, response.content)
        body = response.json()
        ids |= {row["id"] for row in body["results"]}
        next_url = body["next"]
    return ids


def search_page(city: TestCity, username: str, q: str) -> Any:
    client = Client()
    client.force_login(city.users[username])
    response = client.get(reverse("places:search"), {"q": q})
    assert response.status_code == 200
    return response.context


def page_ids(context: Any, name: str) -> set[int]:
    """All rows the page lists under ``name`` (its paginator's whole list, not one page of it)."""
    return {row.pk for row in context[name].paginator.object_list}


# --- the page and the API agree ----------------------------------------------------------------


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("q", ["网格", "红星路", "东大街社区第1网格", "1栋1单元", "510104001", "101", "春熙路", "没有"])
def test_the_search_page_and_the_api_find_the_same_places(city: TestCity, username: str, q: str) -> None:
    context = search_page(city, username, q)
    assert page_ids(context, "region_page") == api_ids(city, username, f"/api/v1/regions/?q={q}")
    assert page_ids(context, "building_page") == api_ids(city, username, f"/api/v1/buildings/?q={q}")
    assert page_ids(context, "house_page") == api_ids(city, username, f"/api/v1/houses/?q={q}")


def test_a_region_search_matches_a_name_or_the_start_of_a_code_on_both(city: TestCity) -> None:
    by_code = api_ids(city, "subdistrict_staff", "/api/v1/regions/?q=510104001002")
    assert {r.code for r in Region.objects.filter(pk__in=by_code)} == {
        "510104001002",
        "510104001002001",
        "510104001002002",
    }
    assert page_ids(search_page(city, "subdistrict_staff", "510104001002"), "region_page") == by_code


def test_a_search_longer_than_the_api_takes_is_cut_on_the_page_and_refused_by_the_api(city: TestCity) -> None:
    q = "网" * 101
    assert search_page(city, "grid_worker", q)["q"] == "网" * 100
    client = APIClient()
    client.force_authenticate(city.users["grid_worker"])
    response = client.get("/api/v1/buildings/", {"q": q})
    assert response.status_code == 400 and "q" in response.json()


# --- each filter narrows, combined filters intersect ---------------------------------------------


def _place_queries(city: TestCity) -> dict[str, list[str]]:
    grid = city.region("510104001001001")
    community = city.region("510104001001")
    building = Building.objects.filter(region=grid).order_by("pk").first()
    assert building is not None
    unit = Unit.objects.filter(building=building).order_by("pk").first()
    assert unit is not None
    return {
        "regions": [f"parent={community.pk}", "kind=grid", "code=510104001001002", "q=红星路"],
        "buildings": [f"region={community.pk}", "kind=residential", "q=第1网格"],
        "units": [f"building={building.pk}", f"region={grid.pk}"],
        "houses": [f"building={building.pk}", f"unit={unit.pk}", f"region={community.pk}", "use=residential", "q=101"],
        "estates": [f"region={community.pk}", "q=花园"],
    }


@pytest.mark.parametrize("username", USERS)
def test_combined_filters_list_the_rows_every_one_of_them_lists(city: TestCity, username: str) -> None:
    for path, queries in _place_queries(city).items():
        visible = api_ids(city, username, f"/api/v1/{path}/")
        expected = set(visible)
        for query in queries:
            alone = api_ids(city, username, f"/api/v1/{path}/?{query}")
            assert alone <= visible, (path, query)
            expected &= alone
        assert api_ids(city, username, f"/api/v1/{path}/?{'&'.join(queries)}") == expected, path


def test_a_region_filter_means_the_region_and_its_whole_subtree(city: TestCity) -> None:
    community = city.region("510104001001")
    houses = api_ids(city, "subdistrict_staff", f"/api/v1/houses/?region={community.pk}")
    assert houses == set(House.objects.filter(region_path__startswith=community.path).values_list("pk", flat=True))
    assert len(houses) == 32  # 2 grids × 2 buildings × 2 units × 4 houses


def test_a_missing_region_and_one_outside_scope_both_list_nothing(city: TestCity) -> None:
    qingyang = city.region("510105")
    for region_id in (qingyang.pk, 999_999_999):
        assert api_ids(city, "community_worker", f"/api/v1/buildings/?region={region_id}") == set()
        assert api_ids(city, "community_worker", f"/api/v1/houses/?building={region_id}") == set()


# --- malformed values --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/regions/?parent=0", "parent"),
        ("/api/v1/units/?building=abc", "building"),
        ("/api/v1/estates/?region=1.5", "region"),
        ("/api/v1/houses/?unit=99999999999999999999", "unit"),
        ("/api/v1/buildings/?kind=castle", "kind"),
    ],
)
def test_a_malformed_filter_answers_400_naming_the_parameter_in_chinese(city: TestCity, url: str, field: str) -> None:
    client = APIClient()
    client.force_authenticate(city.users["community_worker"])
    response = client.get(url)
    assert response.status_code == 400, response.content
    messages = response.json()[field]
    assert messages and all(any("\u4e00" <= ch <= "\u9fff" for ch in message) for message in messages)


def test_unknown_parameters_are_ignored(city: TestCity) -> None:
    everything = api_ids(city, "community_worker", "/api/v1/houses/")
    assert api_ids(city, "community_worker", "/api/v1/houses/?colour=red&region_path=0001") == everything


def test_filters_narrow_lists_only_not_a_retrieve(city: TestCity) -> None:
    client = APIClient()
    client.force_authenticate(city.users["community_worker"])
    house = House.objects.filter(region__code="510104001001001").first()
    assert house is not None
    assert client.get(f"/api/v1/houses/{house.pk}/?use=shop&unit=abc").status_code == 200


# --- the schema ----------------------------------------------------------------------------------


def test_the_schema_documents_every_filter_of_each_place_list(db: Any) -> None:
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    expected = {
        "/api/v1/regions/": {"parent", "kind", "code", "q"},
        "/api/v1/estates/": {"region", "q"},
        "/api/v1/buildings/": {"region", "estate", "kind", "q"},
        "/api/v1/units/": {"building", "region"},
        "/api/v1/houses/": {"building", "unit", "region", "use", "q"},
    }
    for path, names in expected.items():
        parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert names | {"page", "page_size"} == set(parameters), path
        for name in names:
            assert parameters[name].get("description"), (path, name)
        for name in names & {"region", "parent", "building", "unit", "estate"}:
            assert parameters[name]["schema"]["type"] == "integer" and parameters[name]["schema"]["minimum"] == 1
