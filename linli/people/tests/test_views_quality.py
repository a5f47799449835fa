"""The 活户籍 page (people.views.quality): counts of what needs a worker's attention.

Moved from test_views.py when people/views.py became a package of rooms."""

from __future__ import annotations

from django.urls import reverse

from linli.people.tests.pages import OUR_GRID, client_for
from linli.testing import TestCity, TestPeople, grid_houses

# --- quality ----------------------------------------------------------------------------------


def test_the_quality_page_counts_what_needs_attention(city: TestCity, people: TestPeople) -> None:
    grid = city.regions[OUR_GRID]
    client = client_for(city, "grid_worker")
    response = client.get(reverse("people:quality", args=[grid.pk]))
    counts = {check.key: check.count for check in response.context["checks"]}
    assert counts["vacant"] == len(grid_houses(OUR_GRID)) - 2  # 张伟's family and 王芳 live in two houses
    assert counts["no_house"] == counts["no_head"] == counts["duplicates"] == counts["stale"] == 0
    assert client.get(reverse("people:quality_home")).status_code == 302
