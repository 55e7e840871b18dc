"""Phones as libphonenumber validates them: extensions, HK/Macau/Taiwan without "+", several in a
cell, and the mainland mobile fast path agreeing with ``phonenumbers`` on all it accepts."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from highseas.customers.contacts import (
    NO_AREA_CODE,
    NOT_VALID_PHONE,
    ContactRefused,
    chinese_landline,
    chinese_mobile,
    normalise_credit_code,
    normalise_email,
    parse_phone,
    read_phone,
    split_phones,
)


@pytest.mark.parametrize(
    ("typed", "e164", "extension"),
    [
        ("0731-88881234-8001", "+8673188881234", "8001"),
        ("0532-86661234转8001", "+8653286661234", "8001"),
        ("0731-88881234 ext. 8001", "+8673188881234", "8001"),
        ("010-62345678分机8001", "+861062345678", "8001"),
        ("021-6234 5678 #12", "+862162345678", "12"),
    ],
)
def test_an_extension_is_kept_for_display_and_left_out_of_the_key(
    typed: str, e164: str, extension: str
) -> None:
    phone = read_phone(typed)
    assert (phone.e164, phone.extension, phone.text) == (e164, extension, typed)


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("852-61234567", "+85261234567"),
        ("00852 6123 4567", "+85261234567"),
        ("853 6612 3456", "+85366123456"),
        ("886-912-345-678", "+886912345678"),
        ("+886 2 2123 4567", "+886221234567"),
    ],
)
def test_hong_kong_macau_and_taiwan_numbers_without_plus_are_theirs_not_mainland(
    typed: str, e164: str
) -> None:
    assert read_phone(typed).e164 == e164


@pytest.mark.parametrize("typed", ["1380013800", "138001380001", "95588", "12800138000", "14012345678"])
def test_numbers_libphonenumber_calls_invalid_are_refused(typed: str) -> None:
    with pytest.raises(ContactRefused) as refused:
        read_phone(typed)
    assert (refused.value.field, refused.value.reason) == ("phone", NOT_VALID_PHONE)


@pytest.mark.parametrize("typed", ["62345678", "6234 5678", "8234567"])
def test_a_local_number_without_area_code_is_refused_as_such(typed: str) -> None:
    with pytest.raises(ContactRefused) as refused:
        read_phone(typed)
    assert refused.value.reason == NO_AREA_CODE


@pytest.mark.parametrize(
    ("cell", "numbers"),
    [
        ("13883001234/023-63001234", ["13883001234", "023-63001234"]),
        ("13883001234；023-63001234", ["13883001234", "023-63001234"]),
        ("13883001234，023-63001234、13900139000", ["13883001234", "023-63001234", "13900139000"]),
        ("13883001234\n023-63001234", ["13883001234", "023-63001234"]),
        ("138 0013 8000", ["138 0013 8000"]),
    ],
)
def test_several_numbers_in_one_cell_are_each_read(cell: str, numbers: list[str]) -> None:
    assert split_phones(cell) == numbers


EXAMPLE_TYPES = [
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.MOBILE,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.UAN,
    PhoneNumberType.VOIP,
    PhoneNumberType.PAGER,
]
# libphonenumber's own test vectors: the example numbers of its metadata (PhoneNumberMetadata.xml, as
# phonenumbers ships it), which its ExampleNumbersTest proves valid, and the invalid example of each
# region, for the regions a Chinese lead file holds.
EXAMPLES = [
    (region, number)
    for region in ("CN", "HK", "MO", "TW")
    for kind in EXAMPLE_TYPES
    if (number := phonenumbers.example_number_for_type(region, kind)) is not None
]


@pytest.mark.parametrize(("region", "number"), EXAMPLES, ids=str)
def test_libphonenumbers_example_numbers_read_to_their_e164(
    region: str, number: phonenumbers.PhoneNumber
) -> None:
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    international = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    assert read_phone(international).e164 == e164
    assert read_phone("00" + e164[1:]).e164 == e164
    if region == "CN":
        assert read_phone(phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)).e164 == e164
    else:
        assert read_phone(e164[1:]).e164 == e164  # "852 …" written without its "+"


@pytest.mark.parametrize("region", ["CN", "HK", "MO", "TW"])
def test_libphonenumbers_invalid_example_numbers_are_refused(region: str) -> None:
    invalid = phonenumbers.invalid_example_number(region)
    assert invalid is not None
    with pytest.raises(ContactRefused):
        read_phone(phonenumbers.format_number(invalid, PhoneNumberFormat.E164))


mobiles = st.builds(
    lambda prefix, head, rest, sep: prefix + head + sep + rest[:4] + sep + rest[4:],
    st.sampled_from(["", "+86", "0086", "+86 ", "0086-", "86", "+852", "00"]),
    st.text(alphabet="0123456789", min_size=3, max_size=3).map(lambda d: "1" + d[1:]),
    st.text(alphabet="0123456789", min_size=8, max_size=8),
    st.sampled_from(["", " ", "-"]),
)


@settings(max_examples=2_000)
@given(mobiles | st.text(alphabet="0123456789+- ", max_size=20))
def test_the_fast_path_agrees_with_phonenumbers_on_every_number_it_accepts(typed: str) -> None:
    fast = chinese_mobile(typed)
    if fast is None:
        return
    assert parse_phone(typed) == fast
    assert phonenumbers.is_valid_number(phonenumbers.parse(fast))


@pytest.mark.parametrize(
    "typed",
    [
        "91 110000 600037341L",
        "9111-0000-6000-3734-1L",
        "９１１１００００６０００３７３４１Ｌ",
        "91110000600037341l",
    ],
)
def test_a_credit_code_with_spaces_hyphens_or_full_width_characters_is_one_code(typed: str) -> None:
    assert normalise_credit_code(typed) == "91110000600037341L"


def test_a_full_width_email_is_folded() -> None:
    assert normalise_email("ｗａｎｇ＠ｙｕｎｆａｎ．ｃｎ") == "wang@yunfan.cn"


landlines = st.builds(
    lambda area, open_, close, sep, number: f"{open_}0{area}{close}{sep}{number}",
    st.text(alphabet="0123456789", min_size=2, max_size=3),
    st.sampled_from(["", "("]),
    st.sampled_from(["", ")"]),
    st.sampled_from(["", " ", "-"]),
    st.text(alphabet="0123456789 -", min_size=5, max_size=10),
)


@settings(max_examples=2_000)
@given(landlines | st.text(alphabet="0123456789()- ", max_size=16))
def test_the_landline_fast_path_agrees_with_phonenumbers_on_every_number_it_accepts(typed: str) -> None:
    fast = chinese_landline(typed)
    if fast is None:
        return
    assert parse_phone(typed) == fast
    assert phonenumbers.is_valid_number(phonenumbers.parse(fast))


@pytest.mark.parametrize("typed", ["0731-88881234", "(010) 8243 3070", "021 6234 5678", "0571-8888 6666"])
def test_landlines_with_their_area_code_take_the_fast_path(typed: str) -> None:
    fast = chinese_landline(typed)
    assert fast is not None and fast == parse_phone(typed)


@pytest.mark.parametrize("typed", ["0755-2345678", "0871-6512345", "0731-8888123"])
def test_a_landline_one_digit_short_is_refused(typed: str) -> None:
    assert chinese_landline(typed) is None
    with pytest.raises(ContactRefused):
        read_phone(typed)
