"""Helpers for the people page tests: a signed-in client per role, the page's text, the names it lists."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.test import Client

from linli.testing import TestCity, resident_id

OUR_GRID = "510104001001001"  # the grid worker's
NEIGHBOUR_GRID = "510104001001002"  # the same community's other grid


def client_for(city: TestCity, username: str) -> Client:
    client = Client()
    client.force_login(city.users[username])
    return client


def page_text(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, f"{url} answered {response.status_code}"
    return response.content.decode()


def listed_names(html: str) -> set[str]:
    return set(re.findall(r'class="person-name" href="/people/\d+/">([^<]+)</a>', html))


def person_post(**overrides: Any) -> dict[str, Any]:
    """What the person form posts for a new 赵磊 (a floating resident), with ``overrides``."""
    data = {
        "id_type": "resident_id",
        "id_number": resident_id(date(1988, 4, 1), 17),
        "name": "赵磊",
        "sex": "",
        "birth_date": "",
        "phone": "13700137000",
        "ethnicity": "01",
        "marital_status": "20",
        "political_status": "13",
        "residence_kind": "floating",
    }
    data.update(overrides)
    return data
