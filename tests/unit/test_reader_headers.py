"""Headers as other CRMs write them, and finding the header row below their title and notes rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from highseas import errors
from highseas.intake import sheets
from highseas.intake.mapping import CUSTOM, header_hash, header_key, header_rules
from highseas.intake.reader import read_table
from tests.crm_templates import WUKONG_NOTES, ods, xlsx

RULES = header_rules()


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("*客户名称", "company"),
        ("客户名称*", "company"),
        ("客户名称(必填)", "company"),
        ("客户名称（必填）", "company"),
        ("客户名称(*)", "company"),
        ("线索名称(*)", "company"),
        ("客户行业", "industry"),
        ("客户标签", "tags"),
        ("省", "province"),
        ("省份", "province"),
        ("市", "city"),
        ("城市", "city"),
        ("区", "district"),
        ("区县", "district"),
        ("所在地区", "region"),
        ("地区", "region"),
        ("区域", "region"),
        ("省市区", "region"),
        ("联系人名称", "name"),
        ("联系人电话", "phone"),
        ("Contact Name", "name"),
        ("contact_name", "name"),
        ("partner_name", "company"),
        ("email_from", "email"),
        ("tag_ids", "tags"),
        ("source_id", "source"),
        ("First Name", "first_name"),
        ("Last Name", "last_name"),
        ("Mobile Phone", "phone"),
        ("Phone Number", "phone"),
        ("Mobile Phone Number", "phone"),
        ("Company Name", "company"),
        ("Account Name", "company"),
        ("Lead Source", "source"),
        ("State/Province", "province"),
        ("State/Region", "province"),
        ("Rating", "grade"),
        ("ＱＱ", None),
        ("网址", None),
        ("Opportunity", None),
    ],
)
def test_other_crms_headers_feed_the_field_a_person_expects(header: str, field: str | None) -> None:
    assert RULES.field_of(header) == field


def test_odoo_name_is_the_opportunity_title_when_the_file_has_odoo_columns() -> None:
    assert RULES.fields_of(["name", "partner_name", "contact_name"]) == [CUSTOM, "company", "name"]
    assert RULES.fields_of(["name", "phone"]) == ["name", "phone"]


def test_every_column_nobody_recognises_is_a_custom_field() -> None:
    assert RULES.fields_of(["客户名称", "网址", "下次联系时间", ""]) == ["company", CUSTOM, CUSTOM, CUSTOM]


def test_a_header_row_is_the_same_row_whatever_its_marks() -> None:
    assert header_key("*客户名称") == header_key("客户名称(*)") == header_key("客户名称")
    assert header_hash(["*客户名称", "手机", ""]) == header_hash(["客户名称", "手机"])
    assert header_hash(["客户名称", "手机"]) != header_hash(["手机", "客户名称"])


def test_first_and_last_name_columns_alone_are_enough_to_import() -> None:
    columns = RULES.columns(["First Name", "Last Name", "Email"])
    assert columns.fields == {"first_name": (0,), "last_name": (1,), "email": (2,)}


def test_a_mapping_to_an_unknown_field_is_refused_naming_the_mapping() -> None:
    with pytest.raises(errors.InvalidInput) as refused:
        header_rules({"QQ": "qq"})
    assert refused.value.field == "mapping"


def test_the_notes_row_above_wukongs_header_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "客户.xlsx"
    path.write_bytes(xlsx([[WUKONG_NOTES], ["*客户名称", "手机"], ["甲公司", "13800138000"]], ("A1:B1",)))
    table = read_table(path, RULES.is_header)
    assert table.header == ["*客户名称", "手机"]
    assert list(table.rows) == [(3, ["甲公司", "13800138000"])]


def test_a_header_cell_merged_over_two_columns_names_both(tmp_path: Path) -> None:
    path = tmp_path / "客户.xlsx"
    path.write_bytes(xlsx([["公司", "电话", None], ["甲公司", "13800138000", "020-12345678"]], ("B1:C1",)))
    table = read_table(path, RULES.is_header)
    assert table.header == ["公司", "电话", "电话"]
    assert RULES.columns(table.header).fields == {"company": (0,), "phone": (1, 2)}


def test_a_file_whose_header_nobody_recognises_starts_at_its_first_tabular_row(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("客户清单（内部）\nQQ,网址\n12345,www.example.cn\n", encoding="utf-8")
    table = read_table(path, RULES.is_header)
    assert table.header == ["QQ", "网址"]


def test_an_ods_too_big_to_read_whole_is_refused_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sheets, "CALAMINE_INFLATED", 100)
    path = tmp_path / "客户.ods"
    path.write_bytes(ods([["客户名称", "电话"], ["甲公司", "13800138000"]]))
    with pytest.raises(errors.InvalidInput) as refused:
        read_table(path, RULES.is_header)
    assert refused.value.field == "file" and "save it as XLSX or CSV" in refused.value.message
