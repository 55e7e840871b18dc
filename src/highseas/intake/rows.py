"""Turning one row of a lead file into customer values, with the cells that could not be read.

The checks and dedup keys are the ones creating a customer applies (``highseas.customers``); this
module only adds what a file needs: reading cells by column (several columns, several numbers in
a cell), the labels other CRMs give a value (``A（重点客户）``, a company's own 重要客户 → A),
column names in the report, and lengths (the API checks those in its schema, a file has no schema).

A bad cell flags that cell, not the row: the row is imported without the value and the report
lists a warning. A row is refused only when nothing in it says who the customer is.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String

from highseas.customers.companies import company_key, company_of
from highseas.customers.contacts import (
    ContactRefused,
    Phone,
    chinese_mobile,
    fold_email,
    normalise_credit_code,
    normalise_email,
    read_phone,
    split_phones,
)
from highseas.customers.models import GRADES, Customer
from highseas.db import table_of
from highseas.intake.mapping import ColumnMap
from highseas.messages import N_
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
"""The staging table's columns, in the order of :attr:`CleanRow.staged`."""

NO_CUSTOMER = N_("no name, company or valid contact: nothing says who this customer is")
TOO_LONG = N_('"%(value)s" is longer than %(limit)s characters; left out')
UNKNOWN_GRADE = N_('"%(value)s" is not a grade (A to E); left out')
TOO_MANY_TAGS = N_("more than %(limit)s tags; the first %(limit)s are kept")
TOO_MANY_COLUMNS = N_(
    "more than %(limit)s filled columns that are not customer fields; the first %(limit)s are kept"
)
LONG_COLUMN_NAME = N_("the column name is longer than %(limit)s characters; its values are left out")
UNNAMED = "未命名"
"""The name of a customer whose row has a phone or an email but no name or company: names are
data, written once in the language of the lead files HighSeas reads (Chinese CRMs' exports); a
contact detail is never the name, since a pool may hide contact details but shows names."""

_TAG_SEPARATORS = re.compile(r"[,，;；、|/\n]")
# CordysCRM writes a multi-value cell as "[重点，华中]"; others as "【重点】".
_TAG_BRACKETS = "[]【】()（）{}"
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# A grade label of another CRM starts with its letter: "A（重点客户）", "A （重点客户）", "Ａ".
_GRADE_LABEL = re.compile(r"^([A-Ea-e])(?![A-Za-z])")


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
    """A cell (or row) the report names: the file's column, a message id and what fills it in."""

    column: str
    reason: str
    params: Mapping[str, Any] = field(default_factory=dict)
    # The cell's text when it is left out of its field but kept on the customer as a custom field
    # under its column's name: a number libphonenumber refuses is still what the old CRM held.
    kept: str | None = None


@dataclass(frozen=True)
class CleanRow:
    """A row to import: its staging values (see :data:`STAGED`), its phones after the first as
    ``(text, e164)``, and the cells left out of it."""

    staged: tuple[Any, ...]
    more_phones: list[tuple[str, str]]
    warnings: list[Problem]


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


def grade_of(text: str) -> str | None:
    """The grade a label stands for: its leading letter (``A（重点客户）``, ``b``, ``Ａ``)."""
    found = _GRADE_LABEL.match(unicodedata.normalize("NFKC", text).strip())
    return found.group(1).upper() if found else None


def join_region(parts: list[str]) -> str:
    """Province, city and district as one region, the way an address is written in Chinese:
    "广东省" "广州市" "天河区" → "广东省广州市天河区", a city repeating its province ("北京市"
    "北京市") once. It is how people type a region into the region column too, so a filter on
    "广东省" or "广州市" finds both kinds of rows."""
    joined: list[str] = []
    for part in parts:
        if part and (not joined or part != joined[-1]):
            joined.append(part)
    return "".join(joined)


def full_name(first: str | None, last: str | None) -> str | None:
    """A name from Salesforce's or HubSpot's first and last name columns: family name first and
    together for Chinese names (张 + 伟 → 张伟), given name first for others (Jane Smith)."""
    if not first or not last:
        return first or last
    if _CJK.search(first + last):
        return last + first
    return f"{first} {last}"


