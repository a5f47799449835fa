"""Indicators on hand-built data with known answers (DOMAIN.md §4; definitions in linli/cases/indicators.py).

The data, all through the workflow actions with explicit times, period = March 2026 (Asia/Shanghai):

- A1–A8: reported Monday 2 March, accepted, registered and dispatched at 09:10 (category 物料乱堆:
  14 working hours to handle, so due Wednesday 4 March 09:10). A1–A4 plain (2 working hours to report
  back); A5 dispatched to 城管; A6 reworked once (3.5 working hours to the last report back); A7 with an
  approved extension; A8 reported back one working hour after its deadline (late, 15 working hours).
  All closed in March. Ratings: A1, A2 满意, A3 基本满意, A4 不满意 and not reached (contacted=False).
- F: accepted, registered, dispatched and reported back on Friday 27 February, due and closed in March.
- S: self-handled on the spot by the grid worker in March.
- B: in 东大街社区 (the subdistrict's other community): accepted and registered in March, not dispatched.
- R: reported in March and rejected.

So, for March: 受理 10 (A×8, S, B), 立案 9 (A×8, B), 结案 10 (A×8, F, S), 应结 10 (A×8, F, S), 按期 9
(all but A8), 返工 1, 延期 1, self-handled 1; handling time over A×8 and F.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from linli.accounts.models import Assignment, Department, User
from linli.accounts.roles import Role
from linli.cases import workflow as wf
from linli.cases.choices import Rating
from linli.cases.indicators import Indicators, by_department, by_region, cases_behind, compute
from linli.cases.models import Case
from linli.cases.tests.conftest import TZ, rubbish
from linli.core.worktime import add_working_time
from linli.testing import TEST_PASSWORD, TestCity, build_test_city, grid_houses

MARCH = datetime(2026, 3, 1, tzinfo=TZ)
APRIL = datetime(2026, 4, 1, tzinfo=TZ)
MON = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)


@dataclass
class Data:
    city: TestCity
    cases: dict[str, Case] = field(default_factory=dict)
    dongda_worker: User | None = None


def _dispatched(city: TestCity, at: datetime, **dispatch: Any) -> Case:
    worker = city.users["community_worker"]
    case = rubbish(city, at=at)
    t = at + timedelta(minutes=10)
    wf.accept_case(worker, case, at=t)
    wf.register_case(worker, case, at=t)
    if not dispatch:
        dispatch = {"to_region": city.region("510104001001")}
    return wf.dispatch_case(worker, case, at=t, **dispatch)


def _close(city: TestCity, case: Case, handled: datetime) -> Case:
    worker = city.users["community_worker"]
    holder = city.users["department_staff"] if case.holder_department_id else worker
    case = wf.report_back(holder, case, note="已清理完毕", at=handled)
    case = wf.verify_case(worker, case, passed=True, at=handled + timedelta(minutes=10))
    return wf.close_case(worker, case, at=handled + timedelta(minutes=10))


def build(city: TestCity) -> Data:
    data = Data(city=city)
    u = city.users
    worker = u["community_worker"]
    two_hours_later = MON + timedelta(hours=2, minutes=10)  # dispatched 09:10, reported back 11:10
    for name in ("A1", "A2", "A3", "A4"):
        data.cases[name] = _close(city, _dispatched(city, MON), two_hours_later)
    a5 = _dispatched(city, MON, to_department=Department.objects.get(code="cg"))
    data.cases["A5"] = _close(city, a5, two_hours_later)
    a6 = _dispatched(city, MON)
    a6 = wf.report_back(worker, a6, note="已清理", at=two_hours_later)
    a6 = wf.verify_case(worker, a6, passed=False, note="仍有纸箱", at=two_hours_later + timedelta(minutes=10))
    data.cases["A6"] = _close(city, a6, MON.replace(hour=14, minute=10))  # 09:10-12:00 + 13:30-14:10 = 3.5 h
    a7 = _dispatched(city, MON)
    extension = wf.request_extension(worker, a7, hours=7, reason="需协调物业", at=MON + timedelta(minutes=30))
    wf.decide_extension(u["subdistrict_staff"], extension, approve=True, at=MON + timedelta(minutes=40))
    data.cases["A7"] = _close(city, Case.objects.get(pk=a7.pk), two_hours_later)
    a8 = _dispatched(city, MON)
    assert a8.due_at is not None
    data.cases["A8"] = _close(city, a8, add_working_time(a8.due_at, hours=1))  # late: 14 + 1 working hours
    friday = datetime(2026, 2, 27, 9, 0, tzinfo=TZ)
    f = _dispatched(city, friday)
    f = wf.report_back(worker, f, note="已清理", at=friday + timedelta(hours=2, minutes=10))
    assert f.due_at is not None and MARCH <= f.due_at < APRIL
    f = wf.verify_case(worker, f, passed=True, at=MON + timedelta(minutes=30))
    data.cases["F"] = wf.close_case(worker, f, at=MON + timedelta(minutes=30))
    s = rubbish(city, at=MON.replace(day=3))
    data.cases["S"] = wf.self_handle_case(u["grid_worker"], s, note="已当场劝导清理", at=MON.replace(day=3))
    ratings = [
        ("A1", Rating.SATISFIED, True),
        ("A2", Rating.SATISFIED, True),
        ("A3", Rating.BASIC, True),
        ("A4", Rating.UNSATISFIED, False),
    ]
    for name, rating, contacted in ratings:
        data.cases[name] = wf.rate_case(
            u["grid_worker"], data.cases[name], rating=rating, contacted=contacted, at=MON + timedelta(days=2)
        )
    # B: the subdistrict's other community, with its own community worker
    dongda = city.region("510104001002")
    data.dongda_worker = User.objects.create_user(username="dongda", password=TEST_PASSWORD, display_name="dongda")
    Assignment.objects.create(
        user=data.dongda_worker, role=Role.COMMUNITY_WORKER, region=dongda, region_path=dongda.path
    )
    b = wf.report_case(
        u["subdistrict_staff"],
        category=data.cases["A1"].category,
        title="路边杂物堆放",
        house=grid_houses("510104001002001")[0],
        at=MON,
    )
    assert b.holder_region_id == dongda.pk
    wf.accept_case(data.dongda_worker, b, at=MON + timedelta(hours=1))
    data.cases["B"] = wf.register_case(data.dongda_worker, b, at=MON + timedelta(hours=1))
    r = rubbish(city, at=MON + timedelta(hours=3))
    data.cases["R"] = wf.reject_case(worker, r, reason="重复上报", at=MON + timedelta(hours=3))
    return data


@pytest.fixture(scope="module")
def data(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Data]:
    """Built once for the module inside a transaction that is rolled back at the end (each test's own
    transaction nests inside it as a savepoint)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build(build_test_city())
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_the_known_answers_for_the_district(data: Data) -> None:
    u = data.city.users
    march = compute(Case.objects.visible_to(u["district_leader"]), MARCH, APRIL)
    assert march.accepted == 10 and march.registered == 9 and march.register_rate == pytest.approx(0.9)
    assert march.closed == 10 and march.due == 10 and march.due_closed == 10 and march.due_on_time == 9
    assert march.close_rate == pytest.approx(1.0)
    assert march.on_time_rate == pytest.approx(0.9)
    assert march.rework_rate == pytest.approx(0.1) and march.extension_rate == pytest.approx(0.1)
    assert march.self_handled == 1 and march.self_handled_rate == pytest.approx(0.1)
    # A1-A5, A7 and F: 2 h each; A6: 3.5 h; A8: 15 h
    assert march.timed == 9
    assert march.avg_handling_hours == pytest.approx((7 * 2 + 3.5 + 15) / 9)
    # 2 satisfied + 1 basically + 1 not (and not reached)
    assert march.rated == 4
    assert march.response_rate == pytest.approx(0.75) and march.solve_rate == pytest.approx(0.75)
    assert march.satisfaction_rate == pytest.approx((2 + 0.9) / 4)
    assert march.composite == pytest.approx(0.1 * 0.75 + 0.5 * 0.75 + 0.4 * 0.725)


