"""工作日历 pages: the city administrator enters and removes days; everyone else is kept out."""

from __future__ import annotations

from datetime import date

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from linli.accounts.models import Assignment, User
from linli.accounts.roles import Role
from linli.core.models import AuditEvent, CalendarDay, CalendarYear
from linli.core.worktime import is_workday
from linli.testing import TestCity


def client_for(city: TestCity, who: str) -> Client:
    client = Client()
    client.force_login(city.users[who])
    return client


def test_the_administrator_sees_the_years_and_where_their_holidays_come_from(city: TestCity) -> None:
    response = client_for(city, "administrator").get(reverse("calendar:index"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "2026 年" in text and "2027 年" in text
    assert "国务院办公厅公布的安排" in text
    assert "尚未录入，按周一至周五计算" in text  # 2027


def test_the_year_page_lists_the_official_holidays_and_make_up_days(city: TestCity) -> None:
    response = client_for(city, "administrator").get(reverse("calendar:year", args=[2026]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "2026-02-15" in text and "2026-02-23" in text and "春节" in text
    assert "2026-02-14" in text and "春节调休" in text  # make-up Saturday
    assert "按周一至周五计算" not in text


def test_the_administrator_adds_and_removes_a_day(city: TestCity) -> None:
    client = client_for(city, "administrator")
    url = reverse("calendar:year", args=[2027])
    assert "2027 年节假日安排尚未录入，按周一至周五计算" in client.get(url).content.decode()

    response = client.post(url, {"on": "2027-02-08", "kind": "holiday", "name": "春节"})
    assert response.status_code == 302
    assert CalendarDay.objects.get(date=date(2027, 2, 8)).name == "春节"
    assert not is_workday(date(2027, 2, 8))
    page = client.get(url).content.decode()
    assert "2027-02-08" in page and "管理员录入" in page

    response = client.post(reverse("calendar:remove_day", args=[2027]), {"on": "2027-02-08"})
    assert response.status_code == 302
    assert not CalendarDay.objects.exists()
    assert is_workday(date(2027, 2, 8))
    verbs = list(AuditEvent.objects.filter(verb__contains="calendar").values_list("verb", flat=True))
    assert sorted(verbs) == ["remove_calendar_day", "set_calendar_day"]


def test_bad_input_shows_the_chinese_message_and_writes_nothing(city: TestCity) -> None:
    client = client_for(city, "administrator")
    url = reverse("calendar:year", args=[2027])
    events = AuditEvent.objects.count()
    response = client.post(url, {"on": "2027-03-06", "kind": "holiday", "name": "周末"})
    assert response.status_code == 400
    assert "2027年3月6日（星期六）本来就不上班，无需录入为节假日。" in response.content.decode()
    response = client.post(url, {"on": "2028-01-03", "kind": "holiday", "name": "元旦"})
    assert response.status_code == 400
    assert "请填写 2027 年内的日期。" in response.content.decode()
    response = client.post(url, {"on": "", "kind": "nonsense", "name": ""})
    assert response.status_code == 400
    assert not CalendarDay.objects.exists()
    assert AuditEvent.objects.count() == events


def test_marking_the_year_entered(city: TestCity) -> None:
    client = client_for(city, "administrator")
    mark = reverse("calendar:mark_entered", args=[2027])
    client.post(mark, {"note": ""})  # nothing entered yet: refused
    assert not CalendarYear.objects.exists()
    client.post(reverse("calendar:year", args=[2027]), {"on": "2027-02-08", "kind": "holiday", "name": "春节"})
    response = client.post(mark, {"note": "国办发明电"}, follow=True)
    assert CalendarYear.objects.get(year=2027).entered_by == city.users["administrator"]
    text = response.content.decode()
    assert "已标记 2027 年节假日录入完整。" in text
    assert "按周一至周五计算" not in text


@pytest.mark.parametrize("who", ["resident", "grid_worker", "community_worker", "district_leader", "auditor"])
def test_everyone_else_is_refused(city: TestCity, who: str) -> None:
    client = client_for(city, who)
    assert client.get(reverse("calendar:index")).status_code == 403
    assert client.get(reverse("calendar:year", args=[2027])).status_code == 403
    response = client.post(reverse("calendar:year", args=[2027]), {"on": "2027-02-08", "kind": "holiday", "name": "x"})
    assert response.status_code == 403
    assert client.post(reverse("calendar:mark_entered", args=[2027])).status_code == 403
    assert not CalendarDay.objects.exists() and not CalendarYear.objects.exists()


def test_a_district_administrator_does_not_reach_the_city_calendar(city: TestCity) -> None:
    user = User.objects.create_user(username="district_admin", password=None)
    district = city.region("510104")
    Assignment.objects.create(user=user, role=Role.ADMINISTRATOR, region=district, region_path=district.path)
    client = Client()
    client.force_login(user)
    assert client.get(reverse("calendar:year", args=[2027])).status_code == 404
    response = client.post(reverse("calendar:year", args=[2027]), {"on": "2027-02-08", "kind": "holiday", "name": "x"})
    assert response.status_code == 404
    assert not CalendarDay.objects.exists()


def test_the_home_page_links_the_calendar_for_the_administrator(city: TestCity) -> None:
    assert reverse("calendar:index") in client_for(city, "administrator").get(reverse("home")).content.decode()
    assert reverse("calendar:index") not in client_for(city, "grid_worker").get(reverse("home")).content.decode()


def test_the_notice_include_warns_for_each_fallback_year() -> None:
    html = render_to_string("core/includes/calendar_notice.html", {"years": [2027, 2028]})
    assert "2027 年节假日安排尚未录入，按周一至周五计算" in html
    assert "2028 年节假日安排尚未录入，按周一至周五计算" in html
    assert render_to_string("core/includes/calendar_notice.html", {"years": []}).strip() == ""
