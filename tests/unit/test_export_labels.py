"""The export's words: every header reads back on import as what it exports, in both languages,
and a sheet is named as Excel accepts it."""

from __future__ import annotations

import pytest

from highseas.intake.labels import EXPORT_COLUMNS, SHEET_NAME_LENGTH, pool_sheet_name, sheet_name
from highseas.intake.mapping import CUSTOM, IGNORE, header_rules
from highseas.languages import Lang


@pytest.mark.parametrize("lang", list(Lang))
def test_every_export_header_reads_back_as_its_field_or_is_ignored(lang: Lang) -> None:
    header = [column.label(lang) for column in EXPORT_COLUMNS]
    read_back = dict(
        zip((column.key for column in EXPORT_COLUMNS), header_rules().fields_of(header), strict=True)
    )
    exported_fields = {"name", "company", "phone", "email", "wechat", "credit_code", "grade", "region"}
    exported_fields |= {"industry", "source", "tags"}
    assert {key: field for key, field in read_back.items() if field != IGNORE} == {
        f: f for f in exported_fields
    }
    assert {key for key, field in read_back.items() if field == IGNORE} == {
        "id",
        "stage",
        "pool",
        "owner",
        "won",
        "locked",
        "created_at",
        "claimed_at",
        "last_followup_at",
    }


def test_another_crms_owner_and_creation_time_stay_custom_fields() -> None:
    """负责人 and 创建时间 are dropped from our own export only: from another CRM's file they are
    kept, since nothing else holds them."""
    fields = header_rules().fields_of(["客户名称", "负责人", "创建时间", "手机"])
    assert fields == ["company", CUSTOM, CUSTOM, "phone"]


def test_the_headers_of_exports_before_the_labels_read_back_too() -> None:
    older = (
        "id,name,company,phone,email,wechat,credit_code,grade,stage,region,industry,source,tags,"
        "pool,owner,created_at"
    )
    rules = header_rules()
    assert rules.fields_of(older.split(",")) == [
        IGNORE,
        *("name", "company", "phone", "email", "wechat", "credit_code", "grade"),
        IGNORE,
        *("region", "industry", "source", "tags"),
        *(IGNORE, IGNORE, IGNORE),
    ]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("公海 华东线索", "公海 华东线索"),
        ("Pool East leads", "Pool East leads"),
        ("Q1/Q2 [fair]: *new*?", "Q1 Q2  fair    new"),
        ("'quoted'", "quoted"),
        ("[]:*?/\\", "Sheet1"),
        ("公海 " + "长三角地区重点客户线索" * 4, ("公海 " + "长三角地区重点客户线索" * 4)[:31]),
    ],
)
def test_a_sheet_is_named_as_excel_accepts_it(text: str, name: str) -> None:
    assert sheet_name(text) == name
    assert len(sheet_name(text)) <= SHEET_NAME_LENGTH


def test_a_long_pool_name_is_cut_to_excels_31_characters() -> None:
    name = pool_sheet_name("East China key accounts from the spring trade fair", Lang.EN)
    assert name == "Pool East China key accounts fr"
    assert len(name) == 31
