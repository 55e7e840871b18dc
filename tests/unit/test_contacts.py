"""Contact normalisation: one real phone or email compares equal however it was typed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from highseas import errors
from highseas.customers.contacts import (
    chinese_mobile,
    normalise_credit_code,
    normalise_email,
    normalise_phone,
    parse_phone,
)


@pytest.mark.parametrize("typed", ["138 0013 8000", "+86 13800138000", "0086-138-0013-8000", "13800138000"])
def test_chinese_mobile_numbers_in_every_spelling_are_one_number(typed: str) -> None:
    assert normalise_phone(typed) == "+8613800138000"


def test_landline_with_area_code() -> None:
    assert normalise_phone("021-6234 5678") == "+862162345678"


@pytest.mark.parametrize("bad", ["hello", "12", ""])
def test_garbage_phone_is_a_validation_error_naming_the_field(bad: str) -> None:
    with pytest.raises(errors.InvalidInput) as refused:
        normalise_phone(bad)
    assert refused.value.field == "phone"


def test_emails_compare_case_insensitively() -> None:
    assert normalise_email(" Wang.Wei@Example.COM ") == "wang.wei@example.com"


def test_bad_email_names_the_field() -> None:
    with pytest.raises(errors.InvalidInput) as refused:
        normalise_email("wang.wei")
    assert refused.value.field == "email"


def test_credit_code_is_checked_for_shape() -> None:
    assert normalise_credit_code("91310000mA1FL0B119") == "91310000MA1FL0B119"
    with pytest.raises(errors.InvalidInput):
        normalise_credit_code("123")


@pytest.mark.parametrize(
    "typed",
    ["+86 138-0013-8000", "0086 13800138000", "138-0013-8000", "+8613800138000", "1 3 8 0 0 1 3 8 0 0 0"],
)
def test_the_mobile_fast_path_reads_plain_mainland_mobiles(typed: str) -> None:
    assert chinese_mobile(typed) == "+8613800138000"


@pytest.mark.parametrize(
    "typed", ["(010) 8243 3070", "+1 650 253 0000", "852 6123 4567", "１３８００１３８０００"]
)
def test_everything_else_goes_to_phonenumbers(typed: str) -> None:
    assert chinese_mobile(typed) is None
    assert normalise_phone(typed) == parse_phone(typed)


def test_beijing_landline_in_brackets() -> None:
    assert normalise_phone("(010) 8243 3070") == "+861082433070"


@given(
    st.text(alphabet="0123456789+-() ", max_size=20)
    | st.builds(
        lambda prefix, second, rest, sep: prefix + "1" + second + sep.join([rest[:4], rest[4:]]),
        st.sampled_from(["", "+86", "0086", "+86 ", "0086-", "86"]),
        st.sampled_from("0123456789"),
        st.text(alphabet="0123456789", min_size=9, max_size=9),
        st.sampled_from(["", " ", "-"]),
    )
)
def test_fast_path_and_phonenumbers_agree_on_every_number_both_accept(typed: str) -> None:
    fast = chinese_mobile(typed)
    if fast is None:
        return
    assert parse_phone(typed) == fast


VALID_CODES = ["91310000MA1FL0B119", "91330100MA2CXXXX0C", "91110108MA01234567"[:17] + "G"]


@pytest.mark.parametrize("code", VALID_CODES)
def test_credit_codes_with_a_right_check_character_pass(code: str) -> None:
    assert normalise_credit_code(code.lower()) == code


def test_a_credit_code_with_one_character_mistyped_fails_its_checksum() -> None:
    with pytest.raises(errors.InvalidInput, match="checksum") as refused:
        normalise_credit_code("91310000MA1FL0B118")
    assert refused.value.field == "credit_code"
