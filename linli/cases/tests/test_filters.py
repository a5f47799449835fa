"""The case list's FilterSet (linli.cases.filters): the inbox's 辖区全部 tab and ``GET /api/v1/cases/`` list
the same cases for the same query, for each staff level; a malformed value answers 400 in the API while
the page goes on with the filters that are valid."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from linli.cases import workflow as wf
from linli.cases.models import Case, Category
from linli.cases.tests.conftest import MONDAY, rubbish
from linli.testing import TestCity

pytestmark = pytest.mark.django_db

USERS = ["grid_worker", "community_worker", "subdistrict_staff", "district_leader"]


@pytest.fixture
def cases(city: TestCity) -> list[Case]:
    """A spread of cases: two categories, three report days, open and closed, one overdue, one by hotline."""
    cw = city.users["community_worker"]
    made = [
        rubbish(city, at=MONDAY),
        rubbish(
            city, at=MONDAY + timedelta(days=1), title="井盖破损 A001", category=Category.objects.get(code="L0105")
        ),
        rubbish(city, at=MONDAY + timedelta(days=2), title="楼道杂物又堆满了"),
        rubbish(city, at=MONDAY + timedelta(days=9), source="hotline", title="热线反映噪音扰民"),
    ]
    wf.accept_case(cw, made[0], at=MONDAY + timedelta(hours=1))
    wf.reject_case(cw, made[2], reason="重复反映", at=MONDAY + timedelta(days=2, hours=1))
    Case.objects.filter(pk=made[1].pk).update(is_overdue=True)  # as the deadline sweep leaves it
    return made


def page_ids(city: TestCity, username: str, query: dict[str, str]) -> set[int]:
    """Every case the 辖区全部 tab lists for ``query``, page after page."""
    client = Client()
    client.force_login(city.users[username])
    ids: set[int] = set()
    number = 1
    while True:
        params: dict[str, str | int] = {**query, "tab": "all", "page": number}
        response = client.get(reverse("cases:inbox"), params)
        assert response.status_code == 200
        page = response.context["page"]
        ids |= {case.pk for case in page.object_list}
        if not page.has_next():
            return ids
        number += 1


def api_ids(city: TestCity, username: str, query: dict[str, str]) -> set[int]:
    client = APIClient()
    client.force_authenticate(city.users[username])
    ids: set[int] = set()
    url: str | None = f"/api/v1/cases/?{urlencode({**query, 'page_size': 2})}"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body: dict[str, Any] = response.json()
        ids |= {row["id"] for row in body["results"]}
        url = body["next"]
    return ids


QUERIES: list[dict[str, str]] = [
    {},
    {"q": "井盖"},
    {"q": "2026"},
    {"status": "reported"},
    {"status": "rejected"},
    {"category": "L01"},
    {"category": "L0105"},
    {"source": "hotline"},
    {"overdue": "true"},
    {"reported_after": "2026-03-03"},
    {"reported_before": "2026-03-03"},
    {"reported_after": "2026-03-03", "reported_before": "2026-03-04"},
    {"holder": "mine"},
    {"category": "L01", "status": "reported", "reported_before": "2026-03-10"},
]


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("query", QUERIES, ids=[urlencode(q) or "none" for q in QUERIES])
def test_the_page_and_the_api_list_the_same_cases(
    city: TestCity, cases: list[Case], username: str, query: dict[str, str]
) -> None:
    assert page_ids(city, username, query) == api_ids(city, username, query)


def test_the_filters_narrow_as_they_say(city: TestCity, cases: list[Case]) -> None:
    user = "community_worker"
    pks = [case.pk for case in cases]
    assert api_ids(city, user, {}) == set(pks)
    assert api_ids(city, user, {"category": "L0105"}) == {pks[1]}
    assert api_ids(city, user, {"overdue": "true"}) == {pks[1]}
    assert api_ids(city, user, {"source": "hotline"}) == {pks[3]}
    assert api_ids(city, user, {"reported_after": "2026-03-03", "reported_before": "2026-03-04"}) == {pks[1], pks[2]}
    assert api_ids(city, "outsider", {}) == set()


def test_a_malformed_value_is_400_in_the_api_and_ignored_on_the_page(city: TestCity, cases: list[Case]) -> None:
    client = APIClient()
    client.force_authenticate(city.users["community_worker"])
    response = client.get("/api/v1/cases/", {"reported_after": "2026-02-30"})
    assert response.status_code == 400 and "reported_after" in response.json()
    assert client.get("/api/v1/cases/", {"overdue": "maybe"}).status_code == 400
    assert page_ids(city, "community_worker", {"reported_after": "2026-02-30", "source": "hotline"}) == {cases[3].pk}
