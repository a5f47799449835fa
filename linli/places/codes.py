"""Region codes: the 12-digit statistical area code (GB/T 2260 + GB/T 10114) and grid extensions.

city 6 digits ending in 00 (510100) → district 6 (510124, same first 4) → subdistrict 9
(+3: 001-099 street 街道, 100-199 town 镇, 200-399 township 乡, 400-599 other) → community 12
(+3: 001-199 residents' committee 居委会, 200-399 villagers' committee 村委会, 400-599 other)
→ grid 15 (+3 sequence, 001-999).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from linli.places.choices import RegionKind

CODE_LENGTH: dict[str, int] = {
    RegionKind.CITY: 6,
    RegionKind.DISTRICT: 6,
    RegionKind.SUBDISTRICT: 9,
    RegionKind.COMMUNITY: 12,
    RegionKind.GRID: 15,
}


class CodeError(ValueError):
    pass


def validate_region_code(code: str, kind: str, parent_code: str | None, parent_kind: str | None) -> str:
    """Return the normalised code or raise CodeError with a Chinese message saying what is wrong."""
    code = (code or "").strip()
    label = RegionKind(kind).label
    if not code.isascii() or not code.isdigit():
        raise CodeError(_("区域代码“%(code)s”只能由数字组成。") % {"code": code})
    expected = CODE_LENGTH[kind]
    if len(code) != expected:
        raise CodeError(
            _("%(kind)s代码应为 %(n)d 位数字，“%(code)s”是 %(m)d 位。")
            % {"kind": label, "n": expected, "code": code, "m": len(code)}
        )
    if kind == RegionKind.CITY:
        if not code.endswith("00") or code[2:4] == "00":
            raise CodeError(
                _("市级代码应形如 510100（第 3-4 位不为 00，末两位为 00），“%(code)s”不符合。") % {"code": code}
            )
        return code
    if parent_code is None:
        if kind != RegionKind.DISTRICT:
            raise CodeError(_("%(kind)s必须有上级区域。") % {"kind": label})
        if code.endswith("00"):
            raise CodeError(_("区县代码末两位不能为 00（那是市级代码）：“%(code)s”。") % {"code": code})
        return code
    if kind == RegionKind.DISTRICT:
        if code[:4] != parent_code[:4] or code.endswith("00"):
            raise CodeError(
                _("区县代码“%(code)s”应以上级市代码的前 4 位“%(p)s”开头，且末两位不为 00。")
                % {"code": code, "p": parent_code[:4]}
            )
        return code
    if not code.startswith(parent_code):
        raise CodeError(
            _("%(kind)s代码“%(code)s”必须以上级区域代码“%(p)s”开头。") % {"kind": label, "code": code, "p": parent_code}
        )
    suffix = int(code[len(parent_code) :])
    if suffix == 0:
        raise CodeError(_("%(kind)s代码“%(code)s”的末 3 位不能是 000。") % {"kind": label, "code": code})
    if kind in (RegionKind.SUBDISTRICT, RegionKind.COMMUNITY) and suffix > 599:
        raise CodeError(
            _("%(kind)s代码“%(code)s”的末 3 位应在 001-599 之间（GB/T 10114）。") % {"kind": label, "code": code}
        )
    return code


def township_type(code: str) -> str:
    """街道 / 镇 / 乡 from a 9-digit subdistrict code (GB/T 10114)."""
    n = int(code[6:9])
    if n < 100:
        return _("街道")
    if n < 200:
        return _("镇")
    if n < 400:
        return _("乡")
    return _("其他")
