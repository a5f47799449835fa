"""Resident ID numbers: normalisation, validation, 15 → 18 conversion, Excel floats (GB 11643)."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from linli.core.idnumbers import (
    IdNumberError,
    ResidentId,
    check_character,
    convert_15_to_18,
    is_valid_resident_id,
    normalise_id,
    parse_resident_id,
)

VALID = "11010519491231002X"  # the GB 11643 example: 北京朝阳, 1949-12-31, female, check X
TODAY = datetime.date(2026, 1, 1)

areas = st.integers(min_value=0, max_value=999_999).map(lambda n: f"{n:06d}")
sequences = st.integers(min_value=0, max_value=999).map(lambda n: f"{n:03d}")
birth_dates = st.dates(min_value=datetime.date(1900, 1, 1), max_value=TODAY)
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    first17 = draw(areas) + draw(birth_dates).strftime("%Y%m%d") + draw(sequences)
    return first17 + check_character(first17)


@st.composite
def mangled(draw: st.DrawFn, number: str) -> str:
    """The same number as people type it: full-width digits, spaces/dashes anywhere, lower-case x."""
    out = []
    for ch in number:
        if draw(st.booleans()):
            ch = ch.translate(FULL_WIDTH)
        if ch in "XＸ" and draw(st.booleans()):
            ch = ch.lower()
        out.append(ch)
        out.append(draw(st.sampled_from(["", "", " ", "\u3000", "-", "\t"])))
    return draw(st.sampled_from(["", " "])) + "".join(out)


# --- examples ---------------------------------------------------------------------------------------


def test_a_valid_number_parses_with_birth_date_sex_and_area() -> None:
    parsed = parse_resident_id(VALID, today=TODAY)
    assert parsed.number == VALID
    assert parsed.birth_date == datetime.date(1949, 12, 31)
    assert parsed.sex == "2"
    assert parsed.area_code == "110105"
    assert parsed.converted_from_15 is False


def test_the_seventeenth_digit_gives_the_sex() -> None:
    first17 = "51010419800101001"  # sequence 001: odd, male
    assert parse_resident_id(first17 + check_character(first17), today=TODAY).sex == "1"


def test_normalise_makes_full_width_spaced_lower_case_canonical() -> None:
    assert normalise_id(" １１０１０５ 1949-1231 002ｘ ") == VALID
    assert normalise_id("'11010519491231002x") == VALID  # Excel's text marker in an exported CSV
    assert normalise_id("110105\u200b19491231002X") == VALID


def test_a_wrong_check_character_is_refused_by_name() -> None:
    with pytest.raises(IdNumberError) as err:
        parse_resident_id("110105194912310021", today=TODAY)
    assert err.value.code == "checksum"
    assert "校验码" in err.value.message


@pytest.mark.parametrize("birth", ["19800230", "19801301", "19800000", "20230229"])
def test_an_impossible_birth_date_is_refused(birth: str) -> None:
    first17 = "510104" + birth + "001"
    with pytest.raises(IdNumberError) as err:
        parse_resident_id(first17 + check_character(first17), today=TODAY)
    assert err.value.code == "birth_date"
    assert "出生日期" in err.value.message


@pytest.mark.parametrize("birth", ["18991231", "20260102"])
def test_a_birth_date_before_1900_or_after_today_is_refused(birth: str) -> None:
    first17 = "510104" + birth + "001"
    with pytest.raises(IdNumberError) as err:
        parse_resident_id(first17 + check_character(first17), today=TODAY)
    assert err.value.code == "birth_date"


@pytest.mark.parametrize("raw", ["", "   ", "1101051949", "1101051949123100201", "11010519491231002X1"])
def test_a_wrong_length_is_refused(raw: str) -> None:
    with pytest.raises(IdNumberError) as err:
        parse_resident_id(raw, today=TODAY)
    assert err.value.code in {"empty", "length"}


@pytest.mark.parametrize("raw", ["11010519491231X02X", "1101051949123100X2", "A1010519491231002X", "11010549123100X"])
def test_letters_where_digits_belong_are_refused(raw: str) -> None:
    with pytest.raises(IdNumberError) as err:
        parse_resident_id(raw, today=TODAY)
    assert err.value.code == "format"


@pytest.mark.parametrize(
    "raw",
    [
        "3.30106198001011e+17",
        "3.30106198001011E+17",
        "3,30106198001011E+17",
        "3.3E17",
        "330106198001011008.0",  # what str(float) of a pandas column gives back
        "330106198001011000",  # Excel's 15 significant digits, zero-padded (check fails)
    ],
)
def test_excel_floats_are_refused_never_guessed(raw: str) -> None:
    with pytest.raises(IdNumberError) as err:
        parse_resident_id(raw, today=TODAY)
    assert err.value.code == "excel_float"
    assert "Excel" in err.value.message


def test_the_scientific_notation_message_is_the_agreed_one() -> None:
    with pytest.raises(IdNumberError) as err:
        parse_resident_id("3.30106198001011e+17", today=TODAY)
    assert err.value.message == "数字已被 Excel 转换为科学计数法，位数已丢失，无法还原"


def test_a_15_digit_number_with_a_float_tail_is_still_exact_and_accepted() -> None:
    # Doubles hold 15-digit integers exactly; only the ".0" is noise.
    parsed = parse_resident_id("110105491231002.0", today=TODAY)
    assert parsed.converted_from_15
    assert parsed.birth_date == datetime.date(1949, 12, 31)


def test_15_digit_numbers_convert_to_18() -> None:
    assert convert_15_to_18("110105491231002") == VALID
    parsed = parse_resident_id("110105491231002", today=TODAY)
    assert parsed.number == VALID
    assert parsed.converted_from_15 is True
    assert parsed.sex == "2"


def test_a_15_digit_number_with_an_impossible_date_is_refused() -> None:
    with pytest.raises(IdNumberError) as err:
        parse_resident_id("110105490231002", today=TODAY)
    assert err.value.code == "birth_date"


@pytest.mark.parametrize(
    "raw",
    [
        "110105194912310021",
        "110105194902310025",
        "3.30106198001011e+17",
        "11010519491231002X1",
        "11010519491231X02X",
        "110105189912310025",
    ],
)
def test_no_message_contains_the_number(raw: str) -> None:
    with pytest.raises(IdNumberError) as err:
        parse_resident_id(raw, today=TODAY)
    digits = normalise_id(raw)
    assert digits not in err.value.message
    assert digits[6:14] not in err.value.message  # not even the birth date section


def test_the_repr_of_a_parsed_id_is_masked() -> None:
    parsed = parse_resident_id(VALID, today=TODAY)
    assert VALID not in repr(parsed)
    assert VALID not in str(parsed)
    assert "110105********002X" in repr(parsed)


def test_is_valid_resident_id() -> None:
    assert is_valid_resident_id(VALID)
    assert not is_valid_resident_id("110105194912310021")


def test_stdnum_agrees_on_the_check_character() -> None:
    assert ric.calc_check_digit(VALID) == "X" == check_character(VALID[:17])


# --- properties -------------------------------------------------------------------------------------


@given(st.data())
def test_any_valid_number_round_trips_through_normalise_and_parse(data: st.DataObject) -> None:
    number = data.draw(resident_ids())
    typed = data.draw(mangled(number))
    assert normalise_id(typed) == number
    parsed = parse_resident_id(typed, today=TODAY)
    assert isinstance(parsed, ResidentId)
    assert parsed.number == number
    assert parsed.birth_date.strftime("%Y%m%d") == number[6:14]
    assert parsed.area_code == number[:6]
    assert parsed.sex == ("1" if int(number[16]) % 2 else "2")
    assert not parsed.converted_from_15


@given(resident_ids(), st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_any_single_digit_change_in_the_first_17_is_detected(number: str, position: int, shift: int) -> None:
    changed_digit = str((int(number[position]) + shift) % 10)
    changed = number[:position] + changed_digit + number[position + 1 :]
    with pytest.raises(IdNumberError):
        parse_resident_id(changed, today=TODAY)


@given(
    areas,
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(1999, 12, 31)),
    sequences,
)
def test_15_to_18_gives_a_valid_number_with_the_same_birth_date(area: str, born: datetime.date, sequence: str) -> None:
    old = area + born.strftime("%y%m%d") + sequence
    parsed = parse_resident_id(old, today=TODAY)
    assert parsed.converted_from_15
    assert parsed.birth_date == born
    assert len(parsed.number) == 18
    assert parsed.number == convert_15_to_18(old)
    assert parse_resident_id(parsed.number, today=TODAY).number == parsed.number
    assert parsed.sex == ("1" if int(sequence[-1]) % 2 else "2")
