"""The audit trail: the hash chain, `linli audit verify`, sign-in events and the audit browser."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command, get_commands
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from linli.core import audit
from linli.core.models import AuditEvent
from linli.testing import TEST_PASSWORD, TestCity


def _events(city: TestCity, n: int) -> list[AuditEvent]:
    admin = city.users["administrator"]
    region = city.region("510104001001")
    return [audit.record(admin, "test_event", region, changes={"i": [None, i]}) for i in range(n)]


def _verify() -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("audit_verify", stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue() + err.getvalue() + str(error)
    return 0, out.getvalue() + err.getvalue()


def test_verify_reports_an_intact_chain(city: TestCity) -> None:
    _events(city, 5)
    code, text = _verify()
    assert code == 0
    assert f"审计链完整：{AuditEvent.objects.count()} 条" in text


def test_verify_names_the_row_edited_behind_its_back(city: TestCity) -> None:
    events = _events(city, 6)
    victim = events[3]
    with pytest.raises(RuntimeError):
        victim.save()  # the model refuses edits, so tamper the way an intruder would: raw SQL
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {AuditEvent._meta.db_table} SET reason = %s WHERE seq = %s", ["改过了", victim.seq])
    code, text = _verify()
    assert code == 1
    assert f"第 {victim.seq} 条" in text
    assert "内容与其哈希不一致" in text


def test_verify_names_a_row_deleted_from_the_middle(city: TestCity) -> None:
    events = _events(city, 6)
    victim = events[2]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE seq = %s", [victim.seq])
    code, text = _verify()
    assert code == 1
    assert f"第 {victim.seq} 条" in text
    assert "删除" in text


def test_verify_notices_a_rewritten_link(city: TestCity) -> None:
    events = _events(city, 4)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET prev_hash = %s WHERE seq = %s", ["f" * 64, events[1].seq]
        )
    code, text = _verify()
    assert code == 1
    assert f"第 {events[1].seq} 条" in text


def test_the_linli_command_maps_audit_verify_to_the_management_command() -> None:
    assert get_commands()["audit_verify"] == "linli.core"


# -- sign-in events -------------------------------------------------------------------------------


def test_login_logout_and_failed_login_are_audited(city: TestCity, client: Client) -> None:
    login_url = reverse("accounts:login")
    client.post(login_url, {"username": "grid_worker", "password": "wrong-password"})
    failed = AuditEvent.objects.filter(verb="login_failed").order_by("-seq").first()
    assert failed is not None and failed.object_repr == "grid_worker" and failed.actor_id is None
    assert "wrong-password" not in str(failed.changes) + failed.reason

    response = client.post(login_url, {"username": "grid_worker", "password": TEST_PASSWORD})
    assert response.status_code == 302
    login = AuditEvent.objects.filter(verb="login").order_by("-seq").first()
    assert login is not None and login.actor_id == city.users["grid_worker"].pk

    client.post(reverse("accounts:logout"))
    logout = AuditEvent.objects.filter(verb="logout").order_by("-seq").first()
    assert logout is not None and logout.actor_id == city.users["grid_worker"].pk
    assert _verify()[0] == 0


# -- the audit browser ----------------------------------------------------------------------------


def _client_for(city: TestCity, who: str) -> Client:
    client = Client()
    client.force_login(city.users[who])
    return client


def test_roles_without_the_audit_capability_are_forbidden(city: TestCity) -> None:
    event = _events(city, 1)[0]
    for who in ("grid_worker", "community_worker", "district_leader", "department_staff", "resident"):
        client = _client_for(city, who)
        assert client.get(reverse("audit:list")).status_code == 403, who
        assert client.get(reverse("audit:detail", args=[event.seq])).status_code == 403, who


def test_the_district_auditor_sees_their_district_only(city: TestCity) -> None:
    admin = city.users["administrator"]
    ours = audit.record(admin, "test_ours", city.region("510104001001"))
    theirs = audit.record(admin, "test_theirs", city.region("510105001001"))
    unplaced = audit.record(None, "login_failed", object_type="accounts.user", object_repr="nobody")
    client = _client_for(city, "auditor")
    verbs = {e.verb for e in client.get(reverse("audit:list")).context["page"].object_list}
    assert "test_ours" in verbs and "test_theirs" not in verbs
    assert client.get(reverse("audit:detail", args=[ours.seq])).status_code == 200
    assert client.get(reverse("audit:detail", args=[theirs.seq])).status_code == 404
    # Unplaced events (sign-ins) belong to no district: only a city-wide reader sees them.
    assert client.get(reverse("audit:detail", args=[unplaced.seq])).status_code == 404
    assert client.get(reverse("audit:detail", args=[10**9])).status_code == 404


def test_the_city_administrator_sees_everything_including_sign_ins(city: TestCity) -> None:
    admin = city.users["administrator"]
    theirs = audit.record(admin, "test_theirs", city.region("510105001001"))
    unplaced = audit.record(None, "login_failed", object_type="accounts.user", object_repr="nobody")
    client = _client_for(city, "administrator")
    assert client.get(reverse("audit:detail", args=[theirs.seq])).status_code == 200
    response = client.get(reverse("audit:detail", args=[unplaced.seq]))
    assert response.status_code == 200
    assert "nobody" in response.content.decode()


def test_the_list_filters_by_user_object_verb_and_date(city: TestCity) -> None:
    admin, auditor = city.users["administrator"], city.users["auditor"]
    community = city.region("510104001001")
    grid = city.region("510104001001001")
    audit.record(admin, "test_rename", community)
    audit.record(auditor, "test_move", grid)
    client = _client_for(city, "administrator")
    url = reverse("audit:list")

    def verbs(**params: str) -> set[str]:
        page = client.get(url, params).context["page"]
        return {e.verb for e in page.object_list}

    assert verbs(user="auditor") == {"test_move"}
    by_object = verbs(object_type="places.region", object_id=str(community.pk))
    assert "test_rename" in by_object and "test_move" not in by_object
    assert verbs(verb="test_rename") == {"test_rename"}

    today = timezone.localdate()
    assert {"test_rename", "test_move"} <= verbs(date_from=str(today), date_to=str(today))
    assert verbs(date_to=str(today.replace(year=today.year - 1))) == set()
    response = client.get(url, {"date_from": str(today), "date_to": str(today.replace(year=today.year - 1))})
    assert "截止日期不能早于起始日期" in response.content.decode()


def test_the_list_is_newest_first_and_paginated(city: TestCity) -> None:
    _events(city, 60)
    client = _client_for(city, "administrator")
    first = client.get(reverse("audit:list")).context["page"]
    seqs = [e.seq for e in first.object_list]
    assert seqs == sorted(seqs, reverse=True) and len(seqs) == 50
    second = client.get(reverse("audit:list"), {"page": 2}).context["page"]
    assert max(e.seq for e in second.object_list) < min(seqs)


def test_the_detail_shows_changes_reason_and_hashes(city: TestCity) -> None:
    event = audit.record(
        city.users["administrator"],
        "test_rename",
        city.region("510104001001"),
        changes={"name": ["旧名", "新名"]},
        reason="区划调整文件 2026-1 号",
    )
    body = _client_for(city, "auditor").get(reverse("audit:detail", args=[event.seq])).content.decode()
    for text in ("旧名", "新名", "区划调整文件 2026-1 号", event.hash, event.prev_hash, "内容与哈希一致"):
        assert text in body


def test_the_list_page_does_not_grow_queries_with_rows(city: TestCity, django_assert_max_num_queries: Any) -> None:
    _events(city, 40)
    client = _client_for(city, "administrator")
    client.get(reverse("audit:list"))
    with django_assert_max_num_queries(12):
        client.get(reverse("audit:list"))