class RowCleaner:
    """Cleans rows of one file; ``default_source`` fills empty sources (a pool per channel);
    ``value_maps`` are the company's own labels per field (``{"grade": {"重要客户": "A"}}``),
    applied before anything else reads a value."""

    def __init__(
        self,
        columns: ColumnMap,
        default_source: str | None,
        *,
        value_maps: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.columns = columns
        self.value_maps = {
            name: {_fold(label): value for label, value in labels.items()}
            for name, labels in (value_maps or {}).items()
        }
        # Everything a row needs of a field, looked up once per file rather than once per cell.
        self.fields = tuple(
            (name, positions, self.value_maps.get(name), _LENGTHS.get(name))
            for name, positions in columns.fields.items()
            if name != "phone"
        )
        self.phone_positions = columns.fields.get("phone", ())
        self.default_source = default_source

    def _mapped(self, name: str, text: str) -> str:
        labels = self.value_maps.get(name)
        if labels is None:
            return text
        return labels.get(_fold(text), text)

    def _values(self, cells: list[str], warnings: list[Problem]) -> dict[str, str]:
        """The first non-empty cell of each field, mapped; a value over its column's length is
        left out with a warning."""
        values: dict[str, str] = {}
        width = len(cells)
        for name, positions, labels, limit in self.fields:
            for position in positions:
                if position < width:
                    text = cells[position].strip()
                    if text:
                        if labels is not None:
                            text = labels.get(_fold(text), text)
                        if limit is not None and len(text) > limit:
                            warnings.append(self._too_long(self.columns.header[position], text, limit))
                        else:
                            values[name] = text
                        break
        return values

    @staticmethod
    def _too_long(column: str, text: str, limit: int) -> Problem:
        return Problem(column, TOO_LONG, {"value": text[:20] + "…", "limit": limit})

    def _phones(self, cells: list[str], warnings: list[Problem]) -> list[Phone]:
        """Every number of every phone column, in order, each once; a number that is not one is
        left out, named under its own column."""
        phones: dict[str, Phone] = {}
        width = len(cells)
        limit = _LENGTHS["phone"]
        for position in self.phone_positions:
            if position >= width:
                continue
            cell = cells[position]
            # Most cells hold one mainland mobile, typed plainly: read without splitting or folding.
            fast = chinese_mobile(cell) if "phone" not in self.value_maps else None
            if fast is not None:
                phones.setdefault(fast, Phone(cell.strip(), fast))
                continue
            column = self.columns.header[position]
            for typed in split_phones(self._mapped("phone", cell)):
                try:
                    phone = read_phone(typed)
                except ContactRefused as refused:
                    warnings.append(Problem(column, refused.reason, refused.params, kept=typed))
                    continue
                if len(phone.text) > limit:
                    warnings.append(self._too_long(column, phone.text, limit))
                    continue
                phones.setdefault(phone.e164, phone)
        return list(phones.values())

    def _key(self, name: str, values: dict[str, str], warnings: list[Problem]) -> str | None:
        raw = values.get(name)
        if raw is None:
            return None
        try:
            return normalise_email(raw) if name == "email" else normalise_credit_code(raw)
        except ContactRefused as refused:
            warnings.append(Problem(self.columns.column_of(name), refused.reason, refused.params, kept=raw))
            del values[name]
            return None

    def _grade(self, values: dict[str, str], warnings: list[Problem]) -> str | None:
        raw = values.get("grade")
        if raw is None:
            return None
        grade = raw.upper() if raw.upper() in GRADES else grade_of(raw)
        if grade is None:
            warnings.append(Problem(self.columns.column_of("grade"), UNKNOWN_GRADE, {"value": raw}, kept=raw))
        return grade

    def _region(self, values: dict[str, str], warnings: list[Problem]) -> str | None:
        if "region" in values:
            return values["region"]
        parts = [values.get(part, "") for part in ("province", "city", "district")]
        region = join_region(parts)
        if not region:
            return None
        if len(region) > _LENGTHS["region"]:
            warnings.append(self._too_long(self.columns.column_of("province"), region, _LENGTHS["region"]))
            return None
        return region

    def _custom_fields(self, cells: list[str], warnings: list[Problem]) -> dict[str, str]:
        """The API's limits on custom fields (:data:`~highseas.validation.CustomFields`): the file's
        other columns become one each; past a limit, the column or value is left out."""
        extra: dict[str, str] = {}
        for position, label in self.columns.extra:
            value = cells[position].strip() if position < len(cells) else ""
            if not value:
                continue
            if len(extra) == MAX_CUSTOM_FIELDS:
                warnings.append(Problem("", TOO_MANY_COLUMNS, {"limit": MAX_CUSTOM_FIELDS}))
                break
            if len(label) > MAX_CUSTOM_KEY_LENGTH:
                warnings.append(Problem(label, LONG_COLUMN_NAME, {"limit": MAX_CUSTOM_KEY_LENGTH}))
            elif len(value) > MAX_CUSTOM_VALUE_LENGTH:
                warnings.append(self._too_long(label, value, MAX_CUSTOM_VALUE_LENGTH))
            else:
                extra[label] = value
        return extra

    def _tags(self, values: dict[str, str], warnings: list[Problem]) -> list[str]:
        """The API's limits on tags (:data:`~highseas.validation.Tags`), said of the file's column."""
        column = self.columns.column_of("tags")
        tags: list[str] = []
        for tag in tags_of(values.get("tags") or ""):
            if len(tag) > MAX_TAG_LENGTH:
                warnings.append(self._too_long(column, tag, MAX_TAG_LENGTH))
            else:
                tags.append(tag)
        if len(tags) > MAX_TAGS:
            warnings.append(Problem(column, TOO_MANY_TAGS, {"limit": MAX_TAGS}))
            tags = tags[:MAX_TAGS]
        return tags

    def clean(self, number: int, cells: list[str]) -> CleanRow | list[Problem]:
        """The row to import, or why it cannot be one (it says nothing of who the customer is)."""
        warnings: list[Problem] = []
        values = self._values(cells, warnings)
        phones = self._phones(cells, warnings)
        email_key = self._key("email", values, warnings)
        credit_code = self._key("credit_code", values, warnings)
        grade = self._grade(values, warnings)
        company = company_of(values.get("company"), values.get("name"))
        name = values.get("name") or full_name(values.get("first_name"), values.get("last_name")) or company
        if name is not None and len(name) > _LENGTHS["name"]:
            warnings.append(self._too_long(self.columns.column_of("name"), name, _LENGTHS["name"]))
            name = company
        if name is None:
            if not (phones or email_key or credit_code or values.get("wechat")):
                return [Problem(self.columns.column_of("name"), NO_CUSTOMER), *warnings]
            name = UNNAMED
        first = phones[0] if phones else None
        staged = (
            number,
            name,
            company,
            company_key(company) if company else None,
            first.text if first else None,
            first.e164 if first else None,
            fold_email(values["email"]) if email_key else None,
            email_key,
            values.get("wechat"),
            credit_code,
            grade,
            self._region(values, warnings),
            values.get("industry"),
            values.get("source") or self.default_source,
            _json(self._tags(values, warnings) if "tags" in values else []),
            _json(_with_kept(self._custom_fields(cells, warnings) if self.columns.extra else {}, warnings)),
        )
        return CleanRow(staged, [(p.text, p.e164) for p in phones[1:]], warnings)


def _with_kept(custom: dict[str, str], warnings: list[Problem]) -> dict[str, str]:
    """The custom fields with the text of each cell left out of its field, under its column (two
    numbers refused in one column share it). The custom-field limits still hold."""
    for problem in warnings:
        if problem.kept is None or not problem.column:
            continue
        if problem.column in custom:
            joined = f"{custom[problem.column]} / {problem.kept}"
            if len(joined) <= MAX_CUSTOM_VALUE_LENGTH:
                custom[problem.column] = joined
        elif len(custom) < MAX_CUSTOM_FIELDS and len(problem.column) <= MAX_CUSTOM_KEY_LENGTH:
            custom[problem.column] = problem.kept[:MAX_CUSTOM_VALUE_LENGTH]
    return custom


def _json(value: list[str] | dict[str, str]) -> str:
    return json.dumps(value, ensure_ascii=False) if value else ("[]" if isinstance(value, list) else "{}")


def tags_of(text: str) -> list[str]:
    """The tags of a multi-value cell: "重点,华中", "重点；华中", "[重点，华中]"."""
    return sorted({t.strip().strip(_TAG_BRACKETS).strip() for t in _TAG_SEPARATORS.split(text)} - {""})
