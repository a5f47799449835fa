"""The one phone rule (linli.core.phones): separators dropped, full-width read as ASCII, 7–20 digits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linli.core.actions import ActionError
from linli.core.phones import normalise_phone, validate_phone


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("028-8888-6666", "02888886666"),
        ("(028) 88886666", "02888886666"),
        ("（028）88886666", "02888886666"),
        ("１３８００１３８０００", "13800138000"),
        ("+86 138 0013 8000", "+8613800138000"),
        ("8888666", "8888666"),
        ("", ""),
        ("  ", ""),
    ],
)
def test_a_phone_is_stored_without_separators(typed: str, stored: str) -> None:
    assert validate_phone(typed) == stored


@pytest.mark.parametrize("typed", ["110", "123456", "call me", "138-0013-800a", "++8613800138000", "1" * 21, "86+138"])
def test_a_phone_that_breaks_the_rule_is_refused_at_its_field(typed: str) -> None:
    with pytest.raises(ActionError) as refused:
        validate_phone(typed, field="contact_phone")
    assert refused.value.field == "contact_phone"
    assert "联系电话只能包含数字" in refused.value.message


def test_the_refusal_names_whose_phone_it_is() -> None:
    with pytest.raises(ActionError) as refused:
        validate_phone("call me", field="parties", who="当事人“甲”")
    assert refused.value.message.startswith("当事人“甲”的联系电话")


@given(st.text(alphabet="0123456789 -()（）", max_size=40))
def test_normalising_twice_changes_nothing_and_keeps_every_digit(typed: str) -> None:
    once = normalise_phone(typed)
    assert normalise_phone(once) == once
    assert once == "".join(ch for ch in typed if ch.isdigit())
