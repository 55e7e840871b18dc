"""Normalising contact details so one real contact compares equal however it was typed.

These are the dedup keys of a customer: creating one and importing a file both compute them here,
so the two can never disagree about what counts as the same customer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import phonenumbers
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, ValidationError

from highseas import errors
from highseas.messages import N_

DEFAULT_REGION = "CN"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Characters people put between the digits of a mobile number: "138-0013-8000", "138 0013 8000".
_MOBILE_SEPARATORS = str.maketrans("", "", " -")
# libphonenumber's own pattern of mainland mobiles (from the metadata phonenumbers ships), so that
# the fast path accepts exactly the mobiles ``is_valid_number`` accepts and no 10- or 12-digit typo.
_MAINLAND = phonenumbers.PhoneMetadata.metadata_for_region(DEFAULT_REGION)
assert _MAINLAND is not None and _MAINLAND.mobile is not None and _MAINLAND.mobile.national_number_pattern
_MAINLAND_MOBILE = re.compile(_MAINLAND.mobile.national_number_pattern)
# The same for landlines with their area code ("0731-88881234", "(010) 8243 3070"): libphonenumber's
# fixed-line pattern, within its pattern of every mainland number.
assert _MAINLAND.fixed_line is not None and _MAINLAND.fixed_line.national_number_pattern
assert _MAINLAND.general_desc is not None and _MAINLAND.general_desc.national_number_pattern
_MAINLAND_LANDLINE = re.compile(_MAINLAND.fixed_line.national_number_pattern)
_MAINLAND_NUMBER = re.compile(_MAINLAND.general_desc.national_number_pattern)
_LANDLINE_SEPARATORS = str.maketrans("", "", " -()")

# Numbers people write into one cell: "13883001234/023-63001234", one per line, or listed.
_PHONE_LIST = re.compile(r"[/;；，,、\n\r]+")
# An extension as Chinese and English lists write it: "转8001", "分机 8001", "ext. 8001", "x8001".
_EXTENSION_MARK = re.compile(
    r"^(.*?\d)\s*(?:转分机|分机号?|转|ext\.?|extension|x|#)\s*[:：.]?\s*(\d{1,6})$", re.I
)
# "0731-88881234-8001": a trailing group that is an extension when the number before it is whole.
_TRAILING_GROUP = re.compile(r"^(.*\d)\s*-\s*(\d{1,6})$")
# Hong Kong, Macau and Taiwan written without "+" ("852-61234567", "886-912-345-678") are theirs,
# not mainland numbers: a mainland number never starts so, short of a local one without area code.
_NEIGHBOURS = ("852", "853", "886")
_NOT_DIGIT = re.compile(r"\D")
_LOCAL_LENGTHS = (7, 8)
"""Digits of a mainland landline without its area code ("62345678"): the same in every city."""


class ContactRefused(errors.InvalidInput):
    """A contact detail that is not one; ``reason`` is the message id (English, translated where
    it is shown) and ``params`` fill it in."""

    def __init__(self, field: str, reason: str, **params: Any) -> None:
        super().__init__(field, reason % params)
        self.reason = reason
        self.params = params


NOT_A_PHONE = N_('"%(value)s" is not a phone number')
NOT_VALID_PHONE = N_('"%(value)s" is not a valid phone number')
NO_AREA_CODE = N_('"%(value)s" has no area code')
NOT_AN_EMAIL = N_('"%(value)s" is not an email address')
NOT_A_CREDIT_CODE = N_('"%(value)s" is not an 18-character unified social credit code')
CREDIT_CODE_CHECKSUM = N_('"%(value)s" fails the credit code\'s checksum; look for a typo')


@dataclass(frozen=True)
class Phone:
    """One phone number: ``text`` as typed (with its extension, for display), ``e164`` the dedup
    key (without extension: one switchboard is one customer)."""

    text: str
    e164: str
    extension: str | None = None


def chinese_mobile(text: str) -> str | None:
    """E.164 of a well-formed mainland mobile (``+86``/``0086`` optional), else None.

    A fast path beside :func:`parse_phone`: ``phonenumbers`` parses some 65,000 numbers a second,
    too slow for imports of a million leads, most of which are mobiles typed this plainly. The two
    are tested to agree on every number this one accepts.
    """
    digits = text.translate(_MOBILE_SEPARATORS)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if len(digits) == 11 and digits.isascii() and _MAINLAND_MOBILE.fullmatch(digits):
        return "+86" + digits
    return None


def chinese_landline(text: str) -> str | None:
    """E.164 of a mainland landline written with its area code and nothing else, else None: the
    fast path's second half, for the one lead in twenty that gives an office number."""
    digits = text.translate(_LANDLINE_SEPARATORS)
    if not (digits[:1] == "0" and digits[1:2] not in ("", "0") and digits.isascii() and digits.isdigit()):
        return None
    national = digits[1:]
    if _MAINLAND_LANDLINE.fullmatch(national) and _MAINLAND_NUMBER.fullmatch(national):
        return "+86" + national
    return None


