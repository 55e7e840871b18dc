"""Importing the files other CRMs export, values as they write them (SQLite and PostgreSQL): grade
labels, several phones, extensions, spaced credit codes; a bad cell flags the cell, not the row;
the report in the reader's language."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from sqlalchemy import select

from highseas.customers.models import Customer, CustomerPhone
from highseas.customers.service import CustomerInput, create_customer
from highseas.intake.importer import ImportResult, import_file
from highseas.intake.report import report_rows, write_report
from highseas.web.i18n import Lang, translations
from tests.conftest import Org
from tests.invariants import assert_invariants

# WukongCRM's customer import template (客户名称, 客户级别 with its options "A（重点客户）,
# B（普通客户）, C（非优先客户）", 手机 and 电话 side by side).
WUKONG_HEADER = "客户名称,客户级别,手机,电话,客户来源\n"


def run(org: Org, path: Path) -> ImportResult:
    return org.run(import_file, org.admin, org.company_pool.id, path)


def by_name(org: Org) -> dict[str, Customer]:
    with org.session() as s:
        return {c.name: c for c in s.scalars(select(Customer))}


def more_phones(org: Org, customer_id: int) -> list[tuple[str, str]]:
    with org.session() as s:
        rows = s.execute(
            select(CustomerPhone.phone, CustomerPhone.phone_e164)
            .where(CustomerPhone.customer_id == customer_id)
            .order_by(CustomerPhone.position)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def issues(org: Org, result: ImportResult) -> list[tuple[str, ...]]:
    with org.session() as s:
        return list(report_rows(s, org.admin, result.batch))


def test_wukongcrm_and_yudao_grade_labels_read_as_their_letter_and_an_unknown_grade_is_a_warning(
    org: Org, tmp_path: Path
) -> None:
    path = tmp_path / "wukong.csv"
    path.write_text(
        WUKONG_HEADER + "湖南星辰机械有限公司,A（重点客户）,13800138000,,展会\n"
        "重庆山城物流有限公司,A （重点客户）,13900139000,,\n"  # yudao writes a space before the bracket
        "成都天府食品有限公司,b,,,\n"
        "武汉江城科技有限公司,S级（战略客户）,13700137000,,\n",
        encoding="utf-8",
    )
    result = run(org, path)
    assert (result.batch.imported, result.batch.invalid, result.batch.warnings) == (4, 0, 1)
    grades = {name: c.grade for name, c in by_name(org).items()}
    assert grades == {
        "湖南星辰机械有限公司": "A",
        "重庆山城物流有限公司": "A",
        "成都天府食品有限公司": "B",
        "武汉江城科技有限公司": None,
    }
    assert [r[:3] for r in issues(org, result)] == [("5", "客户级别", "warning")]


def test_both_phone_columns_and_both_numbers_of_a_cell_are_the_customers_phones(
    org: Org, tmp_path: Path
) -> None:
    path = tmp_path / "phones.csv"
    path.write_text(
        WUKONG_HEADER + "湖南星辰机械有限公司,,13883001234/023-63001234,0731-88881234-8001,\n"
        "长沙麓山建材有限公司,,13900139000,0532-86661234转8001,\n"
        "重庆山城物流有限公司,,,023-63001234,\n"  # row 4: the second number of row 2
        "株洲湘江电气有限公司,,13600136000,0731-88881234,\n",  # row 5: the landline of row 2
        encoding="utf-8",
    )
    result = run(org, path)
    assert (result.batch.imported, result.batch.duplicates) == (2, 2)
    imported = by_name(org)
    first = imported["湖南星辰机械有限公司"]
    assert (first.phone, first.phone_e164) == ("13883001234", "+8613883001234")
    assert more_phones(org, first.id) == [
        ("023-63001234", "+862363001234"),
        ("0731-88881234-8001", "+8673188881234"),
    ]
    assert more_phones(org, imported["长沙麓山建材有限公司"].id) == [
        ("0532-86661234转8001", "+8653286661234")
    ]
    assert [r for r in issues(org, result)] == [
        ("4", "手机", "duplicate", "same phone as row 2"),
        ("5", "手机", "duplicate", "same phone as row 2"),
    ]
    assert_invariants(org.engine)


def test_a_further_phone_of_a_known_customer_makes_a_row_a_duplicate_and_the_other_way(
    org: Org, tmp_path: Path
) -> None:
    known = org.run(
        create_customer, org.rep, CustomerInput(name="老客户", phone="13800138000", phones=["0731-88881234"])
    )
    path = tmp_path / "again.csv"
    path.write_text(
        WUKONG_HEADER + "甲公司,,,0731 8888 1234,\n"  # the known customer's second number
        "乙公司,,13500135000,13800138000,\n",  # its second number is the known customer's first
        encoding="utf-8",
    )
    result = run(org, path)
    assert (result.batch.imported, result.batch.duplicates) == (0, 2)
    assert {r[3] for r in issues(org, result)} == {f"same phone as customer {known.id} (owned by 张伟)"}


def test_errors_are_named_under_their_own_column_and_the_row_keeps_its_other_values(
    org: Org, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        WUKONG_HEADER + "湖南星辰机械有限公司,A,13800138000,62345678,\n"  # no area code
        "长沙麓山建材有限公司,B,1380013800,95588,\n",  # a 10-digit mobile, a service number
        encoding="utf-8",
    )
    result = run(org, path)
    assert (result.batch.imported, result.batch.invalid, result.batch.warnings) == (2, 0, 2)
    assert [(*r[:2], r[3]) for r in issues(org, result)] == [
        ("2", "电话", '"62345678" has no area code'),
        ("3", "手机", '"1380013800" is not a valid phone number'),
        ("3", "电话", '"95588" is not a valid phone number'),
    ]
    second = by_name(org)["长沙麓山建材有限公司"]
    assert (second.phone, second.grade) == (None, "B")


def test_hong_kong_and_taiwan_numbers_without_plus_are_filed_as_theirs(org: Org, tmp_path: Path) -> None:
    path = tmp_path / "greater_china.csv"
    path.write_text(
        WUKONG_HEADER + "香港宏达贸易有限公司,,852-61234567,,\n台湾正隆纸业股份有限公司,,886-912-345-678,,\n",
        encoding="utf-8",
    )
    run(org, path)
    phones = {name: c.phone_e164 for name, c in by_name(org).items()}
    assert phones == {"香港宏达贸易有限公司": "+85261234567", "台湾正隆纸业股份有限公司": "+886912345678"}


def test_a_row_with_a_bad_cell_still_catches_its_duplicates(org: Org, tmp_path: Path) -> None:
    path = tmp_path / "dupes.csv"
    path.write_text(
        "客户名称,客户级别,手机,统一社会信用代码\n"
        "湖南星辰机械有限公司,重点,13800138000,91 110000 600037341L\n"  # an unknown grade
        "星辰机械,,,9111-0000-6000-3734-1L\n"  # row 3: the credit code of row 2, spelled otherwise
        "湖南星辰,,138 0013 8000,\n",  # row 4: the phone of row 2
        encoding="utf-8",
    )
    result = run(org, path)
    assert (result.batch.imported, result.batch.duplicates, result.batch.warnings) == (1, 2, 1)
    assert by_name(org)["湖南星辰机械有限公司"].credit_code == "91110000600037341L"


def test_the_report_in_chinese_has_no_english_but_the_files_own_values(org: Org, tmp_path: Path) -> None:
    known = org.run(create_customer, org.rep, CustomerInput(name="老客户", phone="13700137000"))
    path = tmp_path / "zh.csv"
    path.write_text(
        WUKONG_HEADER + "湖南星辰机械有限公司,Z,13800138000,12345,\n"
        ",,,,展会\n"
        "长沙麓山建材有限公司,,13800138000,,\n"
        "株洲湘江电气有限公司,,13700137000,,\n",
        encoding="utf-8",
    )
    result = run(org, path)
    out = io.BytesIO()
    with org.session() as s:
        write_report(s, org.admin, result.batch, out, translations(Lang.ZH).gettext)
    rows = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    assert rows[0] == ["行号", "列", "结果", "原因"]
    assert [r[2] for r in rows[1:]] == ["已导入（有警告）", "已导入（有警告）", "未导入", "重复", "重复"]
    assert rows[-1][3] == f"与客户 {known.id}（张伟 名下）电话相同"
    quoted = re.compile(r"“[^”]*”")
    for row in rows[1:]:
        assert not re.search(r"[A-Za-z]{2,}", quoted.sub("", row[3])), row  # grades A to E are no words
