"""Resident identity numbers (居民身份证号码, GB 11643-1999).

18 characters: 6-digit area code, 8-digit birth date (YYYYMMDD), 3-digit sequence (odd = male) and
a check character (ISO 7064 MOD 11-2, "X" for 10). Old 15-digit numbers (YYMMDD, no check) convert
by inserting "19" after the area code and computing the check. The check character and the birth
date come from python-stdnum (``stdnum.cn.ric``); this module adds what real registry data needs:
normalisation of what people type and what spreadsheets export, the 15 → 18 conversion, the
plausibility window for the birth date, and refusal of numbers that Excel turned into floats (the
digits are gone; they are never guessed back).

Error messages name the rule that failed and never contain the number itself: they end up in
import reject files, logs and screenshots.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumValidationError

EARLIEST_BIRTH_YEAR = 1900

# Hyphen-like separators people and systems put between the sections of a number.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\u00ad\u200b-\u200d\u2060\ufeff]+")
# 3.30106198001011E+17, 3.3E17, 3,30106E+17 (a European decimal comma) — the digits beyond the 15th are lost.
_SCIENTIFIC = re.compile(r"^\d+(?:[.,]\d*)?E[+-]?\d+$")
_DECIMAL_TAIL = re.compile(r"^(\d+)\.0+$")


class IdNumberError(ValueError):
    """A resident ID that cannot be accepted. ``message`` is Chinese and names the rule; ``code`` is stable."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class ResidentId:
    """A valid 18-character resident ID and what it says about its holder."""

    number: str = field(repr=False)  # never in a repr: tracebacks and logs print reprs
    birth_date: datetime.date
    sex: str  # "1" male, "2" female (GB/T 2261.1 codes, the same as people.choices.Sex)
    area_code: str
    converted_from_15: bool = False

    def __repr__(self) -> str:
        masked = self.number[:6] + "*" * 8 + self.number[-4:]
        return (
            f"ResidentId({masked}, birth_date={self.birth_date.isoformat()}, sex={self.sex!r}, "
            f"converted_from_15={self.converted_from_15})"
        )

    def __str__(self) -> str:
        return repr(self)


def normalise_id(raw: str) -> str:
    """What was typed or exported, as the canonical characters: half-width, no spaces or dashes, upper-case X.

    Full-width digits and letters (０-９, ｘ, Ｘ) become half-width (NFKC), every kind of space and
    dash (and zero-width characters) is removed, a leading apostrophe (Excel's "store as text"
    marker in exported CSV) is dropped, and ``x`` becomes ``X``. Nothing is validated here.
    """
    text = unicodedata.normalize("NFKC", raw or "")
    text = _SEPARATORS.sub("", text)
    text = text.strip("'\u2018\u2019\"")
    return text.upper()


def check_character(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits ("0"-"9" or "X")."""
    return ric.calc_check_digit(first17 + "0")


def convert_15_to_18(number15: str) -> str:
    """Old 15-digit number → 18 characters: "19" after the area code, then the check character."""
    if len(number15) != 15 or not number15.isdigit():
        raise IdNumberError(_("旧版身份证号码应为 15 位数字。"), code="format")
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + check_character(first17)


def _refuse_excel_float(number: str) -> None:
    if "E+" in number or _SCIENTIFIC.match(number):
        raise IdNumberError(_("数字已被 Excel 转换为科学计数法，位数已丢失，无法还原"), code="excel_float")
    tail = _DECIMAL_TAIL.match(number)
    # A double holds integers exactly only up to 2^53 (16 digits); 18-digit numbers lose their last ones.
    if tail and len(tail.group(1)) > 15:
        raise IdNumberError(
            _("号码带有小数部分，说明它曾被 Excel 当作数字保存，末几位已丢失，无法还原；请从原始证件重新录入。"),
            code="excel_float",
        )


def parse_resident_id(raw: str, *, today: datetime.date | None = None) -> ResidentId:
    """Normalise and validate a resident ID; convert a 15-digit one to 18. Raises ``IdNumberError``.

    Rules, in the order they are checked: not empty; not an Excel float; 15 or 18 characters;
    digits only (the 18th may be X); the birth date is a real date, not before 1900 and not after
    ``today``; the check character matches.
    """
    number = normalise_id(raw)
    if not number:
        raise IdNumberError(_("身份证号码不能为空。"), code="empty")
    _refuse_excel_float(number)
    tail = _DECIMAL_TAIL.match(number)
    if tail:  # a 15-digit number that went through a float is still exact: only the ".0" is noise
        number = tail.group(1)

    converted = False
    if len(number) == 15:
        if not number.isdigit():
            raise IdNumberError(_("旧版 15 位身份证号码只能由数字组成。"), code="format")
        _birth_date(number[:6] + "19" + number[6:12], today=today)  # date first: the clearer message
        number = convert_15_to_18(number)
        converted = True
    elif len(number) == 18:
        if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
            raise IdNumberError(
                _("身份证号码的前 17 位必须是数字，最后一位是数字或 X。"),
                code="format",
            )
    else:
        raise IdNumberError(
            _("身份证号码应为 18 位（或旧版 15 位），实际为 %(length)d 位。") % {"length": len(number)},
            code="length",
        )

    birth_date = _birth_date(number[:14], today=today)
    if number[17] != check_character(number[:17]):
        if number.endswith("000"):
            # Excel keeps 15 significant digits and pads with zeros: 330106198001011234 → 330106198001011000.
            raise IdNumberError(
                _("校验码不符，且末三位为 000：号码很可能被 Excel 截断为 15 位有效数字，位数已丢失，无法还原。"),
                code="excel_float",
            )
        raise IdNumberError(
            _("身份证号码校验码（第 18 位）不符：号码中有数字录错，请对照证件逐位核对。"),
            code="checksum",
        )
    return ResidentId(
        number=number,
        birth_date=birth_date,
        sex="1" if int(number[16]) % 2 == 1 else "2",
        area_code=number[:6],
        converted_from_15=converted,
    )


def is_valid_resident_id(raw: str) -> bool:
    try:
        parse_resident_id(raw)
    except IdNumberError:
        return False
    return True


def _birth_date(first14: str, *, today: datetime.date | None) -> datetime.date:
    """The birth date in characters 7-14 (YYYYMMDD), checked to be real and plausible."""
    try:
        born = ric.get_birth_date(first14 + "0000")
    except (StdnumValidationError, ValueError) as exc:
        raise IdNumberError(
            _("身份证号码第 7-14 位的出生日期不是真实存在的日期（如 2 月 30 日或 13 月）。"),
            code="birth_date",
        ) from exc
    if born.year < EARLIEST_BIRTH_YEAR:
        raise IdNumberError(_("身份证号码中的出生日期早于 1900 年，不可能是在世居民的号码。"), code="birth_date")
    if born > (today or timezone.localdate()):
        raise IdNumberError(_("身份证号码中的出生日期晚于今天。"), code="birth_date")
    return born