def test_february_counts_only_what_happened_in_february(data: Data) -> None:
    february = compute(Case.objects.visible_to(data.city.users["district_leader"]), MARCH.replace(month=2), MARCH)
    # F was accepted and registered in February; its deadline and its closing fell in March
    assert (february.accepted, february.registered, february.closed, february.due) == (1, 1, 0, 0)
    assert february.close_rate is None and february.on_time_rate is None and february.rework_rate is None
    assert february.avg_handling_hours is None and february.satisfaction_rate is None and february.composite is None


def test_the_outsider_sees_zeros(data: Data) -> None:
    assert compute(Case.objects.visible_to(data.city.users["outsider"]), MARCH, APRIL) == Indicators()


def test_department_staff_count_their_departments_case_once(data: Data) -> None:
    """城管 sees A5 only (dispatched to it); its scope query joins summonses, yet A5 counts once."""
    cg = data.city.users["department_staff"]
    a5 = data.cases["A5"]
    wf_case = Case.objects.get(pk=a5.pk)
    assert wf_case.handler_department is not None
    march = compute(Case.objects.visible_to(cg), MARCH, APRIL)
    assert (march.accepted, march.registered, march.closed, march.due_on_time, march.timed) == (1, 1, 1, 1, 1)
    assert march.avg_handling_hours == pytest.approx(2)