def _split_extension(text: str, region: str) -> tuple[str, str | None]:
    marked = _EXTENSION_MARK.match(text)
    if marked is not None:
        return marked.group(1), marked.group(2)
    trailing = _TRAILING_GROUP.match(text)
    if (
        trailing is not None
        and _valid(text, region) is None
        and _valid(trailing.group(1), region) is not None
    ):
        return trailing.group(1), trailing.group(2)
    return text, None


def _valid(text: str, region: str) -> str | None:
    """E.164 of ``text`` when libphonenumber calls it a valid number, else None."""
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _e164(text: str, region: str) -> str:
    e164 = _valid(text, region)
    if e164 is not None:
        return e164
    digits = _NOT_DIGIT.sub("", text)
    plain = not text.startswith(("+", "00"))
    if plain and digits.startswith(_NEIGHBOURS):
        neighbour = _valid("+" + digits, region)
        if neighbour is not None:
            return neighbour
    if not digits or not any(char.isdigit() for char in text):
        raise ContactRefused("phone", NOT_A_PHONE, value=text)
    if plain and region == DEFAULT_REGION and len(digits) in _LOCAL_LENGTHS and digits[0] not in "01":
        raise ContactRefused("phone", NO_AREA_CODE, value=text)
    raise ContactRefused("phone", NOT_VALID_PHONE, value=text)


def read_phone(raw: str, region: str = DEFAULT_REGION) -> Phone:
    """One number as typed: the fast path for plain mainland mobiles, else ``phonenumbers``, with
    an extension (``0731-88881234-8001``, ``转8001``, ``ext. 8001``) kept apart from the key."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if region == DEFAULT_REGION:
        fast = chinese_mobile(text) or chinese_landline(text)
        if fast is not None:
            return Phone(text, fast)
    number, extension = _split_extension(text, region)
    return Phone(text, _e164(number, region), extension)


def parse_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """E.164 through ``phonenumbers``: landlines, foreign numbers and every other spelling."""
    text = unicodedata.normalize("NFKC", raw).strip()
    number, _ = _split_extension(text, region)
    return _e164(number, region)


def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """E.164: ``138 0013 8000``, ``+86 13800138000`` and ``0086-138-0013-8000`` are one number."""
    return read_phone(raw, region).e164


def split_phones(cell: str) -> list[str]:
    """The numbers written in one cell: "13883001234/023-63001234", one a line, or listed."""
    return [part.strip() for part in _PHONE_LIST.split(cell) if part.strip()]


def fold_email(raw: str) -> str:
    """An address as typed, full-width characters folded ("ｗａｎｇ＠ｘｘ．ｃｎ")."""
    return unicodedata.normalize("NFKC", raw).strip()


def normalise_email(raw: str) -> str:
    text = fold_email(raw)
    if not _EMAIL.match(text):
        raise ContactRefused("email", NOT_AN_EMAIL, value=raw.strip())
    return text.lower()


def normalise_credit_code(raw: str) -> str:
    """The 18-character unified social credit code (统一社会信用代码), checked by python-stdnum:
    spaces, hyphens and full-width characters go ("91 110000 600037341L", "９１１１…")."""
    try:
        return uscc.validate(unicodedata.normalize("NFKC", raw))
    except InvalidChecksum:
        raise ContactRefused("credit_code", CREDIT_CODE_CHECKSUM, value=raw.strip()) from None
    except ValidationError:
        raise ContactRefused("credit_code", NOT_A_CREDIT_CODE, value=raw.strip()) from None
