from __future__ import annotations

import pytest
from django.core.paginator import Paginator

from linli.core.paging import DeferredJoinPaginator
from linli.places.models import House
from linli.testing import TestCity

pytestmark = pytest.mark.django_db


def test_deferred_join_pages_match_plain_pagination(city: TestCity, django_assert_max_num_queries: object) -> None:
    ordered = House.objects.order_by("-floor", "number", "-pk")
    plain = Paginator(ordered.select_related("building"), 7)
    deferred = DeferredJoinPaginator(ordered, 7, related=("building",))
    assert deferred.num_pages == plain.num_pages > 2
    for number in plain.page_range:
        page = deferred.page(number)
        assert [h.pk for h in page] == [h.pk for h in plain.page(number)]
    last = deferred.get_page("999")
    assert last.number == plain.num_pages and not last.has_next()
    with django_assert_max_num_queries(2):  # type: ignore[operator]
        rows = list(deferred.page(2))
        assert all(row.building.address for row in rows)  # joined, no query per row
