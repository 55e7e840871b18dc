"""The words of an export and of the import template, in Chinese and English: one table of the
columns (:data:`EXPORT_COLUMNS`), the values that are words (stage, yes/no) and the sheet names.

An export read back by an import must give the same customers: every export header is recognised
on import: the customer fields as themselves (:func:`export_header_aliases`) and the rest (the id,
the stage, the pool, the owner, the times) as columns to ignore (:func:`export_only_headers`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from highseas.languages import Lang

# The import's "drop this column" (intake/mapping.py's IGNORE; that module reads this one).
IGNORED = "ignore"


@dataclass(frozen=True)
class ExportColumn:
    key: str
    zh: str
    en: str
    imported_as: str  # the import field the header reads back as, or IGNORED

    def label(self, lang: Lang) -> str:
        return self.zh if lang is Lang.ZH else self.en


def _column(key: str, zh: str, en: str, *, ignored: bool = False) -> ExportColumn:
    return ExportColumn(key, zh, en, IGNORED if ignored else key)


EXPORT_COLUMNS = (
    _column("id", "编号", "ID", ignored=True),
    _column("name", "姓名", "Name"),
    _column("company", "公司名称", "Company"),
    _column("phone", "电话", "Phone"),
    _column("email", "邮箱", "Email"),
    _column("wechat", "微信", "WeChat"),
    _column("credit_code", "统一社会信用代码", "Unified social credit code"),
    _column("grade", "客户等级", "Grade"),
    _column("stage", "客户阶段", "Stage", ignored=True),
    _column("region", "地区", "Region"),
    _column("industry", "行业", "Industry"),
    _column("source", "来源", "Source"),
    _column("tags", "标签", "Tags"),
    _column("pool", "所属公海", "Pool", ignored=True),
    _column("owner", "负责人", "Owner", ignored=True),
    _column("won", "已成交", "Won", ignored=True),
    _column("locked", "已锁定", "Locked", ignored=True),
    _column("created_at", "创建时间", "Created", ignored=True),
    _column("claimed_at", "领取时间", "Claimed", ignored=True),
    _column("last_followup_at", "最后跟进时间", "Last follow-up", ignored=True),
)
"""The columns of every export, in order; the customer's custom fields follow, one column each."""

STAGE_LABELS = {
    "lead": {Lang.ZH: "线索", Lang.EN: "Lead"},
    "opportunity": {Lang.ZH: "商机", Lang.EN: "Opportunity"},
    "customer": {Lang.ZH: "客户", Lang.EN: "Customer"},
}
YES_NO = {Lang.ZH: ("是", "否"), Lang.EN: ("Yes", "No")}
# The import splits tags on either comma (rows.py); a Chinese reader expects the full-width one.
TAG_SEPARATOR = {Lang.ZH: "，", Lang.EN: ", "}
TIME_FORMAT = "%Y-%m-%d %H:%M"

# Excel refuses these in a sheet name, and a name longer than 31 characters.
_NOT_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_LENGTH = 31


def export_header_aliases() -> dict[str, tuple[str, ...]]:
    """The headers of our exports' customer fields, both languages and the column keys that
    exports before these labels used as headers, by the import field each reads back as."""
    aliases: dict[str, tuple[str, ...]] = {}
    for column in EXPORT_COLUMNS:
        if column.imported_as != IGNORED:
            aliases[column.imported_as] = (*aliases.get(column.imported_as, ()), *_labels(column))
    return aliases


def export_only_headers() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The headers our exports write that an import of one of them drops (the id, the stage, the
    pool, the owner, the times…), and the headers that tell a file is one of our exports (its id
    and pool columns). Other CRMs write 负责人 or 创建时间 too, and there those columns are kept
    as custom fields: they are dropped only from a file that is recognisably ours."""
    dropped = tuple(
        label for column in EXPORT_COLUMNS if column.imported_as == IGNORED for label in _labels(column)
    )
    markers = tuple(
        label for column in EXPORT_COLUMNS if column.key in ("id", "pool") for label in _labels(column)
    )
    return dropped, markers


def _labels(column: ExportColumn) -> tuple[str, str, str]:
    return (column.zh, column.en, column.key)


def sheet_name(text: str) -> str:
    """``text`` as Excel accepts a sheet's name: without ``[]:*?/\\``, no apostrophe at either
    end, at most 31 characters, never empty."""
    name = _NOT_IN_SHEET_NAME.sub(" ", text).strip().strip("'").strip()
    return name[:SHEET_NAME_LENGTH].rstrip().rstrip("'") or "Sheet1"


def pool_sheet_name(pool_name: str, lang: Lang) -> str:
    return sheet_name(f"公海 {pool_name}" if lang is Lang.ZH else f"Pool {pool_name}")


def owned_sheet_name(owner_name: str, lang: Lang) -> str:
    return sheet_name(f"{owner_name}的客户" if lang is Lang.ZH else f"Customers of {owner_name}")
