"""Masking and unmasking of sensitive fields (DESIGN.md mechanism 3).

Each model declares ``SENSITIVE_FIELDS`` (e.g. ``Person.SENSITIVE_FIELDS = ("id_number", "phone")``).
Pages, API responses, exports and logs show those fields masked: ``masked_value(obj, field)`` (and
the template filter ``{{ person|masked:"phone" }}`` from ``{% load masking %}``). The clear value
comes only from ``unmask(actor, obj, field, reason=...)``, an action that asks the actor where it
may see the field in clear (``Actor.unmask_paths``: accounts.User reads the declarative
``UNMASK_RULES`` in accounts/roles.py, beside ``ROLE_CAPABILITIES``), checks the object's scope, and
writes an audit event ("unmask") carrying the reason and the field name — never the value.

Masking rules: resident ID first 6 + 8 asterisks + last 4 (area code and check stay visible for
recognising a record; birth date and sequence are hidden); phone first 3 + 4 asterisks + last 4.

``RedactSensitive`` is a ``logging.Filter`` installed on the root handler in settings.LOGGING: any
ID-number-like or mobile-number-like substring in a log line is replaced by its masked form.

This module is imported while logging is configured (before the app registry is ready): nothing it
imports at module level may import a model (core.audit reads AuditEvent inside its functions).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext as _

from linli.core import audit
from linli.core.actions import ActionError, action, require
from linli.core.actors import is_signed_in
from linli.core.crypto import decrypt
from linli.core.scope import get_visible_or_404, path_in_scope

if TYPE_CHECKING:
    from linli.core.actors import Actor, MaybeActor

# The shortest reason accepted for seeing sensitive data in clear or taking it away (unmask, exports).
MIN_REASON_LENGTH = 4


# --- masking functions ------------------------------------------------------------------------------


def mask_id(number: str) -> str:
    """An identity number for display: 18 characters → first 6 + ``********`` + last 4.

    15-digit old numbers → first 6 + ``******`` + last 3 (the birth date hidden, as in 18). Other
    lengths (passports, permits) keep at most the first 6 and last 4 and hide at least half.
    """
    number = (number or "").strip()
    if not number:
        return ""
    if len(number) == 18:
        return number[:6] + "*" * 8 + number[-4:]
    if len(number) == 15:  # old resident ID: area + YYMMDD + sequence; the birth date hidden likewise
        return number[:6] + "*" * 6 + number[-3:]
    keep_head = min(6, len(number) // 4)
    keep_tail = min(4, len(number) // 4)
    return number[:keep_head] + "*" * (len(number) - keep_head - keep_tail) + number[len(number) - keep_tail :]


def mask_phone(phone: str) -> str:
    """A phone number for display: first 3 + ``****`` + last 4 (138****5678); short numbers fully hidden."""
    compact = re.sub(r"[\s\-()]", "", phone or "")
    if not compact:
        return ""
    if len(compact) < 8:
        return "*" * len(compact)
    return compact[:3] + "****" + compact[-4:]


def _mask_id_field(obj: Any) -> str:
    stored: str = getattr(obj, "id_masked", "") or ""
    return stored


def _mask_phone_field(obj: Any) -> str:
    return mask_phone(getattr(obj, "phone", "") or "")


# How each sensitive field is shown masked; a declared sensitive field not listed here is hidden whole.
MASKERS: dict[str, Callable[[Any], str]] = {
    "id_number": _mask_id_field,
    "phone": _mask_phone_field,
}


def is_sensitive(obj: Any, field: str) -> bool:
    return field in getattr(obj, "SENSITIVE_FIELDS", ())


def masked_value(obj: Any, field: str) -> str:
    """What a page, API response or export shows for ``obj.field``: masked if the field is sensitive."""
    if obj is None:
        return ""
    if not is_sensitive(obj, field):
        value = getattr(obj, field, "")
        return "" if value is None else str(value)
    masker = MASKERS.get(field)
    if masker is not None:
        return masker(obj)
    value = getattr(obj, field, "")
    return "*" * len(str(value)) if value else ""


# --- unmasking ----------------------------------------------------------------------------------------


def _label(obj: models.Model) -> str:
    return obj._meta.label_lower


def _visible(user: Actor, obj: models.Model) -> bool:
    manager = type(obj)._default_manager
    return bool(manager.visible_to(user).filter(pk=obj.pk).exists())  # type: ignore[attr-defined]


def may_unmask(user: MaybeActor, obj: models.Model, field: str) -> bool:
    """Whether ``user`` may see ``obj.field`` in clear (given a reason): the field is sensitive, one
    of the user's roles allowed to unmask it is held over the object's region (the user says where:
    ``unmask_paths``), and the object is visible to the user."""
    if not is_signed_in(user) or not is_sensitive(obj, field):
        return False
    path = str(getattr(obj, "region_path", "") or "")
    if not path_in_scope(path, user.unmask_paths(_label(obj), field)):
        return False
    return _visible(user, obj)


def _clear_value(obj: Any, field: str) -> str:
    if field == "id_number":
        token: str = getattr(obj, "id_number_encrypted", "") or ""
        return decrypt(token) if token else ""
    value = getattr(obj, field, "")
    return "" if value is None else str(value)


@action
def unmask(actor: MaybeActor, obj: models.Model, field: str, *, reason: str) -> str:
    """The clear value of ``obj.field`` for ``actor``, recorded as an audit event with the reason.

    404 if the object is not visible to the actor (as for any object outside one's scope);
    PermissionDenied if no role of the actor held over the object's region may unmask this field;
    ActionError if the reason is shorter than four characters. The audit event holds the field name
    and the reason, never the value.
    """
    fresh = get_visible_or_404(type(obj)._default_manager.all(), actor, pk=obj.pk)
    if not is_sensitive(fresh, field):
        raise ActionError(_("字段“%(field)s”不是敏感字段，无需查看原文。") % {"field": field}, field="field")
    require(
        may_unmask(actor, fresh, field),
        _("您的角色无权查看%(object)s的完整%(field)s。")
        % {"object": fresh._meta.verbose_name, "field": _field_label(fresh, field)},
    )
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ActionError(
            _("查看完整%(field)s必须填写理由（至少 %(n)d 个字），理由会记入审计日志。")
            % {"field": _field_label(fresh, field), "n": MIN_REASON_LENGTH},
            field="reason",
        )
    audit.record(actor, "unmask", fresh, reason=reason, changes={"field": field})
    return _clear_value(fresh, field)


def _field_label(obj: models.Model, field: str) -> str:
    if field == "id_number":
        return str(_("证件号码"))
    try:
        model_field = obj._meta.get_field(field)
    except Exception:  # a label is cosmetic; the field name will do
        return field
    return str(getattr(model_field, "verbose_name", field))


# --- logs ---------------------------------------------------------------------------------------------

# 18 characters (17 digits + digit or X) or 15 digits, not part of a longer run of letters or digits.
_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
# Mainland mobile numbers: 1[3-9] + 9 digits, alone or after +86 / 86.
_MOBILE_LIKE = re.compile(r"(?:(?<=\+86)|(?<=\b86)|(?<![0-9]))1[3-9]\d{9}(?![0-9])")


def redact(text: str) -> str:
    """``text`` with every ID-number-like and mobile-number-like substring masked."""
    text = _ID_LIKE.sub(lambda m: mask_id(m.group(0).upper()), text)
    return _MOBILE_LIKE.sub(lambda m: mask_phone(m.group(0)), text)


class RedactSensitive(logging.Filter):
    """Masks ID numbers and mobile numbers in a log record: message, arguments, traceback and stack.

    The message is rendered with its arguments once and the result replaces both (formatting an
    argument's ``str()`` may itself reveal a number). Never drops a record.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must still be logged, redacted
            message = f"{record.msg} {record.args!r}"
        redacted = redact(message)
        if redacted != message or record.args:
            record.msg = redacted
            record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