def test_drill_down_rows_add_up_to_the_total(data: Data) -> None:
    u = data.city.users
    district = data.city.region("510104")
    table = by_region(u["district_leader"], district, MARCH, APRIL)
    assert [row.label for row in table.rows] == ["春熙路街道", "书院街街道"]
    assert table.total is not None
    assert table.total.indicators == compute(Case.objects.visible_to(u["district_leader"]), MARCH, APRIL)
    chunxi, shuyuan = (row.indicators for row in table.rows)
    assert chunxi == table.total.indicators and shuyuan == Indicators()

    subdistrict = data.city.region("510104001")
    table = by_region(u["district_leader"], subdistrict, MARCH, APRIL)
    hongxing, dongda = (row.indicators for row in table.rows)
    assert (hongxing.accepted, dongda.accepted) == (9, 1) and (hongxing.registered, dongda.registered) == (8, 1)
    assert table.total is not None and hongxing + dongda == table.total.indicators

    # a grid has no children: the total only
    grid = by_region(u["district_leader"], data.city.region("510104001001001"), MARCH, APRIL)
    assert grid.rows == [] and grid.total is not None and grid.total.indicators.accepted == 9


def test_the_department_table(data: Data) -> None:
    table = by_department(data.city.users["district_leader"], data.city.region("510104"), MARCH, APRIL)
    assert [row.label for row in table.rows] == ["城管"]
    cg = table.rows[0].indicators
    assert (cg.accepted, cg.closed, cg.due, cg.due_on_time, cg.timed) == (1, 1, 1, 1, 1)


def test_the_cases_behind_a_number_are_the_ones_counted(data: Data) -> None:
    u = data.city.users
    district = data.city.region("510104")
    late = cases_behind(u["district_leader"], "due", MARCH, APRIL, region=district).exclude(
        pk__in=cases_behind(u["district_leader"], "due_on_time", MARCH, APRIL, region=district)
    )
    assert list(late) == [Case.objects.get(pk=data.cases["A8"].pk)]
    reworked = cases_behind(u["district_leader"], "reworked", MARCH, APRIL, region=district)
    assert list(reworked.values_list("pk", flat=True)) == [data.cases["A6"].pk]
    assert not cases_behind(u["outsider"], "closed", MARCH, APRIL, region=district).exists()


def test_the_period_picker() -> None:
    from datetime import date

    from linli.cases.views.indicators import period_from

    def days(params: dict[str, str], today: date) -> tuple[date, date]:
        period = period_from(params, today)[0]
        return period.first, period.last

    today = date(2026, 1, 15)
    assert days({"period": "last_month"}, today) == (date(2025, 12, 1), date(2025, 12, 31))
    assert days({"period": "quarter"}, date(2026, 5, 10)) == (date(2026, 4, 1), date(2026, 6, 30))
    assert days({"period": "quarter"}, date(2026, 12, 31)) == (date(2026, 10, 1), date(2026, 12, 31))
    assert days({"period": "year"}, today) == (date(2026, 1, 1), date(2026, 12, 31))
    assert days({}, today) == (date(2026, 1, 1), date(2026, 1, 31))
    custom, error = period_from({"from": "2026-03-01", "to": "2026-03-31"}, today)
    assert (custom.key, custom.start, custom.end, error) == ("custom", MARCH, APRIL, "")
    fallback, error = period_from({"period": "custom", "from": "2026-03-31", "to": "2026-03-01"}, today)
    assert fallback.key == "month" and "早于" in error


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_shows_the_numbers_and_their_definitions(data: Data, django_assert_max_num_queries: Any) -> None:
    u = data.city.users
    subdistrict = data.city.region("510104001")
    url = reverse("cases:indicators")
    client = _client(u["district_leader"])
    with django_assert_max_num_queries(20):  # a fixed number of aggregate queries, whatever the data
        response = client.get(
            url, {"region": subdistrict.pk, "period": "custom", "from": "2026-03-01", "to": "2026-03-31"}
        )
    assert response.status_code == 200
    text = response.content.decode()
    assert "红星路社区" in text and "东大街社区" in text
    assert "90.0%" in text and "100.0%" in text and "72.5%" in text  # 按期结案率, 结案率, 满意率
    assert "按期结案数 / 应结案数" in text  # the definitions are on the page
    behind = reverse("cases:indicator_cases")
    assert f"{behind}?metric=due_on_time&amp;region={subdistrict.pk}" in text


def test_the_drill_down_list_shows_the_cases_behind_a_number(data: Data) -> None:
    u = data.city.users
    district = data.city.region("510104")
    response = _client(u["district_leader"]).get(
        reverse("cases:indicator_cases"),
        {"metric": "reworked", "region": district.pk, "from": "2026-03-01", "to": "2026-03-31"},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert data.cases["A6"].number in text and data.cases["A1"].number not in text


def test_residents_are_refused_and_outsiders_see_nothing_of_the_district(data: Data) -> None:
    u = data.city.users
    assert _client(u["resident"]).get(reverse("cases:indicators")).status_code == 403
    assert _client(u["resident"]).get(reverse("cases:indicator_cases")).status_code == 403
    district = data.city.region("510104")
    outsider = _client(u["outsider"])
    assert outsider.get(reverse("cases:indicators"), {"region": district.pk}).status_code == 404
    behind = outsider.get(reverse("cases:indicator_cases"), {"metric": "closed", "region": district.pk})
    assert behind.status_code == 404
    page = outsider.get(reverse("cases:indicators"))
    assert page.status_code == 200 and "锦江区" not in page.content.decode()
