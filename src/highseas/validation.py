"""Input checks shared by every edge (API, web pages, files): ids and counts must fit the
database's INTEGER columns, text may not hold NUL characters (PostgreSQL cannot store them),
dates, amounts, tags and custom fields stay within sane limits. Out-of-range input is a
``validation_error`` naming the field, never a database failure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)

from highseas import errors

MAX_INT = 2**31 - 1
MAX_DAYS = 36_500
"""Day counts in filters (days in pool, due within): a hundred years is past any real question,
and the instant it names still fits a date."""
FIRST_YEAR, LAST_YEAR = 2000, 2100
"""Follow-ups and deals happen in these years (inclusive); anything else is a typing mistake."""
MAX_AMOUNT = Decimal("1000000000.00")
"""The largest deal amount, in the company's currency (at most two decimals)."""
MAX_TAGS, MAX_TAG_LENGTH = 50, 50
MAX_CUSTOM_FIELDS, MAX_CUSTOM_KEY_LENGTH, MAX_CUSTOM_VALUE_LENGTH = 50, 100, 2000
"""A customer's custom fields: flat values (text, numbers, yes/no), each short enough for a list
page of 200 customers to stay small."""
MAX_JSON_BODY = 1 << 20
"""Bytes in a JSON request body: a customer with every limit above filled is far smaller."""
NUL = "\x00"

T = TypeVar("T")

Id = Annotated[int, Field(ge=1, le=MAX_INT)]
Count = Annotated[int, Field(ge=0, le=MAX_INT)]
Days = Annotated[int, Field(ge=0, le=MAX_DAYS)]


def in_business_years(value: datetime, field: str = "at") -> datetime:
    """``value`` if it lies in :data:`FIRST_YEAR`..:data:`LAST_YEAR` (in UTC and locally, so
    that converting it to any time zone stays a valid date)."""
    if value.tzinfo is None:
        raise errors.InvalidInput(field, "needs a time zone offset")
    if not FIRST_YEAR <= value.year <= LAST_YEAR or not (
        datetime(FIRST_YEAR, 1, 1, tzinfo=UTC) <= value < datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC)
    ):
        raise errors.InvalidInput(field, f"must be between {FIRST_YEAR} and {LAST_YEAR}")
    return value


def _business_time(value: datetime) -> datetime:
    try:
        return in_business_years(value)
    except errors.InvalidInput:
        raise ValueError(f"must be between {FIRST_YEAR} and {LAST_YEAR}") from None


BusinessTime = Annotated[AwareDatetime, AfterValidator(_business_time)]
Amount = Annotated[Decimal, Field(gt=0, le=MAX_AMOUNT, max_digits=14, decimal_places=2, allow_inf_nan=False)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TAG_LENGTH)]
Tags = Annotated[list[Tag], Field(max_length=MAX_TAGS)]


def _flat(value: object) -> object:
    if isinstance(value, dict | list):
        raise ValueError("must be text, a number or true/false, not a list or an object")
    return value


CustomValue = Annotated[
    Annotated[str, StringConstraints(max_length=MAX_CUSTOM_VALUE_LENGTH)]
    | Annotated[int, Field(ge=-(2**53), le=2**53)]
    | Annotated[float, Field(allow_inf_nan=False)]
    | bool
    | None,
    BeforeValidator(_flat),
]
CustomFields = Annotated[
    dict[Annotated[str, StringConstraints(min_length=1, max_length=MAX_CUSTOM_KEY_LENGTH)], CustomValue],
    Field(max_length=MAX_CUSTOM_FIELDS),
]

_AMOUNT: TypeAdapter[Decimal] = TypeAdapter(Amount)


def parse_amount(text: str) -> Decimal:
    """A deal amount typed in a form ("12,800.00"), checked as the API checks :data:`Amount`."""
    return parse(_AMOUNT, "amount", text.strip().replace(",", ""))


def parse(adapter: TypeAdapter[T], field: str, value: object) -> T:
    """``value`` validated by ``adapter``; a refusal names ``field`` and says what is wrong."""
    try:
        return adapter.validate_python(value)
    except ValidationError as exc:
        raise errors.InvalidInput(field, exc.errors()[0]["msg"].lower()) from None


def reject_nulls(changes: Mapping[str, object], fields: Iterable[str]) -> None:
    """A partial update may leave these fields out, but may not set them to null."""
    for field in fields:
        if field in changes and changes[field] is None:
            raise errors.InvalidInput(field, "must not be null")


def nul_field(items: Iterable[tuple[str, Any]]) -> str | None:
    """The name of the first text value holding a NUL character (or a name that holds one)."""
    for name, value in items:
        if NUL in name or (isinstance(value, str) and NUL in value):
            return name.replace(NUL, "\\0")
    return None


def nul_path(value: object, path: str = "") -> str | None:
    """Where in a decoded JSON document a string (or a key) holds a NUL character."""
    if isinstance(value, str):
        return (path or "body") if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}".lstrip(".").replace(NUL, "\\0")
            if NUL in key:
                return inner
            found = nul_path(item, inner)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = nul_path(item, f"{path}.{index}".lstrip("."))
            if found:
                return found
    return None


def refuse_nul(field: str | None) -> None:
    if field is not None:
        raise errors.InvalidInput(field, "must not contain NUL characters")
