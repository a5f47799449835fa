"""Issue 10, item 9: a stranger cannot lock a worker out, and every refused attempt is audited.

Before, 5 wrong passwords for a username from anywhere locked it everywhere, and of 30 attempts only
the 5 failures left audit rows.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from linli.accounts import actions
from linli.core.models import AuditEvent
from linli.testing import TEST_PASSWORD, TestCity

pytestmark = pytest.mark.django_db


def _login(address: str, username: str, password: str) -> Any:
    return Client(REMOTE_ADDR=address).post(reverse("accounts:login"), {"username": username, "password": password})


def _signed_in(response: Any) -> bool:
    return response.status_code == 302


def test_a_stranger_guessing_locks_only_their_own_address(city: TestCity, settings: Any) -> None:
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        _login("10.9.9.66", "grid_worker", "guess")
    assert "锁定" in _login("10.9.9.66", "grid_worker", TEST_PASSWORD).content.decode()
    assert _signed_in(_login("10.1.1.7", "grid_worker", TEST_PASSWORD)), "the worker at their own desk gets in"
    # the worker's success does not lift the stranger's lock
    assert not _signed_in(_login("10.9.9.66", "grid_worker", TEST_PASSWORD))


def test_every_attempt_while_locked_leaves_an_audit_row(city: TestCity, settings: Any) -> None:
    for _ in range(30):
        _login("10.9.9.66", "grid_worker", "guess")
    failed = AuditEvent.objects.filter(verb="login_failed", object_repr="grid_worker").count()
    locked = AuditEvent.objects.filter(verb="login_locked", object_repr="grid_worker")
    assert failed == settings.LOGIN_FAILURE_LIMIT
    assert locked.count() == 30 - settings.LOGIN_FAILURE_LIMIT
    first = locked.order_by("seq").first()
    assert first is not None and first.ip == "10.9.9.66" and first.changes == {"lock": "account_from_address"}


def test_one_address_spraying_many_usernames_is_stopped(city: TestCity, settings: Any) -> None:
    for n in range(settings.LOGIN_ADDRESS_LIMIT):
        _login("10.9.9.66", f"guess{n}", "guess")
    assert not _signed_in(_login("10.9.9.66", "community_worker", TEST_PASSWORD))
    event = AuditEvent.objects.filter(verb="login_locked").get()
    assert event.changes == {"lock": "address"}
    assert _signed_in(_login("10.1.1.8", "community_worker", TEST_PASSWORD))


def test_a_guess_from_many_addresses_locks_the_account_until_an_administrator_resets_it(
    city: TestCity, settings: Any
) -> None:
    settings.LOGIN_ACCOUNT_LIMIT = 12
    for n in range(12):
        _login(f"10.9.{n % 3}.1", "grid_worker", "guess")  # 3 addresses, 4 each: no address lock
    refused = _login("10.1.1.7", "grid_worker", TEST_PASSWORD)
    assert not _signed_in(refused) and "锁定" in refused.content.decode()
    assert AuditEvent.objects.filter(verb="login_locked").get().changes == {"lock": "account"}
    actions.reset_password(city.users["administrator"], city.users["grid_worker"], new_password="Nw-pass-2026-x")
    assert _signed_in(_login("10.1.1.7", "grid_worker", "Nw-pass-2026-x"))


def test_the_token_endpoint_shares_the_scheme(city: TestCity, settings: Any) -> None:
    client = Client(REMOTE_ADDR="10.9.9.66")
    for _ in range(settings.LOGIN_FAILURE_LIMIT + 2):
        client.post("/api/v1/auth/token/", {"username": "grid_worker", "password": "guess"})
    assert AuditEvent.objects.filter(verb="login_locked").count() == 2
    mine = Client(REMOTE_ADDR="10.1.1.7").post(
        "/api/v1/auth/token/", {"username": "grid_worker", "password": TEST_PASSWORD}
    )
    assert mine.status_code == 200 and mine.json()["token"]
