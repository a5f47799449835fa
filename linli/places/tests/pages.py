"""Shared by the places page tests: the test city's regions they visit and a signed-in client."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from linli.places.models import Building
from linli.testing import TestCity

COMMUNITY = "510104001001"  # 红星路社区, the community worker's
GRID = "510104001001001"  # its first grid, the grid worker's
OTHER_COMMUNITY = "510104001002"  # 东大街社区, same subdistrict


def signed_in(client: Client, city: TestCity, username: str) -> Client:
    client.force_login(city.users[username])
    return client


def text(response: Any) -> str:
    return response.content.decode()


def region_url(city: TestCity, code: str) -> str:
    return reverse("places:region", args=[city.regions[code].pk])


def first_building(city: TestCity, grid_code: str = GRID) -> Building:
    return Building.objects.filter(region=city.regions[grid_code]).order_by("number").first()  # type: ignore[return-value]
