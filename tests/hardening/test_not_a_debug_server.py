"""Issue 10, item 5: the demo is not a debug server.

With LINLI_ENV and DEBUG unset, DEBUG is off (an anonymous visitor gets a Chinese error page, never a
traceback, the settings or the URL patterns), and the secret the field keys derive from is the
installation's own, not the one written in the source.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path

from linli.accounts.models import User
from linli.urls import urlpatterns as linli_urls

PROBE = (
    "import json, linli.settings as s;"
    "print(json.dumps({'debug': s.DEBUG, 'secret': s.SECRET_KEY, 'demo': s.SECRET_KEY == s.DEMO_SECRET_KEY}))"
)


def _settings_in(data_dir: Path, **env: str) -> dict[str, object]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_") and k not in {"SECRET_KEY", "DEBUG"}}
    clean.update(LINLI_DATA_DIR=str(data_dir), **env)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=settings.BASE_DIR, env=clean, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_the_demo_runs_with_debug_off_unless_a_developer_asks(tmp_path: Path) -> None:
    assert _settings_in(tmp_path)["debug"] is False
    assert _settings_in(tmp_path, DEBUG="1")["debug"] is True


def test_the_demo_secret_is_made_per_installation_and_kept(tmp_path: Path) -> None:
    first = _settings_in(tmp_path / "a")
    again = _settings_in(tmp_path / "a")
    other = _settings_in(tmp_path / "b")
    assert first["demo"] is False
    assert first["secret"] == again["secret"], "the key must survive a restart, or the demo's data is unreadable"
    assert first["secret"] != other["secret"]
    assert len(str(first["secret"])) >= 50
    assert (tmp_path / "a" / "secret_key").stat().st_mode & 0o077 == 0, "only the owner may read the secret"


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug with SECRET details")


urlpatterns = [path("boom/", _boom), *linli_urls]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_visitors_get_chinese_error_pages_without_internals(django_user_model: type[User]) -> None:
    client = Client(raise_request_exception=False)
    missing = client.get("/accounts/no-such-page/")
    body = missing.content.decode()
    assert missing.status_code == 404
    assert "找不到页面" in body
    assert "urlpatterns" not in body and "URLconf" not in body and "Traceback" not in body

    client.force_login(django_user_model.objects.create_user("someone", password="x" * 12))
    broken = client.get("/boom/")
    body = broken.content.decode()
    assert broken.status_code == 500
    assert "服务器出错" in body and "请稍后重试" in body
    assert "SECRET" not in body and "Traceback" not in body and "RuntimeError" not in body
