"""Normalising contact details so one real contact compares equal however it was typed."""

from __future__ import annotations

import re

import phonenumbers

from highseas import errors

DEFAULT_REGION = "CN"
_CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """E.164: ``138 0013 8000``, ``+86 13800138000`` and ``0086-138-0013-8000`` are one number."""
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


def normalise_email(raw: str) -> str:
    text = raw.strip()
    if not _EMAIL.match(text):
        raise errors.InvalidInput("email", f"{raw!r} is not an email address")
    return text.lower()


def normalise_credit_code(raw: str) -> str:
    """The 18-character unified social credit code (统一社会信用代码), compared exactly."""
    text = raw.strip().upper()
    if not _CREDIT_CODE.match(text):
        raise errors.InvalidInput("credit_code", f"{raw!r} is not an 18-character unified social credit code")
    return text
