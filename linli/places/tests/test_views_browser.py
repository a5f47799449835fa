"""The region browser (linli.places.views.browser): region → grid → building → house, the map, search;
what is outside the user's scope answers 404 like what is missing."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from linli.accounts.models import Assignment, User
from linli.accounts.roles import Role
from linli.places.actions import create_building, create_region
from linli.places.models import Building, House
from linli.places.tests.pages import (
    COMMUNITY,
    GRID,
    OTHER_COMMUNITY,
    first_building,
    region_url,
    signed_in,
    text,
)
from linli.testing import TestCity, box_polygon

pytestmark = pytest.mark.django_db


# --- the region browser --------------------------------------------------------------------------


def test_browse_takes_a_user_with_one_assignment_straight_to_their_region(client: Client, city: TestCity) -> None:
    response = signed_in(client, city, "community_worker").get(reverse("places:browse"))
    assert response.status_code == 302
    assert response["Location"] == region_url(city, COMMUNITY)


def test_browse_lists_the_regions_of_a_user_with_several_assignments(client: Client, city: TestCity) -> None:
    user = city.users["community_worker"]
    other = city.regions[OTHER_COMMUNITY]
    Assignment.objects.create(user=user, role=Role.COMMUNITY_WORKER, region=other, region_path=other.path)
    page = text(signed_in(client, city, "community_worker").get(reverse("places:browse")))
    assert "红星路社区" in page and "东大街社区" in page
    assert region_url(city, COMMUNITY) in page and region_url(city, OTHER_COMMUNITY) in page


def test_browse_tells_a_user_without_assignments_in_chinese(client: Client, city: TestCity) -> None:
    user = User.objects.create_user(username="nobody", password="x" * 12)
    Assignment.objects.create(
        user=user,
        role=Role.DISTRICT_LEADER,
        region=city.regions["510104"],
        region_path=city.regions["510104"].path,
        ends_on="2000-01-01",
    )
    client.force_login(user)
    assert client.get(reverse("places:browse")).status_code == 403  # no active role: no capability


def test_community_page_lists_its_grids_with_counts(client: Client, city: TestCity) -> None:
    page = text(signed_in(client, city, "community_worker").get(region_url(city, COMMUNITY)))
    for code in (GRID, "510104001001002"):
        assert region_url(city, code) in page
    rows = re.findall(r'<tr>\s*<th scope="row">(.*?)</tr>', page, re.S)
    assert len(rows) == 2
    assert [re.findall(r'class="num">(\d+)<', row) for row in rows] == [["2", "16"], ["2", "16"]]


def test_district_page_counts_everything_under_each_subdistrict(client: Client, city: TestCity) -> None:
    page = text(signed_in(client, city, "district_leader").get(region_url(city, "510104")))
    rows = re.findall(r'<tr>\s*<th scope="row">(.*?)</tr>', page, re.S)
    counts = {re.search(r">([^<]+街道)<", row).group(1): re.findall(r'class="num">(\d+)<', row) for row in rows}  # type: ignore[union-attr]
    # children, grids, buildings, houses
    assert counts == {"春熙路街道": ["2", "4", "8", "64"], "书院街街道": ["1", "2", "4", "32"]}


def test_region_page_counts_buildings_filed_on_the_region_itself(client: Client, city: TestCity) -> None:
    community = city.regions[COMMUNITY]
    # No action files a building outside a grid; this is the state a coverage report looks for.
    Building.objects.create(region=community, region_path=community.path, number="99", address="未入格楼栋")
    page = text(signed_in(client, city, "community_worker").get(region_url(city, COMMUNITY)))
    assert "另有 1 栋楼、0 套房屋直接登记在本区域" in page


def test_breadcrumbs_link_only_what_the_user_may_see(client: Client, city: TestCity) -> None:
    page = text(signed_in(client, city, "community_worker").get(region_url(city, GRID)))
    crumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', page, re.S).group(0)  # type: ignore[union-attr]
    for above in ("成都市", "锦江区", "春熙路街道"):
        assert f"<span>{above}</span>" in crumbs
    assert f'<a href="{region_url(city, COMMUNITY)}">红星路社区</a>' in crumbs
    assert '<span aria-current="page">红星路社区第1网格</span>' in crumbs
    assert crumbs.count("<a ") == 1


def test_region_query_count_does_not_grow_with_the_number_of_children(
    client: Client, city: TestCity, django_assert_max_num_queries: Any
) -> None:
    signed_in(client, city, "district_leader")
    url = region_url(city, "510104001")  # 春熙路街道: 2 communities
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    subdistrict = city.regions["510104001"]
    for i in range(3, 13):
        box = (104.1 + i * 0.01, 30.8, 104.1 + (i + 1) * 0.01, 30.81)
        community = create_region(
            None,
            parent=subdistrict,
            kind="community",
            code=f"510104001{i:03d}",
            name=f"新社区{i}",
            boundary=box_polygon(box),
        )
        grid = create_region(
            None,
            parent=community,
            kind="grid",
            code=f"510104001{i:03d}001",
            name=f"新社区{i}第1网格",
            boundary=box_polygon(box),
        )
        create_building(None, grid=grid, number="1", address=f"新社区{i}1栋", lng=box[0] + 0.005, lat=30.805)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = text(client.get(url))
    assert page.count('<th scope="row">') == 12


def test_grid_page_lists_its_buildings_sorted_and_paginated(client: Client, city: TestCity) -> None:
    grid = city.regions[GRID]
    for n in range(3, 61):
        create_building(None, grid=grid, number=str(n), address=f"测试街{n:03d}号", lng=104.006, lat=30.65)
    signed_in(client, city, "grid_worker")
    page = text(client.get(region_url(city, GRID)))
    numbers = re.findall(r"<tr>\s*<td>(\w+)</td>", page)
    assert numbers[:4] == ["1", "2", "3", "4"] and len(numbers) == 50  # "10" sorts after "9"
    assert "第 1 / 2 页" in page
    page2 = text(client.get(region_url(city, GRID), {"page": 2}))
    assert re.findall(r"<tr>\s*<td>(\w+)</td>", page2) == [str(n) for n in range(51, 61)]
    desc = text(client.get(region_url(city, GRID), {"sort": "-number"}))
    assert re.findall(r"<tr>\s*<td>(\w+)</td>", desc)[:2] == ["60", "59"]
    by_address = text(client.get(region_url(city, GRID), {"sort": "address"}))
    assert re.findall(r"<tr>\s*<td>(\w+)</td>", by_address)[0] == "3"  # 测试街003号 before 红星路…
    assert "sort=-address" in by_address  # the active column's header link reverses it
    junk = client.get(region_url(city, GRID), {"sort": "password", "page": "x"})
    assert junk.status_code == 200


def test_an_empty_grid_says_so_in_chinese(client: Client, city: TestCity) -> None:
    grid = city.regions[GRID]
    House.objects.filter(region=grid).delete()
    Building.objects.filter(region=grid).delete()
    page = text(signed_in(client, city, "grid_worker").get(region_url(city, GRID)))
    assert "该网格内还没有登记楼栋。" in page


def test_a_region_without_children_says_so(client: Client, city: TestCity) -> None:
    sub = city.regions["510104002"]
    empty = create_region(None, parent=sub, kind="community", code="510104002009", name="空社区")
    page = text(signed_in(client, city, "district_leader").get(reverse("places:region", args=[empty.pk])))
    assert "该区域下还没有下级区域。" in page


def test_the_map_has_no_tile_layer_unless_one_is_configured(client: Client, city: TestCity) -> None:
    signed_in(client, city, "community_worker")
    assert "data-tile-url" not in text(client.get(region_url(city, COMMUNITY)))
    with override_settings(MAP_TILE_URL="https://tiles.example.org/{z}/{x}/{y}.png"):
        page = text(client.get(region_url(city, COMMUNITY)))
    assert 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"' in page


# --- geojson ------------------------------------------------------------------------------------


def test_geojson_of_a_community_has_its_grids_as_clickable_children(client: Client, city: TestCity) -> None:
    url = reverse("places:region_geojson", args=[city.regions[COMMUNITY].pk])
    data = json.loads(signed_in(client, city, "community_worker").get(url).content)
    children = [f for f in data["features"] if f["properties"]["role"] == "child"]
    assert sorted(f["properties"]["name"] for f in children) == ["红星路社区第1网格", "红星路社区第2网格"]
    assert all(f["geometry"]["type"] == "Polygon" for f in children)
    assert {f["properties"]["url"] for f in children} == {region_url(city, GRID), region_url(city, "510104001001002")}
    assert [f["properties"]["role"] for f in data["features"]].count("self") == 1


def test_geojson_of_a_grid_has_its_buildings_as_points(client: Client, city: TestCity) -> None:
    url = reverse("places:region_geojson", args=[city.regions[GRID].pk])
    response = signed_in(client, city, "grid_worker").get(url)
    assert response["Content-Type"] == "application/geo+json"
    points = [f for f in json.loads(response.content)["features"] if f["properties"]["role"] == "building"]
    assert len(points) == 2
    assert all(f["geometry"]["type"] == "Point" and f["properties"]["url"].startswith("/places/b/") for f in points)


# --- building and house --------------------------------------------------------------------------


def test_building_page_shows_units_and_their_houses(client: Client, city: TestCity) -> None:
    building = first_building(city)
    House.objects.filter(building=building, number="101").update(use="shop", floor_area="88.50")
    page = text(signed_in(client, city, "grid_worker").get(reverse("places:building", args=[building.pk])))
    assert page.count('<table class="houses">') == 2  # two units
    assert "1 单元" in page and "2 单元" in page
    assert "商铺" in page and "88.50" in page
    assert page.count('href="/places/h/') == 8


def test_house_page_shows_the_house_and_where_it_is(client: Client, city: TestCity) -> None:
    house = House.objects.filter(building=first_building(city)).order_by("pk").first()
    assert house is not None
    page = text(signed_in(client, city, "community_worker").get(reverse("places:house", args=[house.pk])))
    assert house.address in page
    assert "住宅" in page and "红星路社区第1网格" in page
    assert reverse("places:building", args=[house.building_id]) in page


@pytest.mark.parametrize("username", ["outsider", "grid_worker"])
def test_objects_outside_scope_answer_404_like_missing_ones(client: Client, city: TestCity, username: str) -> None:
    # The outsider works in 青羊区; the grid worker's scope is one grid of 红星路社区.
    signed_in(client, city, username)
    other_grid = city.regions["510104002001001"]
    building = first_building(city, "510104002001001")
    house = House.objects.filter(building=building).first()
    assert house is not None
    urls = [
        reverse("places:region", args=[other_grid.pk]),
        reverse("places:region_geojson", args=[other_grid.pk]),
        reverse("places:building", args=[building.pk]),
        reverse("places:house", args=[house.pk]),
    ]
    missing = [
        reverse("places:region", args=[999999]),
        reverse("places:region_geojson", args=[999999]),
        reverse("places:building", args=[999999]),
        reverse("places:house", args=[999999]),
    ]
    for url in urls + missing:
        assert client.get(url).status_code == 404, url


def test_the_community_worker_cannot_open_the_neighbouring_community(client: Client, city: TestCity) -> None:
    signed_in(client, city, "community_worker")
    assert client.get(region_url(city, OTHER_COMMUNITY)).status_code == 404
    assert client.get(region_url(city, "510104001")).status_code == 404  # the subdistrict above


def test_residents_do_not_browse_the_registry(client: Client, city: TestCity) -> None:
    signed_in(client, city, "resident")
    house = House.objects.filter(region=city.regions[GRID]).first()
    assert house is not None
    for url in (
        reverse("places:browse"),
        region_url(city, GRID),
        reverse("places:house", args=[house.pk]),
        reverse("places:search") + "?q=红星",
    ):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, city: TestCity) -> None:
    for url in (reverse("places:browse"), region_url(city, GRID), reverse("places:search")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


# --- search --------------------------------------------------------------------------------------


def test_search_finds_regions_by_name_and_code_within_scope(client: Client, city: TestCity) -> None:
    signed_in(client, city, "district_leader")
    page = text(client.get(reverse("places:search"), {"q": "红星路"}))
    assert region_url(city, COMMUNITY) in page and region_url(city, GRID) in page
    assert "属于 春熙路街道" in page  # where each region sits
    by_code = text(client.get(reverse("places:search"), {"q": "510104002"}))
    assert "书院街街道" in by_code and "春熙路街道" not in by_code


def test_search_finds_buildings_and_houses_by_address_and_names_their_grid(client: Client, city: TestCity) -> None:
    signed_in(client, city, "community_worker")
    page = text(client.get(reverse("places:search"), {"q": "第2网格1栋2单元"}))
    assert page.count('href="/places/h/') == 4
    assert "所在网格：红星路社区第2网格" in page
    buildings = text(client.get(reverse("places:search"), {"q": "第1网格2栋"}))
    assert 'href="/places/b/' in buildings


def test_search_never_shows_what_is_outside_scope(client: Client, city: TestCity) -> None:
    signed_in(client, city, "community_worker")
    page = text(client.get(reverse("places:search"), {"q": "宽窄"}))
    assert "没有找到" in page
    assert "/places/r/" not in page.split("<main", 1)[1] and "/places/b/" not in page and "/places/h/" not in page
    outsider = Client()
    outsider.force_login(city.users["outsider"])
    assert "宽窄巷子社区" in text(outsider.get(reverse("places:search"), {"q": "宽窄"}))


def test_search_paginates_each_kind_of_result(client: Client, city: TestCity) -> None:
    signed_in(client, city, "district_leader")
    houses = text(client.get(reverse("places:search"), {"q": "单元"}))  # 96 houses in 锦江区
    assert houses.count('href="/places/h/') == 20
    assert "hpage=2" in houses
    second = text(client.get(reverse("places:search"), {"q": "单元", "hpage": "5"}))
    assert second.count('href="/places/h/') == 16


def test_empty_search_explains_itself(client: Client, city: TestCity) -> None:
    page = text(signed_in(client, city, "grid_worker").get(reverse("places:search")))
    assert "输入区域名称、区划代码或地址进行搜索" in page


def test_region_page_has_a_search_box(client: Client, city: TestCity) -> None:
    page = text(signed_in(client, city, "grid_worker").get(region_url(city, GRID)))
    assert f'action="{reverse("places:search")}"' in page
