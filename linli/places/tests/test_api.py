from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from linli.core.models import AuditEvent
from linli.places.models import Building, House, Region, Unit
from linli.testing import TEST_PASSWORD, TestCity


def client_for(city: TestCity, username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(city.users[username])
    return client


def rows(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    return list(response.json()["results"])


# --- reading is scoped ---------------------------------------------------------------------------


def test_the_community_worker_lists_only_their_community_subtree(city: TestCity) -> None:
    codes = {r["code"] for r in rows(client_for(city, "community_worker").get("/api/v1/regions/"))}
    assert codes == {"510104001001", "510104001001001", "510104001001002"}


def test_region_rows_carry_their_parent_and_children_count(city: TestCity) -> None:
    community = city.region("510104001001")
    by_code = {r["code"]: r for r in rows(client_for(city, "community_worker").get("/api/v1/regions/"))}
    assert by_code["510104001001"]["children_count"] == 2
    assert by_code["510104001001001"]["parent"] == community.pk
    assert by_code["510104001001001"]["kind_label"] == "网格"


def test_regions_filter_by_parent_kind_code_and_name(city: TestCity) -> None:
    client = client_for(city, "district_leader")
    district = city.region("510104")
    assert {r["code"] for r in rows(client.get(f"/api/v1/regions/?parent={district.pk}"))} == {"510104001", "510104002"}
    assert len(rows(client.get("/api/v1/regions/?kind=grid"))) == 6
    assert [r["name"] for r in rows(client.get("/api/v1/regions/?code=510104002001"))] == ["和平街社区"]
    assert {r["code"] for r in rows(client.get("/api/v1/regions/?q=东大街"))} == {
        "510104001002",
        "510104001002001",
        "510104001002002",
    }


def test_a_parent_outside_scope_still_lists_the_visible_children_only(city: TestCity) -> None:
    subdistrict = city.region("510104001")
    response = client_for(city, "community_worker").get(f"/api/v1/regions/?parent={subdistrict.pk}")
    codes = {r["code"] for r in rows(response)}
    assert codes == {"510104001001"}  # not its sibling 东大街社区


def test_buildings_filter_by_any_region_means_its_subtree(city: TestCity) -> None:
    client = client_for(city, "district_leader")
    subdistrict = city.region("510104001")
    grid = city.region("510104001001001")
    assert len(rows(client.get(f"/api/v1/buildings/?region={subdistrict.pk}"))) == 8  # 4 grids × 2
    found = rows(client.get(f"/api/v1/buildings/?region={grid.pk}"))
    assert {b["region"] for b in found} == {grid.pk} and len(found) == 2
    assert {b["address"] for b in rows(client.get("/api/v1/buildings/?q=和平街社区第2网格"))} == {
        "和平街社区第2网格1栋",
        "和平街社区第2网格2栋",
    }


def test_houses_filter_by_building_unit_and_use(city: TestCity) -> None:
    client = client_for(city, "grid_worker")
    building = Building.objects.filter(region__code="510104001001001").order_by("pk").first()
    assert building is not None
    unit = Unit.objects.filter(building=building).order_by("pk").first()
    assert unit is not None
    assert len(rows(client.get(f"/api/v1/houses/?building={building.pk}"))) == 8
    assert len(rows(client.get(f"/api/v1/houses/?unit={unit.pk}"))) == 4
    assert len(rows(client.get("/api/v1/houses/?use=residential"))) == 16
    assert rows(client.get("/api/v1/houses/?use=shop")) == []
    assert len(rows(client.get(f"/api/v1/units/?building={building.pk}"))) == 2


def test_a_building_retrieve_answers_its_fields(city: TestCity) -> None:
    building = Building.objects.get(region__code="510104001001001", number="1")
    body = client_for(city, "grid_worker").get(f"/api/v1/buildings/{building.pk}/").json()
    assert body["address"] == "红星路社区第1网格1栋"
    assert body["region_name"] == "红星路社区第1网格"
    assert body["kind_label"] == "住宅楼"


def test_children_geojson_is_a_feature_collection_of_the_children(city: TestCity) -> None:
    community = city.region("510104001001")
    response = client_for(city, "community_worker").get(f"/api/v1/regions/{community.pk}/children.geojson/")
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert [f["properties"]["code"] for f in body["features"]] == ["510104001001001", "510104001001002"]
    assert body["features"][0]["geometry"]["type"] == "Polygon"


def test_list_pages_do_not_query_per_row(city: TestCity, django_assert_max_num_queries: Any) -> None:
    client = client_for(city, "administrator")
    for url in ["/api/v1/regions/", "/api/v1/buildings/", "/api/v1/houses/", "/api/v1/units/"]:
        with django_assert_max_num_queries(6):
            assert client.get(url).status_code == 200


# --- the outsider ----------------------------------------------------------------------------------


def test_the_outsider_gets_404_for_every_object_in_another_district(city: TestCity) -> None:
    client = client_for(city, "outsider")
    house = city.houses[0]
    community = city.region("510104001001")
    for url in [
        f"/api/v1/regions/{community.pk}/",
        f"/api/v1/regions/{community.pk}/children.geojson/",
        f"/api/v1/buildings/{house.building_id}/",
        f"/api/v1/units/{house.unit_id}/",
        f"/api/v1/houses/{house.pk}/",
    ]:
        assert client.get(url).status_code == 404, url


def test_the_outsider_gets_the_same_404_for_a_missing_id(city: TestCity) -> None:
    client = client_for(city, "outsider")
    missing = client.get("/api/v1/houses/999999999/")
    foreign = client.get(f"/api/v1/houses/{city.houses[0].pk}/")
    assert (missing.status_code, missing.json()) == (foreign.status_code, foreign.json())
    assert foreign.json() == {"detail": "找不到该对象，或它不在您的管辖范围内。"}


def test_the_outsider_lists_only_their_district(city: TestCity) -> None:
    client = client_for(city, "outsider")
    jinjiang = city.region("510104")
    assert {r["code"][:6] for r in rows(client.get("/api/v1/regions/"))} == {"510105"}
    assert rows(client.get(f"/api/v1/buildings/?region={jinjiang.pk}")) == []
    houses = rows(client.get("/api/v1/houses/?page_size=500"))
    assert houses and all("宽窄巷子" in h["address"] for h in houses)


def test_a_resident_has_no_place_lists(city: TestCity) -> None:
    assert client_for(city, "resident").get("/api/v1/houses/").status_code == 403


# --- authentication --------------------------------------------------------------------------------


def test_anonymous_gets_401_with_a_token_challenge(db: Any) -> None:
    response = APIClient().get("/api/v1/regions/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"


def test_a_token_from_username_and_password_authenticates(city: TestCity) -> None:
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "grid_worker", "password": TEST_PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    token = response.json()["token"]
    assert AuditEvent.objects.filter(verb="api_token_issued", actor_name="grid_worker").exists()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert len(rows(client.get("/api/v1/houses/"))) == 16
    again = APIClient().post("/api/v1/auth/token/", {"username": "grid_worker", "password": TEST_PASSWORD})
    assert again.json()["token"] == token


def test_a_wrong_password_is_a_400_and_is_audited(city: TestCity) -> None:
    response = APIClient().post("/api/v1/auth/token/", {"username": "grid_worker", "password": "nope"})
    assert response.status_code == 400
    assert "用户名或密码错误" in response.json()["non_field_errors"][0]
    assert AuditEvent.objects.filter(verb="login_failed", object_repr="grid_worker").exists()


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_the_token_endpoint_obeys_the_login_lockout(city: TestCity) -> None:
    client = APIClient()
    for _attempt in range(3):
        assert client.post("/api/v1/auth/token/", {"username": "grid_worker", "password": "nope"}).status_code == 400
    locked = client.post("/api/v1/auth/token/", {"username": "grid_worker", "password": TEST_PASSWORD})
    assert locked.status_code == 400
    assert "锁定" in locked.json()["non_field_errors"][0]


def test_the_token_endpoint_lists_missing_fields(db: Any) -> None:
    response = APIClient().post("/api/v1/auth/token/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"username", "password"}


def test_session_authentication_works_for_the_browser(city: TestCity) -> None:
    client = APIClient()
    assert client.login(username="community_worker", password=TEST_PASSWORD)
    assert client.get("/api/v1/regions/").status_code == 200


# --- malformed input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, field",
    [
        ("/api/v1/regions/?parent=abc", "parent"),
        ("/api/v1/regions/?kind=planet", "kind"),
        ("/api/v1/buildings/?region=-3", "region"),
        ("/api/v1/houses/?use=castle", "use"),
        ("/api/v1/houses/?building=1e9999", "building"),
        ("/api/v1/houses/?page=zero", "page"),
        ("/api/v1/houses/?page_size=100000", "page_size"),
        ("/api/v1/regions/?q=" + "长" * 101, "q"),
    ],
)
def test_malformed_query_parameters_answer_400_with_the_field(city: TestCity, query: str, field: str) -> None:
    response = client_for(city, "district_leader").get(query)
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_a_malformed_json_body_is_a_400(city: TestCity) -> None:
    response = client_for(city, "grid_worker").post("/api/v1/houses/", "[1,2", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_a_list_body_is_a_400_not_a_500(city: TestCity) -> None:
    response = client_for(city, "grid_worker").post("/api/v1/buildings/", [1, 2], format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_validation_messages_are_in_chinese(city: TestCity) -> None:
    response = client_for(city, "district_leader").get("/api/v1/regions/?parent=abc")
    assert response.json()["parent"] == ["请填写合法的整数值。"]


def test_a_non_numeric_id_is_a_404(city: TestCity) -> None:
    assert client_for(city, "district_leader").get("/api/v1/houses/abc/").status_code == 404


# --- writes ------------------------------------------------------------------------------------------


def building_payload(region: Region, **overrides: Any) -> dict[str, Any]:
    grid = region
    ring = grid.boundary["coordinates"][0]  # type: ignore[index]
    (w, s), (e, n) = ring[0], ring[2]
    return {
        "grid": grid.pk,
        "number": "9",
        "address": f"{grid.name}9栋",
        "lat": (s + n) / 2,
        "lng": (w + e) / 2,
        "floors": 5,
        **overrides,
    }


def test_post_building_with_bad_input_lists_every_field(city: TestCity) -> None:
    response = client_for(city, "grid_worker").post(
        "/api/v1/buildings/", {"grid": "x", "lat": 200, "kind": "castle", "floors": 0}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"grid", "number", "address", "lat", "lng", "kind", "floors"}
    assert not Building.objects.filter(number="9").exists()


def test_post_building_for_a_grid_outside_scope_reads_like_a_missing_grid(city: TestCity) -> None:
    worker = client_for(city, "grid_worker")
    foreign = worker.post("/api/v1/buildings/", building_payload(city.region("510104001001002")), format="json")
    missing = worker.post(
        "/api/v1/buildings/", building_payload(city.region("510104001001002"), grid=10**9), format="json"
    )
    assert foreign.status_code == missing.status_code == 400
    assert "不在您的管辖范围内" in foreign.json()["grid"][0]


def test_post_building_without_the_edit_capability_is_403(city: TestCity) -> None:
    response = client_for(city, "outsider").post(
        "/api/v1/buildings/", building_payload(city.region("510104001001001")), format="json"
    )
    assert response.status_code == 403
    assert client_for(city, "district_leader").post("/api/v1/houses/", {}, format="json").status_code == 403


def test_post_house_with_a_unit_of_another_building_is_a_field_error(city: TestCity) -> None:
    first, second = Building.objects.filter(region__code="510104001001001").order_by("pk")[:2]
    unit = Unit.objects.filter(building=second).first()
    assert unit is not None
    response = client_for(city, "grid_worker").post(
        "/api/v1/houses/", {"building": first.pk, "unit": unit.pk, "number": "501"}, format="json"
    )
    assert response.status_code == 400
    assert "unit" in response.json()


def test_post_building_creates_it_through_the_action(city: TestCity) -> None:
    grid = city.region("510104001001001")
    response = client_for(city, "grid_worker").post("/api/v1/buildings/", building_payload(grid), format="json")
    assert response.status_code == 201, response.content
    building = Building.objects.get(pk=response.json()["id"])
    assert (building.region_id, building.region_path, building.number) == (grid.pk, grid.path, "9")
    assert AuditEvent.objects.filter(object_type="places.building", object_id=str(building.pk)).exists()


def test_post_building_refused_by_the_action_is_a_400_on_the_field(city: TestCity) -> None:
    grid = city.region("510104001001001")
    client = client_for(city, "grid_worker")
    far_away = client.post("/api/v1/buildings/", building_payload(grid, lat=10.0, lng=10.0), format="json")
    assert far_away.status_code == 400, far_away.content
    assert "grid" in far_away.json()
    duplicate = client.post("/api/v1/buildings/", building_payload(grid, number="1"), format="json")
    assert duplicate.status_code == 400
    assert "已有楼栋号" in duplicate.json()["number"][0]
    assert not Building.objects.filter(number="9").exists()


def test_post_building_without_a_grid_lands_in_the_grid_under_its_point(city: TestCity) -> None:
    grid = city.region("510104001001002")
    payload = building_payload(grid)
    del payload["grid"]
    response = client_for(city, "community_worker").post("/api/v1/buildings/", payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["region"] == grid.pk


def test_post_house_creates_it_through_the_action(city: TestCity) -> None:
    building = Building.objects.get(region__code="510104001001001", number="1")
    unit = Unit.objects.get(building=building, number="1")
    response = client_for(city, "grid_worker").post(
        "/api/v1/houses/",
        {"building": building.pk, "unit": unit.pk, "number": "501", "floor": 5, "use": "rental", "floor_area": "88.50"},
        format="json",
    )
    assert response.status_code == 201, response.content
    house = House.objects.get(pk=response.json()["id"])
    assert (house.unit_id, house.use, str(house.floor_area)) == (unit.pk, "rental", "88.50")
    assert response.json()["use_label"] == "出租"


# --- schema and docs -----------------------------------------------------------------------------


def test_the_schema_answers_openapi_3_with_every_route(db: Any) -> None:
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in [
        "/api/v1/regions/",
        "/api/v1/regions/{id}/children.geojson/",
        "/api/v1/buildings/",
        "/api/v1/units/",
        "/api/v1/houses/",
        "/api/v1/auth/token/",
    ]:
        assert path in schema["paths"], path


def test_the_docs_page_loads_swagger_from_our_own_static_files(db: Any) -> None:
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower() and "https://" not in html
    assert "<script>" not in html  # CSP script-src 'self': the initialiser is a separate file
    script = APIClient().get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
