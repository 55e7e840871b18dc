"""One row of a lead file as other CRMs write it: values mapped, not refused; a bad cell flags the
cell, not the row."""

from __future__ import annotations

import json

import pytest

from highseas.customers.contacts import NOT_VALID_PHONE
from highseas.intake.mapping import ColumnMap
from highseas.intake.rows import NO_CUSTOMER, STAGED, UNKNOWN_GRADE, CleanRow, RowCleaner, grade_of

CORDYS_GRADES = {"grade": {"重要客户": "A", "战略客户": "A", "一般客户": "C"}}


def cleaner(header: list[str], fields: dict[str, tuple[int, ...]], **kwargs: object) -> RowCleaner:
    named = {p for positions in fields.values() for p in positions}
    extra = tuple((p, h) for p, h in enumerate(header) if p not in named)
    return RowCleaner(ColumnMap(header, fields, extra), None, **kwargs)  # type: ignore[arg-type]


def staged(row: CleanRow | object) -> dict[str, object]:
    assert isinstance(row, CleanRow), row
    return dict(zip(STAGED, row.staged, strict=True))


# WukongCRM's and yudao's option labels, full-width and lower-case letters.
@pytest.mark.parametrize(
    ("label", "grade"), [("A（重点客户）", "A"), ("A （重点客户）", "A"), ("b", "B"), ("Ａ", "A"), ("E", "E")]
)
def test_a_grade_label_of_another_crm_reads_as_its_leading_letter(label: str, grade: str) -> None:
    assert grade_of(label) == grade


@pytest.mark.parametrize("label", ["Apple", "F", "重点", "VIP"])
def test_a_label_that_is_no_grade_reads_as_none(label: str) -> None:
    assert grade_of(label) is None


def test_cordyscrm_grades_map_through_the_companys_value_map_first() -> None:
    clean = cleaner(["客户名称", "客户等级"], {"company": (0,), "grade": (1,)}, value_maps=CORDYS_GRADES)
    assert staged(clean.clean(2, ["甲公司", "重要客户"]))["grade"] == "A"
    assert staged(clean.clean(3, ["乙公司", "一般客户"]))["grade"] == "C"
    unknown = clean.clean(4, ["丙公司", "潜在客户"])
    assert isinstance(unknown, CleanRow)
    assert staged(unknown)["grade"] is None
    assert [(w.column, w.reason, dict(w.params)) for w in unknown.warnings] == [
        ("客户等级", UNKNOWN_GRADE, {"value": "潜在客户"})
    ]


def test_every_phone_column_and_every_number_in_a_cell_are_kept_each_error_under_its_column() -> None:
    clean = cleaner(["姓名", "手机", "电话"], {"name": (0,), "phone": (1, 2)})
    row = clean.clean(2, ["张伟", "13883001234/023-63001234", "12345/0731-88881234-8001"])
    assert isinstance(row, CleanRow)
    values = staged(row)
    assert (values["phone"], values["phone_e164"]) == ("13883001234", "+8613883001234")
    assert row.more_phones == [("023-63001234", "+862363001234"), ("0731-88881234-8001", "+8673188881234")]
    assert [(w.column, w.reason) for w in row.warnings] == [("电话", NOT_VALID_PHONE)]


def test_only_an_unreadable_phone_is_a_warning_and_the_row_stays() -> None:
    clean = cleaner(["姓名", "手机", "邮箱"], {"name": (0,), "phone": (1,), "email": (2,)})
    row = clean.clean(2, ["张伟", "1380013800", "ｚｗ＠ｙｕｎｆａｎ．ｃｎ"])
    assert isinstance(row, CleanRow)
    values = staged(row)
    assert (values["phone"], values["email"], values["email_key"]) == (None, "zw@yunfan.cn", "zw@yunfan.cn")
    assert [w.column for w in row.warnings] == ["手机"]


def test_a_row_that_says_nothing_of_who_the_customer_is_is_refused() -> None:
    clean = cleaner(["姓名", "手机", "来源"], {"name": (0,), "phone": (1,), "source": (2,)})
    refused = clean.clean(2, ["", "12", "展会"])
    assert isinstance(refused, list)
    assert [(p.column, p.reason) for p in refused] == [("姓名", NO_CUSTOMER), ("手机", NOT_VALID_PHONE)]
    only_phone = clean.clean(3, ["", "13800138000", ""])
    assert staged(only_phone)["phone_e164"] == "+8613800138000"


def test_province_city_and_district_join_into_the_region() -> None:
    clean = cleaner(
        ["公司", "省", "市", "区"], {"company": (0,), "province": (1,), "city": (2,), "district": (3,)}
    )
    assert staged(clean.clean(2, ["甲", "广东省", "广州市", "天河区"]))["region"] == "广东省广州市天河区"
    assert staged(clean.clean(3, ["乙", "北京市", "北京市", "朝阳区"]))["region"] == "北京市朝阳区"
    assert staged(clean.clean(4, ["丙", "浙江省", "", ""]))["region"] == "浙江省"


@pytest.mark.parametrize(
    ("first", "last", "name"), [("伟", "张", "张伟"), ("Jane", "Smith", "Jane Smith"), ("", "李", "李")]
)
def test_first_and_last_name_columns_make_the_name_in_the_order_of_the_name(
    first: str, last: str, name: str
) -> None:
    clean = cleaner(["First Name", "Last Name"], {"first_name": (0,), "last_name": (1,)})
    assert staged(clean.clean(2, [first, last]))["name"] == name


@pytest.mark.parametrize("cell", ["[重点，华中]", "重点,华中", "重点；华中", "【重点】、【华中】"])
def test_a_multi_value_cell_becomes_tags(cell: str) -> None:
    clean = cleaner(["公司", "客户标签"], {"company": (0,), "tags": (1,)})
    assert json.loads(staged(clean.clean(2, ["甲", cell]))["tags"]) == ["华中", "重点"]  # type: ignore[arg-type]


def test_a_spaced_credit_code_is_normalised() -> None:
    clean = cleaner(["公司", "统一社会信用代码"], {"company": (0,), "credit_code": (1,)})
    assert staged(clean.clean(2, ["甲", "91 110000 600037341L"]))["credit_code"] == "91110000600037341L"
