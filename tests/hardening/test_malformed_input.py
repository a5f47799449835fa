"""Anonymous and careless input never reaches a 500 (issue 10, item 4): a deeply nested JSON body on
every JSON endpoint, and Open311 dates that are well-formed but impossible, each answer 400 with a
message that says what was wrong."""

from __future__ import annotations

import pytest
from django.test import Client

from linli.testing import TestCity

pytestmark = pytest.mark.django_db

# 100 000 levels: json.loads raises RecursionError (not ValueError) long before the end.
NESTED = ("[" * 100_000 + "]" * 100_000).encode()


@pytest.mark.parametrize(
    "path",
    ["/api/v1/auth/token/", "/api/v1/cases/", "/api/v1/cases/1/accept/", "/open311/v2/requests.json"],
)
def test_a_deeply_nested_json_body_is_a_400_not_a_500(path: str) -> None:
    response = Client().post(path, NESTED, content_type="application/json")
    assert response.status_code in (400, 401, 403), (path, response.status_code)
    assert response.status_code != 500


def test_a_deeply_nested_json_body_is_a_400_for_a_signed_in_caller_too(city: TestCity) -> None:
    client = Client()
    client.force_login(city.users["grid_worker"])
    response = client.post("/api/v1/cases/", NESTED, content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.content.decode()


@pytest.mark.parametrize(
    "value",
    ["2026-02-30", "2026-03-02T25:00:00+08:00", "2026-13-01", "0001-01-01", "9999-12-31T23:59:59+08:00"],
)
def test_an_impossible_open311_date_is_a_400_naming_the_parameter(city: TestCity, value: str) -> None:
    for name in ("start_date", "end_date"):
        response = Client().get("/open311/v2/requests.json", {name: value})
        assert response.status_code == 400, (name, value, response.status_code)
        body = response.json()
        assert body[0]["code"] == 400 and name in body[0]["description"], body
