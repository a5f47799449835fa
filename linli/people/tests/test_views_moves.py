"""The move pages (people.views.moves): 迁出 and 迁入 through the forms, refusals at the field.

Moved from test_views.py when people/views.py became a package of rooms."""

from __future__ import annotations

from django.urls import reverse

from linli.people.tests.pages import OUR_GRID, client_for
from linli.testing import TestCity, TestPeople, grid_houses

# --- moves ------------------------------------------------------------------------------------


def test_moving_out_and_back_in(city: TestCity, people: TestPeople) -> None:
    client = client_for(city, "grid_worker")
    wang = people.persons["王芳"]
    response = client.post(reverse("people:move_out", args=[wang.pk]), {"on": "2025-02-01", "note": "投靠子女"})
    assert response.status_code == 302
    wang.refresh_from_db()
    assert wang.status == "moved_out" and wang.house_id is None
    house = grid_houses(OUR_GRID)[6]
    response = client.post(
        reverse("people:move_in", args=[wang.pk]),
        {"house": house.pk, "kind": "registered", "separation": "consistent", "started_on": "2025-03-01"},
    )
    assert response.status_code == 302
    wang.refresh_from_db()
    assert wang.status == "active" and wang.house_id == house.pk


def test_a_move_out_date_before_the_move_in_is_shown_at_the_field(city: TestCity, people: TestPeople) -> None:
    wang = people.persons["王芳"]
    response = client_for(city, "grid_worker").post(reverse("people:move_out", args=[wang.pk]), {"on": "2001-01-01"})
    assert response.status_code == 400 and response.context["form"]["on"].errors
