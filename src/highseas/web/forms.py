"""Reading HTML form values: an empty field is "not given", numbers are checked and named."""

from __future__ import annotations

from highseas import errors
from highseas.validation import MAX_INT


def optional_int(value: str | None, field: str, least: int = 0) -> int | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        number = int(text)
    except ValueError:
        raise errors.InvalidInput(field, "must be a whole number") from None
    if not least <= number <= MAX_INT:
        raise errors.InvalidInput(field, f"must be at least {least}")
    return number


def required_int(value: str | None, field: str, least: int = 0) -> int:
    number = optional_int(value, field, least)
    if number is None:
        raise errors.InvalidInput(field, "is required")
    return number


def optional_text(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None
