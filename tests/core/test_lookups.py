from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.places.models import House, Region
from linli.testing import TestCity


def test_subtree_matches_exactly_the_rows_under_a_path(city: TestCity) -> None:
    community = city.region("510104001001")
    by_prefix = {h.pk for h in House.objects.all() if h.region_path.startswith(community.path)}
    assert set(House.objects.filter(region_path__subtree=community.path).values_list("pk", flat=True)) == by_prefix
    assert len(by_prefix) == 32
    codes = set(Region.objects.filter(path__subtree=community.path).values_list("code", flat=True))
    assert codes == {"510104001001", "510104001001001", "510104001001002"}


def test_subtree_uses_an_index_range_on_sqlite_instead_of_like(city: TestCity) -> None:
    with CaptureQueriesContext(connection) as queries:
        list(House.objects.filter(region_path__subtree=city.region("510104").path).values_list("pk", flat=True))
    sql = queries.captured_queries[-1]["sql"]
    if connection.vendor == "sqlite":
        assert " LIKE " not in sql and ">=" in sql
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql.replace("%", "%%"))
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        assert "USING" in plan and "INDEX" in plan, plan
    else:
        assert "LIKE" in sql
