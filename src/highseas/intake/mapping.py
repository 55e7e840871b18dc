"""Which column of a lead file holds which customer field: defaults for the headers people and
other CRMs write (:mod:`.headers`), explicit ``header=field`` overrides, and a mapping remembered
for a header row (:mod:`.remembered`)."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from highseas import errors
from highseas.intake.headers import CRM_HEADERS, TITLE_NAME_MARKERS
from highseas.intake.labels import export_header_aliases, export_only_headers

FIELDS = (
    "name",
    "first_name",
    "last_name",
    "company",
    "phone",
    "email",
    "wechat",
    "credit_code",
    "grade",
    "region",
    "province",
    "city",
    "district",
    "industry",
    "source",
    "tags",
)
IGNORE = "ignore"
CUSTOM = "custom"
"""A column kept as a custom field under its header, even if its header names a field."""
NAMING_FIELDS = ("name", "company", "first_name", "last_name")
"""A file needs one of these: a customer is known by a name or a company."""


def merged_aliases(*tables: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Alias tables (field -> headers) joined into one, each field's headers in order."""
    joined: dict[str, tuple[str, ...]] = {}
    for table in tables:
        for field, aliases in table.items():
            joined[field] = joined.get(field, ()) + aliases
    return joined


# Our own exports' headers, in both languages, read back as what they export (labels.py).
_ALIASES = merged_aliases(CRM_HEADERS, export_header_aliases())
_NOT_WORD = re.compile(r"[\W_]+")
_REQUIRED_MARK = re.compile(r"[(\[]\s*(?:\*|必填项?|选填|必须|required|optional)\s*[)\]]|\*")


def header_key(text: str) -> str:
    """A header as compared: "*客户名称", "客户名称(必填)", "E-mail" and "Phone Number" lose
    their decoration (width, case, required marks, spaces and punctuation)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _NOT_WORD.sub("", _REQUIRED_MARK.sub("", folded))


_FIELD_OF_ALIAS = {header_key(alias): field for field, aliases in _ALIASES.items() for alias in aliases}
_EXPORT_DROPPED, _EXPORT_MARKERS = (frozenset(map(header_key, labels)) for labels in export_only_headers())


def header_hash(header: list[str]) -> str:
    """The identity of a header row, whatever its decoration: remembered mappings are keyed by it."""
    keys = [header_key(cell) for cell in header]
    while keys and not keys[-1]:
        keys.pop()
    return hashlib.sha256(json.dumps(keys, ensure_ascii=False).encode()).hexdigest()


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """``["联系电话=phone", "备注=ignore"]`` as a dict, each field checked."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        header, sep, field = pair.rpartition("=")
        if not sep or not header.strip():
            raise errors.InvalidInput("mapping", f"{pair!r} is not HEADER=FIELD")
        mapping[header.strip()] = field.strip()
    return mapping


@dataclass(frozen=True)
class ColumnMap:
    """Column positions per field (several columns may feed one field, e.g. 手机 and 电话 both
    feed ``phone``) and the other named columns, kept as custom fields."""

    header: list[str]
    fields: dict[str, tuple[int, ...]]
    extra: tuple[tuple[int, str], ...]

    @property
    def names_a_customer(self) -> bool:
        """Whether a column gives each row a name or a company."""
        return not self.fields.keys().isdisjoint(NAMING_FIELDS)

    def column_of(self, field: str) -> str:
        """The header a person sees for ``field``, to name in the error report."""
        positions = self.fields.get(field)
        return self.header[positions[0]] if positions else field


@dataclass(frozen=True)
class HeaderRules:
    """How headers map to fields: explicit overrides (by :func:`header_key`), then the defaults."""

    explicit: dict[str, str]

    def field_of(self, cell: str) -> str | None:
        """The field a header feeds: None when nobody recognises it (a custom field)."""
        key = header_key(cell)
        return self.explicit.get(key) or _FIELD_OF_ALIAS.get(key)

    def fields_of(self, header: list[str]) -> list[str]:
        """Each column's field, CUSTOM or IGNORE, read in the context of the whole header row."""
        keys = {header_key(cell) for cell in header}
        title_names = not keys.isdisjoint(TITLE_NAME_MARKERS)
        our_export = len(keys & _EXPORT_MARKERS) >= 2
        fields = []
        for cell in header:
            key = header_key(cell)
            field = self.explicit.get(key)
            if field is None and our_export and key in _EXPORT_DROPPED:
                field = IGNORE
            if field is None:
                field = CUSTOM if title_names and key == "name" else _FIELD_OF_ALIAS.get(key, CUSTOM)
            fields.append(field)
        return fields

    def is_header(self, cells: list[str]) -> bool:
        """Two different recognised headers tell the header from a title, notes or group row above
        it (a group such as 联系方式 merged over three columns is one header, not three)."""
        recognised = {cell.strip() for cell in cells if self.field_of(cell) not in (None, IGNORE, CUSTOM)}
        return len(recognised) >= 2

    def columns(self, header: list[str], *, require_naming: bool = True) -> ColumnMap:
        """Which positions feed which field; a header with no column for a name or a company is
        refused (unless ``require_naming`` is false: the preview shows it for a person to map)."""
        fields: dict[str, list[int]] = {}
        extra: list[tuple[int, str]] = []
        for position, (cell, field) in enumerate(zip(header, self.fields_of(header), strict=True)):
            if field == IGNORE:
                continue
            if field == CUSTOM:
                if cell.strip():
                    extra.append((position, cell.strip()))
                continue
            fields.setdefault(field, []).append(position)
        if require_naming and header and fields.keys().isdisjoint(NAMING_FIELDS):
            raise no_naming_column(header)
        return ColumnMap(header, {f: tuple(p) for f, p in fields.items()}, tuple(extra))


def no_naming_column(header: list[str]) -> errors.InvalidInput:
    return errors.InvalidInput(
        "mapping",
        f"no column holds a name or a company (columns: {', '.join(h for h in header if h)}); "
        "map one, e.g. --mapping 客户=name",
    )


def header_rules(mapping: Mapping[str, str] | None = None) -> HeaderRules:
    allowed = (*FIELDS, CUSTOM, IGNORE)
    for header, field in (mapping or {}).items():
        if field not in allowed:
            raise errors.InvalidInput(
                "mapping", f"{header!r}={field!r}: the field must be one of {', '.join(allowed)}"
            )
    return HeaderRules({header_key(header): field for header, field in (mapping or {}).items()})
