"""Field encryption (Fernet, rotatable keys) and keyed digests; production refuses to start without keys."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings

from linli.core import crypto
from linli.core.models import AuditEvent
from linli.testing import TestCity
from tests.core.test_masking import OUR_GRID, make_person

ID = "11010519491231002X"


def test_encrypt_round_trips_and_hides_the_value() -> None:
    token = crypto.encrypt(ID)
    assert ID not in token
    assert crypto.decrypt(token) == ID
    assert crypto.encrypt(ID) != token  # random IV: equal numbers do not give equal tokens


def test_unicode_round_trips() -> None:
    assert crypto.decrypt(crypto.encrypt("张三 · 护照 E1234５")) == "张三 · 护照 E1234５"


def test_digest_is_deterministic_hex_and_distinguishes_values() -> None:
    first = crypto.digest(ID)
    assert first == crypto.digest(ID)
    assert len(first) == 64 and all(c in "0123456789abcdef" for c in first)
    assert crypto.digest("110105194912310011") != first


def test_digest_depends_on_the_key() -> None:
    default = crypto.digest(ID)
    with override_settings(LINLI_DIGEST_KEY="another-digest-key-of-at-least-32-chars"):
        assert crypto.digest(ID) != default


def test_lookup_digest_finds_the_converted_form_of_an_old_number() -> None:
    assert crypto.id_lookup_digest("110105491231002") == crypto.digest(ID)
    assert crypto.id_lookup_digest(" 110105 19491231 002x ") == crypto.digest(ID)
    assert crypto.id_lookup_digest("e12345678") == crypto.digest("E12345678")  # not a resident ID: as typed


def test_demo_keys_derive_from_secret_key() -> None:
    token = crypto.encrypt(ID)
    with override_settings(SECRET_KEY="a-different-secret-key-0123456789012345678901234"):
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(token)
        other_digest = crypto.digest(ID)
    assert other_digest != crypto.digest(ID)
    assert crypto.decrypt(token) == ID


def test_rotation_old_tokens_still_open_and_reencrypt_moves_them_to_the_new_key() -> None:
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with override_settings(LINLI_FIELD_KEYS=[old_key]):
        old_token = crypto.encrypt(ID)
        assert crypto.is_current(old_token)
    with override_settings(LINLI_FIELD_KEYS=[new_key, old_key]):
        assert crypto.decrypt(old_token) == ID
        assert not crypto.is_current(old_token)
        new_token = crypto.reencrypt(old_token)
        assert crypto.is_current(new_token)
        assert crypto.encrypt(ID) and crypto.is_current(crypto.encrypt(ID))
    with override_settings(LINLI_FIELD_KEYS=[new_key]):  # the old key retired
        assert crypto.decrypt(new_token) == ID
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(old_token)


def test_a_damaged_token_is_refused() -> None:
    token = crypto.encrypt(ID)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token[:-4] + "AAAA")
    with pytest.raises(crypto.DecryptionError):
        crypto.reencrypt("not a token")


def test_an_invalid_configured_key_is_a_configuration_error() -> None:
    with override_settings(LINLI_FIELD_KEYS=["too-short"]), pytest.raises(ImproperlyConfigured):
        crypto.encrypt(ID)


def _import_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_") and k not in {"SECRET_KEY", "DEBUG"}}
    clean.update(LINLI_DATA_DIR=str(tmp_path), LINLI_ENV="production", DEBUG="0", SECRET_KEY="s" * 50, **env)
    return subprocess.run(
        [sys.executable, "-c", "import linli.settings"],
        cwd=settings.BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_refuses_to_start_without_explicit_keys(tmp_path: Path) -> None:
    missing_field = _import_settings(tmp_path, LINLI_DIGEST_KEY="d" * 40)
    assert missing_field.returncode != 0
    assert "LINLI_FIELD_KEYS" in missing_field.stderr
    missing_digest = _import_settings(tmp_path, LINLI_FIELD_KEYS=Fernet.generate_key().decode())
    assert missing_digest.returncode != 0
    assert "LINLI_DIGEST_KEY" in missing_digest.stderr
    configured = _import_settings(tmp_path, LINLI_FIELD_KEYS=Fernet.generate_key().decode(), LINLI_DIGEST_KEY="d" * 40)
    assert configured.returncode == 0, configured.stderr


def test_rotate_keys_command_moves_every_token_to_the_new_key(city: TestCity) -> None:
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    numbers = ["11010519491231002X", "110105194912310011"]
    with override_settings(LINLI_FIELD_KEYS=[old_key]):
        people = [make_person(city, OUR_GRID, id_number=n) for n in numbers]
    with override_settings(LINLI_FIELD_KEYS=[new_key, old_key]):
        out = io.StringIO()
        call_command("rotate_keys", "--dry-run", stdout=out)
        assert "重新加密 2 条" in out.getvalue()
        call_command("rotate_keys", "--batch-size", "1", stdout=io.StringIO())
        event = AuditEvent.objects.order_by("-seq").first()
        assert event is not None and event.verb == "rotate_keys" and event.changes["rows"] == 2
        out = io.StringIO()
        call_command("rotate_keys", stdout=out)  # a second run has nothing left to do
        assert "重新加密 0 条" in out.getvalue()
    with override_settings(LINLI_FIELD_KEYS=[new_key]):
        for person, number in zip(people, numbers, strict=True):
            person.refresh_from_db()
            assert crypto.decrypt(person.id_number_encrypted) == number
