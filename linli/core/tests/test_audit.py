"""The audit trail: the hash chain, `linli audit verify`, sign-in events and the audit browser."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from linli.core import audit
from linli.core.models import AuditEvent
from linli.core.testing import TEST_PASSWORD, TestCity


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
        cursor.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET reason = %s WHERE seq = %s", ["改过了", victim.seq]
        )
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
    from django.core.management import get_commands

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
