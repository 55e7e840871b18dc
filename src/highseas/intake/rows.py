"""Turning one row of a lead file into customer values, or into the reasons it cannot be one.

The checks and dedup keys are the ones creating a customer applies (``highseas.customers``); this
module only adds what a file needs: reading cells by column, column names in the report, and
lengths (the API checks those in its schema, a file has no schema).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String

from highseas import errors
from highseas.customers.companies import company_key, company_of
from highseas.customers.contacts import normalise_credit_code, normalise_email, normalise_phone
from highseas.customers.models import Customer
from highseas.customers.service import normalise_grade
from highseas.db import table_of
from highseas.intake.mapping import ColumnMap
from highseas.validation import (
    MAX_CUSTOM_FIELDS,
    MAX_CUSTOM_KEY_LENGTH,
    MAX_CUSTOM_VALUE_LENGTH,
    MAX_TAG_LENGTH,
    MAX_TAGS,
)

STAGED = (
    "row_no",
    "name",
    "company",
    "company_key",
    "phone",
    "phone_e164",
    "email",
    "email_key",
    "wechat",
    "credit_code",
    "grade",
    "region",
    "industry",
    "source",
    "tags",
    "custom_fields",
)
"""The staging table's columns, in the order :meth:`RowCleaner.clean` returns them."""

_TAG_SEPARATORS = re.compile(r"[,，;；、|]")
_NORMALISED: dict[str, Callable[[str], str]] = {
    "phone": normalise_phone,
    "email": normalise_email,
    "credit_code": normalise_credit_code,
}


def _max_length(column: str) -> int:
    column_type = table_of(Customer).c[column].type
    assert isinstance(column_type, String) and column_type.length is not None
    return column_type.length


_LENGTHS = {
    field: _max_length(field)
    for field in ("name", "company", "phone", "email", "wechat", "region", "industry", "source")
}


@dataclass(frozen=True)
class Problem:
    column: str
    reason: str


class RowCleaner:
    """Cleans rows of one file; ``default_source`` fills empty sources (a pool per channel)."""

    def __init__(self, columns: ColumnMap, default_source: str | None) -> None:
        self.columns = columns
        self.fields = tuple(
            (field, positions, _LENGTHS.get(field)) for field, positions in columns.fields.items()
        )
        self.default_source = default_source

    def _values(self, cells: list[str], problems: list[Problem]) -> dict[str, str]:
        """The first non-empty cell of each field; a value over its column's length is reported
        in ``problems`` (and kept, so that every check of the row still runs)."""
        values: dict[str, str] = {}
        width = len(cells)
        for field, positions, limit in self.fields:
            for position in positions:
                if position < width:
                    text = cells[position].strip()
                    if text:
                        values[field] = text
                        if limit is not None and len(text) > limit:
                            problems.append(
                                Problem(self.columns.column_of(field), f"{field}: longer than {limit}")
                            )
                        break
        return values

    def _custom_problems(self, extra: dict[str, str]) -> list[Problem]:
        """The API's limits on custom fields (:data:`~highseas.validation.CustomFields`): the file's
        other columns become one each."""
        if len(extra) > MAX_CUSTOM_FIELDS:
            return [Problem("", f"more than {MAX_CUSTOM_FIELDS} filled columns that are not customer fields")]
        return [
            Problem(label, f"{why} than {limit} characters")
            for label, value in extra.items()
            for why, length, limit in (
                ("column name longer", len(label), MAX_CUSTOM_KEY_LENGTH),
                ("longer", len(value), MAX_CUSTOM_VALUE_LENGTH),
            )
            if length > limit
        ]

    def clean(self, number: int, cells: list[str]) -> tuple[Any, ...] | list[Problem]:
        """The staging row (see :data:`STAGED`) or every problem found in the row."""
        too_long: list[Problem] = []
        values = self._values(cells, too_long)
        problems: list[Problem] = []
        keys: dict[str, str | None] = {}
        for field, normalise in _NORMALISED.items():
            raw = values.get(field)
            if raw is None:
                keys[field] = None
                continue
            try:
                keys[field] = normalise(raw)
            except errors.InvalidInput as refused:
                problems.append(Problem(self.columns.column_of(field), refused.message))
        try:
            grade = normalise_grade(values.get("grade"))
        except errors.InvalidInput as refused:
            problems.append(Problem(self.columns.column_of("grade"), refused.message))
        problems += too_long
        company = company_of(values.get("company"), values.get("name"))
        name = values.get("name") or company
        if name is None:
            problems.append(Problem(self.columns.column_of("name"), "name: a name or a company is needed"))
        tags = _tags(values.get("tags") or "")
        extra = {label: cells[p].strip() for p, label in self.columns.extra if p < len(cells) and cells[p]}
        problems += _tag_problems(tags, self.columns.column_of("tags")) + self._custom_problems(extra)
        if problems:
            return problems
        return (
            number,
            name,
            company,
            company_key(company) if company else None,
            values.get("phone"),
            keys["phone"],
            values.get("email"),
            keys["email"],
            values.get("wechat"),
            keys["credit_code"],
            grade,
            values.get("region"),
            values.get("industry"),
            values.get("source") or self.default_source,
            json.dumps(tags, ensure_ascii=False),
            json.dumps(extra, ensure_ascii=False) if extra else "{}",
        )


def _tags(text: str) -> list[str]:
    return sorted({t.strip() for t in _TAG_SEPARATORS.split(text) if t.strip()})


def _tag_problems(tags: list[str], column: str) -> list[Problem]:
    """The API's limits on tags (:data:`~highseas.validation.Tags`), said of the file's column."""
    if len(tags) > MAX_TAGS:
        return [Problem(column, f"tags: more than {MAX_TAGS}")]
    return [
        Problem(column, f"tags: {t[:20]!r}… is longer than {MAX_TAG_LENGTH}")
        for t in tags
        if len(t) > MAX_TAG_LENGTH
    ]
