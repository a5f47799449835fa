"""Sign-in: lockout, session expiry, CSRF and security headers."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from linli.accounts.models import LoginFailure
from linli.testing import TEST_PASSWORD, TestCity


def _login(client: Client, username: str, password: str) -> Any:
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_a_correct_password_signs_in(city: TestCity) -> None:
    client = Client()
    response = _login(client, "grid_worker", TEST_PASSWORD)
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(city.users["grid_worker"].pk)


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(city: TestCity) -> None:
    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        response = _login(client, "grid_worker", "not-the-password")
        assert response.status_code == 200
        assert "用户名或密码错误" in response.content.decode()
    response = _login(client, "grid_worker", TEST_PASSWORD)
    body = response.content.decode()
    assert response.status_code == 200
    assert "锁定" in body
    assert "_auth_user_id" not in client.session
    # Lockout follows the account, not the browser.
    assert "锁定" in _login(Client(), "GRID_WORKER", TEST_PASSWORD).content.decode()


def test_a_successful_sign_in_clears_the_failure_count(city: TestCity) -> None:
    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        _login(client, "grid_worker", "not-the-password")
    assert LoginFailure.objects.filter(username="grid_worker").count() == settings.LOGIN_FAILURE_LIMIT - 1
    assert _login(client, "grid_worker", TEST_PASSWORD).status_code == 302
    assert not LoginFailure.objects.filter(username="grid_worker").exists()
    client.post(reverse("accounts:logout"))
    # The counter started again: one more failure does not lock.
    _login(client, "grid_worker", "not-the-password")
    assert _login(client, "grid_worker", TEST_PASSWORD).status_code == 302


def test_the_session_expires_after_the_configured_idle_time(city: TestCity, settings: Any) -> None:
    settings.SESSION_COOKIE_AGE = 600
    client = Client()
    _login(client, "grid_worker", TEST_PASSWORD)
    assert client.session.get_expiry_age() == 600
    # Sliding idle timeout: each request re-saves the session with the configured age.
    assert settings.SESSION_SAVE_EVERY_REQUEST
    assert client.get(reverse("home")).status_code == 200
    stored = Session.objects.get(session_key=client.session.session_key)
    remaining = (stored.expire_date - timezone.now()).total_seconds()
    assert 590 <= remaining <= 600


def test_an_expired_session_is_signed_out(city: TestCity) -> None:
    client = Client()
    _login(client, "grid_worker", TEST_PASSWORD)
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_sign_in_requires_the_csrf_token(city: TestCity) -> None:
    client = Client(enforce_csrf_checks=True)
    response = _login(client, "grid_worker", TEST_PASSWORD)
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    page = client.get(reverse("accounts:login"))
    token = page.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        reverse("accounts:login"),
        {"username": "grid_worker", "password": TEST_PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def test_pages_carry_the_security_headers(city: TestCity) -> None:
    response = Client().get(reverse("accounts:login"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    session_cookie_flags = Client()
    _login(session_cookie_flags, "grid_worker", TEST_PASSWORD)
    cookie = session_cookie_flags.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_the_login_page_has_no_inline_script(city: TestCity) -> None:
    body = Client().get(reverse("accounts:login")).content.decode()

    for tag in re.findall(r"<script[^>]*>", body):
        assert "src=" in tag, tag
