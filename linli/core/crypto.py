"""Field encryption and keyed digests for sensitive values (DESIGN.md mechanism 3).

- ``encrypt``/``decrypt``: Fernet (AES-128-CBC + HMAC-SHA256, authenticated, timestamped) through
  ``MultiFernet`` over ``settings.LINLI_FIELD_KEYS``: the first key encrypts, every key decrypts,
  so a new key is put first and old tokens are rewritten with ``reencrypt`` (``linli rotate_keys``).
- ``digest``: HMAC-SHA256 keyed with ``settings.LINLI_DIGEST_KEY``, hex. Equal inputs give equal
  digests, so an ID number can be looked up and duplicates found without decrypting anything, and
  without the key the digest of a guessed number cannot be computed (ID numbers are few enough to
  enumerate: an unkeyed hash would be no protection). Changing the digest key means recomputing
  every digest, so it is not rotated with the field keys.

Demo and tests: when the settings leave the keys empty, both are derived from ``SECRET_KEY`` with
HKDF (one label per purpose), so the demo works with no configuration and the derivation is
deterministic. Production refuses to start without explicit keys (linli/settings.py).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from linli.core.idnumbers import IdNumberError, normalise_id, parse_resident_id

__all__ = [
    "DecryptionError",
    "decrypt",
    "derive_key",
    "digest",
    "encrypt",
    "generate_field_key",
    "id_lookup_digest",
    "reencrypt",
]


class DecryptionError(Exception):
    """A token that no configured key opens (wrong key set, or a damaged value)."""


@functools.lru_cache(maxsize=32)  # a pure function; uncached, HKDF ran on every encrypt and digest (~10 µs)
def derive_key(secret: str, purpose: str) -> bytes:
    """32 bytes from ``secret`` for one ``purpose`` (HKDF-SHA256); the same inputs give the same key."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"linli", info=purpose.encode()).derive(secret.encode())


def generate_field_key() -> str:
    """A fresh random Fernet key, for an operator setting up LINLI_FIELD_KEYS."""
    return Fernet.generate_key().decode()


def _field_keys() -> tuple[str, ...]:
    keys = tuple(k for k in getattr(settings, "LINLI_FIELD_KEYS", []) if k)
    if keys:
        return keys
    derived = base64.urlsafe_b64encode(derive_key(settings.SECRET_KEY, "linli field encryption v1"))
    return (derived.decode(),)


def _digest_key() -> bytes:
    key: str = getattr(settings, "LINLI_DIGEST_KEY", "") or ""
    if key:
        return key.encode()
    return derive_key(settings.SECRET_KEY, "linli id digest v1")


@functools.lru_cache(maxsize=8)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            _("LINLI_FIELD_KEYS 中有无效的密钥：每个密钥应为 32 字节的 URL 安全 Base64 编码（Fernet 密钥）。")
        ) from exc


def _fernet() -> MultiFernet:
    # Keyed by the key tuple, so override_settings in tests and a reloaded configuration take effect.
    return _multi_fernet(_field_keys())


def encrypt(text: str) -> str:
    """Encrypt with the current (first) key. The token is ASCII, about 100 characters for an ID number."""
    return _fernet().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """Decrypt with whichever configured key opens the token; ``DecryptionError`` if none does."""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as exc:
        raise DecryptionError(_("无法解密：密钥配置与数据不匹配，或数据已损坏。")) from exc


def reencrypt(token: str) -> str:
    """The same clear value under the current key (for key rotation); the clear value never leaves here."""
    try:
        return _fernet().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError) as exc:
        raise DecryptionError(_("无法解密：密钥配置与数据不匹配，或数据已损坏。")) from exc


def is_current(token: str) -> bool:
    """Whether ``token`` is already encrypted under the current key (rotation can skip it)."""
    current = MultiFernet([Fernet(_field_keys()[0])])
    try:
        current.decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeError):
        return False
    return True


def digest(text: str) -> str:
    """HMAC-SHA256 of ``text`` under the digest key, 64 hex characters. Pass the normalised value."""
    return hmac.new(_digest_key(), text.encode("utf-8"), hashlib.sha256).hexdigest()


def id_lookup_digest(raw: str) -> str:
    """The digest to look a typed ID number up by: a valid resident ID in its 18-character form
    (so a 15-digit old number finds its converted record), anything else as normalised."""
    try:
        return digest(parse_resident_id(raw).number)
    except IdNumberError:
        return digest(normalise_id(raw))
