"""The one phone rule: what a phone number may look like, and the shape it is stored in.

A person's phone (people), a case's contact phone and a dispute party's phone (cases) and a user's
phone (accounts) all pass ``validate_phone``; the search (people.search) reads a typed query with
``normalise_phone``. Before, there were three rules: people allowed 3–20 digits after dropping
separators, cases 7–20 characters of digits and "-" as typed, accounts anything.

The rule: full-width characters become ASCII (NFKC: a phone keyboard's "１３８"), spaces, "-" and
parentheses (also full-width) are dropped, and what is left is an optional "+" (an international
prefix) and 7 to 20 digits — 7 is the shortest local landline number without its area code; the
emergency numbers (110, 120) are nobody's contact phone. The number is stored in that compact
form, so equality look-ups ("phone exact", 尾号) need no normalising at query time.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext as _

from linli.core.actions import ActionError

PHONE_SEPARATORS = re.compile(r"[\s\-()（）]+")
PHONE_SHAPE = re.compile(r"\+?[0-9]{7,20}")


def normalise_phone(raw: str | None) -> str:
    """``raw`` in the stored shape: NFKC, separators dropped ("028-8888 6666" → "02888886666")."""
    return PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))


def validate_phone(raw: str | None, *, field: str = "phone", who: str | None = None) -> str:
    """The phone in its stored shape ("" when blank), or ``ActionError`` naming ``field``.

    ``who`` names whose phone it is when a form has several ("当事人“甲”的联系电话 …")."""
    phone = normalise_phone(raw)
    if phone and PHONE_SHAPE.fullmatch(phone) is None:
        if who:
            message = _("%(who)s的联系电话只能包含数字（可带国际区号 +），7 到 20 位。") % {"who": who}
        else:
            message = _("联系电话只能包含数字（可带国际区号 +），7 到 20 位。")
        raise ActionError(message, field=field)
    return phone


__all__ = ["PHONE_SEPARATORS", "PHONE_SHAPE", "normalise_phone", "validate_phone"]
