"""Contact normalisation: one real phone or email compares equal however it was typed."""

from __future__ import annotations

import pytest

from highseas import errors
from highseas.customers.contacts import normalise_credit_code, normalise_email, normalise_phone


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
    assert normalise_credit_code("91310000mA1FL0B11X") == "91310000MA1FL0B11X"
    with pytest.raises(errors.InvalidInput):
        normalise_credit_code("123")
