"""Region codes (GB/T 2260 + GB/T 10114 + grid sequence): valid codes pass, any corruption is refused."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linli.places.codes import CodeError, township_type, validate_region_code

DISTRICT = "510104"
CITY = "510100"


def suffix(kind: str) -> st.SearchStrategy[str]:
    top = 999 if kind == "grid" else 599
    return st.integers(1, top).map(lambda n: f"{n:03d}")


@st.composite
def valid_chain(draw: st.DrawFn) -> tuple[str, str, str, str]:
    """(district, subdistrict, community, grid) codes forming one valid chain."""
    district = CITY[:4] + f"{draw(st.integers(1, 99)):02d}"
    sub = district + draw(suffix("subdistrict"))
    community = sub + draw(suffix("community"))
    grid = community + draw(suffix("grid"))
    return district, sub, community, grid


LEVELS = [("district", "city"), ("subdistrict", "district"), ("community", "subdistrict"), ("grid", "community")]


@settings(max_examples=40)
@given(chain=valid_chain())
def test_every_valid_chain_of_codes_is_accepted(chain: tuple[str, str, str, str]) -> None:
    parents = [CITY, *chain[:-1]]
    for (kind, parent_kind), code, parent in zip(LEVELS, chain, parents, strict=True):
        assert validate_region_code(code, kind, parent, parent_kind) == code


@settings(max_examples=40)
@given(chain=valid_chain(), level=st.integers(1, 3), data=st.data())
def test_any_corruption_of_a_code_is_refused(chain: tuple[str, str, str, str], level: int, data: st.DataObject) -> None:
    kind, parent_kind = LEVELS[level]
    parent, code = chain[level - 1], chain[level]
    corruption = data.draw(st.sampled_from(["shorter", "longer", "non_digit", "wrong_prefix", "zero_suffix"]))
    if corruption == "shorter":
        bad = code[: data.draw(st.integers(0, len(code) - 1))]
    elif corruption == "longer":
        bad = code + data.draw(st.text(alphabet="0123456789", min_size=1, max_size=4))
    elif corruption == "non_digit":
        i = data.draw(st.integers(0, len(code) - 1))
        ch = data.draw(st.characters(blacklist_categories=["Nd"], blacklist_characters="\x00"))
        bad = code[:i] + ch + code[i + 1 :]
    elif corruption == "wrong_prefix":
        i = data.draw(st.integers(0, len(parent) - 1))
        digit = data.draw(st.sampled_from([d for d in "0123456789" if d != parent[i]]))
        bad = code[:i] + digit + code[i + 1 :]
    else:
        bad = parent + "000"
    if bad.strip() == code:  # stripping a whitespace "corruption" at either end restores the code
        return
    with pytest.raises(CodeError):
        validate_region_code(bad, kind, parent, parent_kind)


@pytest.mark.parametrize("digit", "０１２")
def test_full_width_digits_are_refused(digit: str) -> None:
    with pytest.raises(CodeError, match="只能由数字组成"):
        validate_region_code(f"510104001{digit}01", "community", "510104001", "subdistrict")


def test_city_and_district_rules() -> None:
    assert validate_region_code("510100", "city", None, None) == "510100"
    assert validate_region_code("510104", "district", None, None) == "510104"
    with pytest.raises(CodeError, match="市级代码"):
        validate_region_code("510104", "city", None, None)
    with pytest.raises(CodeError, match="前 4 位"):
        validate_region_code("520104", "district", "510100", "city")
    with pytest.raises(CodeError, match="必须有上级"):
        validate_region_code("510104001", "subdistrict", None, None)
    with pytest.raises(CodeError, match="001-599"):
        validate_region_code("510104600", "subdistrict", "510104", "district")


def test_township_type_follows_gb_t_10114() -> None:
    assert [township_type(c) for c in ("510104001", "510104100", "510104200", "510104400")] == [
        "街道",
        "镇",
        "乡",
        "其他",
    ]
