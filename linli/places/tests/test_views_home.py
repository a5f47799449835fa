"""The home page's place sections (linli.places.views.home): each role's home starts at its region."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from linli.places.tests.pages import GRID, region_url, signed_in, text
from linli.testing import TestCity

pytestmark = pytest.mark.django_db


# --- home page per role ---------------------------------------------------------------------------


def test_grid_worker_home_shows_their_grid_map_and_building_count(client: Client, city: TestCity) -> None:
    page = text(signed_in(client, city, "grid_worker").get(reverse("home")))
    assert "红星路社区第1网格" in page
    assert reverse("places:region_geojson", args=[city.regions[GRID].pk]) in page
    assert re.search(r"<dt>楼栋</dt><dd>2</dd>", page)


def test_community_worker_home_shows_their_grids(client: Client, city: TestCity) -> None:
    page = text(signed_in(client, city, "community_worker").get(reverse("home")))
    assert region_url(city, GRID) in page and region_url(city, "510104001001002") in page
    assert "东大街社区" not in page


def test_district_leader_home_summarises_the_district(client: Client, city: TestCity) -> None:
    page = text(signed_in(client, city, "district_leader").get(reverse("home")))
    assert re.search(r"<dt>网格</dt><dd>6</dd>", page)
    assert re.search(r"<dt>房屋</dt><dd>96</dd>", page)
    assert "春熙路街道" in page and "书院街街道" in page and "青羊区" not in page


def test_resident_home_promises_the_portal_and_shows_no_registry_data(client: Client, city: TestCity) -> None:
    page = text(signed_in(client, city, "resident").get(reverse("home")))
    assert "居民服务门户正在建设中" in page
    assert 'href="/places/' not in page and "data-place-map" not in page


def test_auditor_home_links_to_the_audit(client: Client, city: TestCity) -> None:
    page = text(signed_in(client, city, "auditor").get(reverse("home")))
    assert reverse("audit:list") in page


def test_administrator_home_links_to_tree_and_user_management(client: Client, city: TestCity) -> None:
    page = text(signed_in(client, city, "administrator").get(reverse("home")))
    assert reverse("tree:index") in page and reverse("accounts:user_list") in page
