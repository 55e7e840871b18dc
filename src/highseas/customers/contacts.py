"""Normalising contact details so one real contact compares equal however it was typed.

These are the dedup keys of a customer: creating one and importing a file both compute them here,
so the two can never disagree about what counts as the same customer.
"""

from __future__ import annotations

import re

import phonenumbers

from highseas import errors

DEFAULT_REGION = "CN"
_CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Characters people put between the digits of a mobile number: "138-0013-8000", "138 0013 8000".
_MOBILE_SEPARATORS = str.maketrans("", "", " -")
_MOBILE_SECOND_DIGITS = frozenset("3456789")

# GB 32100-2015: the code's alphabet (no I, O, S, V, Z) and the weights of its first 17 characters.
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_VALUE = {char: value for value, char in enumerate(_CREDIT_ALPHABET)}
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


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
    if (
        len(digits) == 11
        and digits[0] == "1"
        and digits[1] in _MOBILE_SECOND_DIGITS
        and digits.isascii()
        and digits.isdigit()
    ):
        return "+86" + digits
    return None


def parse_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """E.164 through ``phonenumbers``: landlines, foreign numbers and every other spelling."""
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise errors.InvalidInput("phone", f"{raw!r} is not a phone number") from exc
    if not phonenumbers.is_possible_number(number):
        raise errors.InvalidInput("phone", f"{raw!r} is not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """E.164: ``138 0013 8000``, ``+86 13800138000`` and ``0086-138-0013-8000`` are one number."""
    if region == DEFAULT_REGION:
        fast = chinese_mobile(raw.strip())
        if fast is not None:
            return fast
    return parse_phone(raw, region)


def normalise_email(raw: str) -> str:
    text = raw.strip()
    if not _EMAIL.match(text):
        raise errors.InvalidInput("email", f"{raw!r} is not an email address")
    return text.lower()


def credit_code_check_char(first17: str) -> str:
    """The check character (the 18th) of a unified social credit code."""
    total = sum(_CREDIT_VALUE[char] * weight for char, weight in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_ALPHABET[(31 - total % 31) % 31]


def normalise_credit_code(raw: str) -> str:
    """The 18-character unified social credit code (统一社会信用代码), its checksum verified."""
    text = raw.strip().upper()
    if not _CREDIT_CODE.match(text):
        raise errors.InvalidInput("credit_code", f"{raw!r} is not an 18-character unified social credit code")
    if credit_code_check_char(text[:17]) != text[17]:
        raise errors.InvalidInput("credit_code", f"{raw!r} fails the checksum; look for a typo")
    return text
