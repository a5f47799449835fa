"""Tree management pages: each change goes through the places actions, refusals land beside the
field with nothing changed, and the tree of a past date can be shown."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from linli.accounts.models import Assignment, User
from linli.accounts.roles import Role
from linli.places.models import Building, Region, RegionVersion
from linli.testing import TEST_PASSWORD, TestCity


def _admin(city: TestCity) -> Client:
    client = Client()
    client.force_login(city.users["administrator"])
    return client


def _district_admin(city: TestCity, code: str) -> Client:
    admin = User.objects.create_user(username=f"admin_{code}", password=TEST_PASSWORD)
    region = city.region(code)
    Assignment.objects.create(user=admin, role=Role.ADMINISTRATOR, region=region, region_path=region.path)
    client = Client()
    client.force_login(admin)
    return client


def _urls(region: Region) -> list[str]:
    return [reverse("tree:index"), reverse("tree:create") + f"?parent={region.pk}"] + [
        reverse(f"tree:{name}", args=[region.pk]) for name in ("rename", "move", "merge", "split")
    ]


def test_roles_without_tree_management_are_forbidden(city: TestCity) -> None:
    region = city.region("510104001001")
    for who in ("grid_worker", "community_worker", "subdistrict_staff", "district_leader", "auditor", "outsider"):
        client = Client()
        client.force_login(city.users[who])
        for url in [*_urls(region), reverse("tree:coverage", args=[region.pk])]:
            assert client.get(url).status_code == 403, (who, url)
        client.post(reverse("tree:rename", args=[region.pk]), {"name": "改掉"})
    assert city.region("510104001001").name == "红星路社区"


def test_another_districts_administrator_gets_404_for_our_regions(city: TestCity) -> None:
    client = _district_admin(city, "510105")
    region = city.region("510104001001")
    for url in _urls(region)[1:]:
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("tree:index") + f"?root={region.pk}").status_code == 404
    assert client.post(reverse("tree:rename", args=[region.pk]), {"name": "改掉"}).status_code == 404
    assert city.region("510104001001").name == "红星路社区"
    page = client.get(reverse("tree:index")).content.decode()
    assert "宽窄巷子社区" in page and "红星路社区" not in page


def test_the_index_shows_the_tree_and_focuses_a_node(city: TestCity) -> None:
    client = _admin(city)
    body = client.get(reverse("tree:index")).content.decode()
    assert "成都市" in body and "锦江区" in body and "春熙路街道" in body
    assert "按日期查看历史区域树" in body
    community = city.region("510104001001")
    body = client.get(reverse("tree:index"), {"root": community.pk}).content.decode()
    assert "红星路社区第1网格" in body and "宽窄巷子社区" not in body
    assert reverse("tree:rename", args=[community.pk]) in body


def test_creating_a_region_through_the_page(city: TestCity) -> None:
    client = _admin(city)
    parent = city.region("510104001002")
    form = client.get(reverse("tree:create"), {"parent": parent.pk})
    assert form.context["form"].initial["kind"] == "grid"
    response = client.post(
        reverse("tree:create") + f"?parent={parent.pk}",
        {"parent": "510104001002", "kind": "grid", "code": "510104001002009", "name": "东大街社区第9网格"},
    )
    assert response.status_code == 302
    grid = Region.objects.get(code="510104001002009")
    assert grid.path.startswith(parent.path) and grid.name == "东大街社区第9网格"
    assert RegionVersion.objects.filter(region_id=grid.pk, valid_to__isnull=True).exists()


def test_a_refused_create_shows_the_message_beside_the_field_and_changes_nothing(city: TestCity) -> None:
    client = _admin(city)
    before = Region.objects.count()
    url = reverse("tree:create")
    response = client.post(url, {"parent": "510104001002", "kind": "grid", "code": "510104002001001", "name": "X"})
    assert response.status_code == 400
    assert "必须以上级区域代码“510104001002”开头" in str(response.context["form"].errors["code"])
    response = client.post(url, {"parent": "510104001002", "kind": "community", "code": "510104001002009", "name": "X"})
    assert "kind" in response.context["form"].errors
    response = client.post(url, {"parent": "510104001002", "kind": "grid", "code": "510104001002001", "name": "X"})
    assert "已被" in str(response.context["form"].errors["code"])
    response = client.post(
        url, {"parent": "510104001002", "kind": "grid", "code": "510104001002009", "name": "X", "boundary": "{oops"}
    )
    assert "GeoJSON" in str(response.context["form"].errors["boundary"])
    assert Region.objects.count() == before


def test_renaming_keeps_history_shown_by_date(city: TestCity) -> None:
    client = _admin(city)
    community = city.region("510104001001")
    day = timezone.localdate() - timedelta(days=10)
    response = client.post(reverse("tree:rename", args=[community.pk]), {"name": "红星路新社区", "on": day.isoformat()})
    assert response.status_code == 302
    assert "已改名为“红星路新社区”" in client.get(response["Location"]).content.decode()  # consumes the message
    assert city.region("510104001001").name == "红星路新社区"
    before = client.get(reverse("tree:index"), {"day": (day - timedelta(days=1)).isoformat()})
    body = before.content.decode()
    assert "红星路社区" in body and "红星路新社区" not in body
    after = client.get(reverse("tree:index"), {"day": day.isoformat()}).content.decode()
    assert "红星路新社区" in after
    assert (
        "这一天您的管辖范围内没有区域记录" in client.get(reverse("tree:index"), {"day": "1990-01-01"}).content.decode()
    )


def test_moving_a_community_to_another_subdistrict(city: TestCity) -> None:
    client = _admin(city)
    community = city.region("510104001002")
    target = city.region("510104002")
    response = client.post(
        reverse("tree:move", args=[community.pk]), {"new_parent": "510104002", "new_code": "510104002002"}
    )
    assert response.status_code == 302, response.context["form"].errors
    moved = Region.objects.get(pk=community.pk)
    assert moved.code == "510104002002" and moved.path.startswith(target.path)
    assert (
        not Building.objects.filter(region__path__startswith=moved.path)
        .exclude(region_path__startswith=moved.path)
        .exists()
    )


def test_moving_a_region_under_its_own_descendant_is_refused_beside_the_field(city: TestCity) -> None:
    client = _admin(city)
    sub = city.region("510104001")
    response = client.post(reverse("tree:move", args=[sub.pk]), {"new_parent": "510104001001"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "new_parent" in errors, errors
    assert Region.objects.get(pk=sub.pk).path == sub.path


def test_merging_asks_for_confirmation_and_absorbs_the_source(city: TestCity) -> None:
    client = _admin(city)
    source, into = city.region("510104001001002"), city.region("510104001001001")
    page = client.get(reverse("tree:merge", args=[source.pk])).content.decode()
    assert "data-confirm=" in page
    buildings = set(Building.objects.filter(region=source).values_list("pk", flat=True))
    response = client.post(reverse("tree:merge", args=[source.pk]), {"into": into.code})
    assert response.status_code == 302
    assert not Region.objects.filter(pk=source.pk).exists()
    assert set(Building.objects.filter(pk__in=buildings).values_list("region_id", flat=True)) == {into.pk}


def test_merging_with_a_region_of_another_kind_is_refused(city: TestCity) -> None:
    client = _admin(city)
    source = city.region("510104001001002")
    response = client.post(reverse("tree:merge", args=[source.pk]), {"into": "510104001002"})
    assert response.status_code == 400
    assert "同一层级" in str(response.context["form"].errors["into"])
    assert Region.objects.filter(pk=source.pk).exists()


def test_a_district_admin_cannot_merge_into_another_district(city: TestCity) -> None:
    client = _district_admin(city, "510104")
    source = city.region("510104001001002")
    response = client.post(reverse("tree:merge", args=[source.pk]), {"into": "510105001001001"})
    assert response.status_code == 400
    assert "不在您的管辖范围内" in str(response.context["form"].errors["into"])
    assert Region.objects.filter(pk=source.pk).exists()


def test_splitting_a_grid_takes_the_chosen_buildings(city: TestCity) -> None:
    client = _admin(city)
    grid = city.region("510104001001001")
    building = Building.objects.filter(region=grid).order_by("number").last()
    assert building is not None
    page = client.get(reverse("tree:split", args=[grid.pk]))
    assert page.context["form"].initial["new_code"] == "510104001001"
    response = client.post(
        reverse("tree:split", args=[grid.pk]),
        {"new_code": "510104001001005", "new_name": "红星路社区第5网格", "buildings": [building.pk]},
    )
    assert response.status_code == 302, response.context["form"].errors
    new = Region.objects.get(code="510104001001005")
    building.refresh_from_db()
    assert building.region_id == new.pk and building.region_path == new.path


def test_a_refused_split_names_the_code_field(city: TestCity) -> None:
    client = _admin(city)
    grid = city.region("510104001001001")
    response = client.post(reverse("tree:split", args=[grid.pk]), {"new_code": "510104001001002", "new_name": "重复"})
    assert response.status_code == 400
    assert "new_code" in response.context["form"].errors


def test_the_coverage_page_lists_what_is_in_no_grid(city: TestCity) -> None:
    community = city.region("510104001001")
    # Fixture data the way an old import leaves it: a building hung on the community, in no grid.
    stray = Building.objects.create(
        region=community, region_path=community.path, number="99", address="红星路99号", lat=30.65, lng=104.01
    )
    client = _admin(city)
    response = client.get(reverse("tree:coverage", args=[community.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "不在任何网格内的楼栋" in body and "红星路99号" in body
    assert reverse("places:building", args=[stray.pk]) in body
    assert "存在未覆盖或重叠" in body
    clean = client.get(reverse("tree:coverage", args=[city.region("510104002001").pk])).content.decode()
    assert "全覆盖，无缝隙，无重叠" in clean


def test_history_dates_are_validated(city: TestCity) -> None:
    response = _admin(city).get(reverse("tree:index"), {"day": "not-a-date"})
    assert response.status_code == 200
    assert response.context["date_form"].errors
    # The live tree is shown instead.
    assert "成都市" in response.content.decode()


def test_the_tree_page_costs_a_fixed_number_of_queries(city: TestCity, django_assert_max_num_queries: Any) -> None:
    client = _admin(city)
    client.get(reverse("tree:index"))
    with django_assert_max_num_queries(10):
        client.get(reverse("tree:index"))
    with django_assert_max_num_queries(10):
        client.get(reverse("tree:index"), {"day": "2021-01-01"})
