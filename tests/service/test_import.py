"""Importing lead files as they arrive from fairs, web forms and purchased lists (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from highseas import errors
from highseas.auth.models import AuditEvent
from highseas.auth.permissions import SYSTEM
from highseas.customers.models import Customer
from highseas.customers.service import CustomerInput, create_customer
from highseas.intake.importer import ImportResult, import_file
from highseas.intake.models import ImportBatch, ImportIssue, IssueKind
from highseas.intake.report import report_rows, write_report
from highseas.ownership.models import EventKind, OwnershipEvent
from highseas.pools.models import Pool
from highseas.pools.service import PoolInput, update_pool
from tests.conftest import Org
from tests.invariants import assert_invariants

HEADER = "姓名,手机,公司,邮箱,等级,地区,行业,来源\n"


def write_csv(path: Path, body: str, encoding: str = "utf-8") -> Path:
    path.write_bytes((HEADER + body).encode(encoding))
    return path


def run_import(org: Org, path: Path, pool: Pool | None = None, **kwargs: object) -> ImportResult:
    return org.run(import_file, org.admin, (pool or org.company_pool).id, path, **kwargs)


def customers(org: Org) -> dict[str, Customer]:
    with org.session() as s:
        return {c.name: c for c in s.scalars(select(Customer))}


def report(org: Org, batch: ImportBatch) -> list[tuple[str, ...]]:
    with org.session() as s:
        return list(report_rows(s, org.admin, batch))


def test_a_gbk_encoded_csv_lands_in_the_pool_unowned_with_one_import_event_each(
    org: Org, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "展会.csv",
        "张伟,13800138000,杭州云帆科技有限公司,zw@yunfan.cn,b,浙江杭州,软件,展会\n"
        "李娜,13900139000,苏州明远机械有限公司,,C,江苏苏州,制造,\n",
        encoding="gbk",
    )
    result = run_import(org, path)
    assert (result.batch.rows, result.batch.imported, result.batch.invalid) == (2, 2, 0)
    imported = customers(org)
    assert imported["张伟"].company == "杭州云帆科技有限公司"
    assert (imported["张伟"].owner_id, imported["张伟"].pool_id, imported["张伟"].grade) == (
        None,
        org.company_pool.id,
        "B",
    )
    assert imported["张伟"].phone_e164 == "+8613800138000"
    assert imported["李娜"].region == "江苏苏州"
    with org.session() as s:
        events = list(s.scalars(select(OwnershipEvent)))
    assert {(e.kind, e.to_user_id, e.actor_id, e.seq) for e in events} == {
        (EventKind.IMPORT, None, org.admin.id, 1)
    }
    assert len(events) == 2
    assert_invariants(org.engine)


def test_a_utf8_csv_with_a_byte_order_mark_reads_its_first_header(org: Org, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "web.csv", "王芳,13700137000,,,,,,\n", encoding="utf-8-sig")
    assert run_import(org, path).batch.imported == 1
    assert customers(org)["王芳"].phone == "13700137000"


@pytest.mark.parametrize("typed", ["+86 138-0013-8000", "0086 13800138000", "138 0013 8000"])
def test_every_spelling_of_one_mobile_is_one_customer(org: Org, tmp_path: Path, typed: str) -> None:
    org.run(create_customer, org.rep, CustomerInput(name="原有", phone="13800138000"))
    path = write_csv(tmp_path / "list.csv", f"新的,{typed},,,,,,\n座机,(010) 8243 3070,,,,,,\n")
    result = run_import(org, path)
    assert (result.batch.imported, result.batch.duplicates) == (1, 1)
    assert customers(org)["座机"].phone_e164 == "+861082433070"


def test_duplicates_inside_the_file_and_against_the_database_are_reported_not_imported(
    org: Org, tmp_path: Path
) -> None:
    mine = org.run(create_customer, org.rep, CustomerInput(name="老客户", email="Boss@YunFan.cn"))
    path = write_csv(
        tmp_path / "dupes.csv",
        "甲,13800138000,杭州云帆科技有限公司,,,,,\n"  # row 2
        "乙,0086 138 0013 8000,,,,,,\n"  # row 3: phone of row 2
        "丙,,杭州云帆科技股份有限公司,,,,,\n"  # row 4: company of row 2
        "丁,,,boss@yunfan.CN,,,,\n",  # row 5: the rep's customer
    )
    result = run_import(org, path)
    assert (result.batch.imported, result.batch.duplicates) == (1, 3)
    assert set(customers(org)) == {"老客户", "甲"}
    assert report(org, result.batch) == [
        ("3", "手机", "duplicate", "same phone as row 2"),
        ("4", "公司", "duplicate", "same company as row 2"),
        ("5", "邮箱", "duplicate", f"same email as customer {mine.id} (owned by 张伟)"),
    ]
    with org.session() as s:
        audited = s.scalars(select(AuditEvent).where(AuditEvent.kind == "import")).one()
    assert audited.detail["duplicates"] == 3
    assert_invariants(org.engine)


def test_a_row_with_bad_cells_is_imported_without_them_and_each_cell_is_a_warning(
    org: Org, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "broken.csv",
        "甲,13800138000,,,A,,,\n"
        "乙,12,,not-an-email,Z,,,\n"  # row 3
        ",,,,,,,展会\n"  # row 4: nothing says who this is
        "丙,13900139000,,,,,,\n",
    )
    result = run_import(org, path)
    assert (result.batch.rows, result.batch.imported, result.batch.invalid, result.batch.warnings) == (
        4,
        3,
        1,
        1,
    )
    assert (customers(org)["乙"].phone, customers(org)["乙"].email, customers(org)["乙"].grade) == (
        None,
        None,
        None,
    )
    rows = report(org, result.batch)
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("3", "手机", "warning"),
        ("3", "邮箱", "warning"),
        ("3", "等级", "warning"),
        ("4", "姓名", "invalid"),
    ]
    out = io.BytesIO()
    with org.session() as s:
        assert write_report(s, org.admin, result.batch, out) == 4
    written = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    assert written[:2] == [
        ["row", "column", "result", "reason"],
        ["3", "手机", "imported with warnings", '"12" is not a valid phone number'],
    ]
    assert written[-1][2] == "refused"


def test_a_credit_code_that_fails_its_checksum_is_left_out_with_a_warning(org: Org, tmp_path: Path) -> None:
    path = tmp_path / "codes.csv"
    path.write_text("公司,统一社会信用代码\n甲公司,91310000MA1FL0B119\n乙公司,91310000MA1FL0B118\n")
    result = run_import(org, path)
    assert (result.batch.imported, result.batch.invalid, result.batch.warnings) == (2, 0, 1)
    assert report(org, result.batch)[0][:3] == ("3", "统一社会信用代码", "warning")
    assert customers(org)["甲公司"].credit_code == "91310000MA1FL0B119"
    assert customers(org)["乙公司"].credit_code is None


def test_an_excel_file_with_a_merged_title_merged_header_groups_and_blank_rows(
    org: Org, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["2026 春季展会线索"])
    sheet.merge_cells("A1:E1")
    sheet.append(["客户信息", None, "联系方式", None, None])
    sheet.merge_cells("A2:B2")
    sheet.merge_cells("C2:E2")
    sheet.append(["姓名", "公司", "手机", "邮箱", "备注"])
    sheet.append(["张伟", "杭州云帆科技有限公司", 13800138000, "zw@yunfan.cn", "展位 A12"])
    sheet.append([None, None, None, None, None])
    sheet.append([])
    sheet.append(["李娜", "苏州明远机械", "+86 139 0013 9000", None, None])
    path = tmp_path / "fair.xlsx"
    book.save(path)
    result = run_import(org, path)
    assert (result.batch.rows, result.batch.imported, result.batch.invalid) == (2, 2, 0)
    imported = customers(org)
    assert imported["张伟"].phone_e164 == "+8613800138000"
    assert imported["张伟"].custom_fields == {"备注": "展位 A12"}
    assert imported["李娜"].phone_e164 == "+8613900139000"


def test_a_gbk_file_whose_first_characters_are_also_valid_utf8_is_read_as_gbk(
    org: Org, tmp_path: Path
) -> None:
    # 伟 in GBK (CE B0) is also a valid UTF-8 character: a title of three of them proves nothing.
    path = tmp_path / "线索.csv"
    path.write_bytes(("伟伟伟\n" + HEADER + "张伟,13800138000,杭州云帆科技有限公司,,,,,\n").encode("gbk"))
    assert run_import(org, path).batch.imported == 1
    assert customers(org)["张伟"].company == "杭州云帆科技有限公司"


def test_a_file_without_leads_is_refused_and_leaves_no_batch(org: Org, tmp_path: Path) -> None:
    header_only = write_csv(tmp_path / "empty.csv", "")
    empty = tmp_path / "nothing.csv"
    empty.write_bytes(b"")
    blank = tmp_path / "blank.csv"
    blank.write_bytes(b"\r\n\r\n")
    for path, why in ((header_only, "no rows of leads"), (empty, "is empty"), (blank, "has no rows")):
        with pytest.raises(errors.InvalidInput, match=why) as refused:
            run_import(org, path)
        assert refused.value.field == "file"
    assert customers(org) == {}
    with org.session() as session:
        assert session.scalars(select(ImportBatch)).all() == []


def test_importing_the_same_file_again_imports_nothing(org: Org, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.csv", "甲,13800138000,,,,,,\n")
    first = run_import(org, path)
    again = run_import(org, path)
    assert again.already_imported and again.batch.id == first.batch.id
    assert len(customers(org)) == 1
    elsewhere = run_import(org, path, pool=org.east_pool)
    assert not elsewhere.already_imported
    assert (elsewhere.batch.imported, elsewhere.batch.duplicates) == (0, 1)


def test_an_import_killed_half_way_leaves_nothing_and_runs_again_in_full(org: Org, tmp_path: Path) -> None:
    body = "".join(f"客户{n},139{n:08d},,,,,,\n" for n in range(12_000))
    path = write_csv(tmp_path / "big.csv", body)

    def crash(done: int, total: int) -> None:
        if done < total:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_import(org, path, progress=crash)
    with org.session() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == 0
        assert s.scalar(select(func.count()).select_from(ImportBatch)) == 0
        assert s.scalar(select(func.count()).select_from(ImportIssue)) == 0
    assert run_import(org, path).batch.imported == 12_000
    assert_invariants(org.engine)


def test_explicit_mapping_and_the_pools_channel_as_default_source(org: Org, tmp_path: Path) -> None:
    path = tmp_path / "ads.csv"
    path.write_text("客户,号码,渠道\n甲,13800138000,\n乙,13900139000,抖音\n")
    with org.session() as s, s.begin():
        s.get(Pool, org.company_pool.id).source = "百度推广"  # type: ignore[union-attr]
    result = run_import(org, path, mapping={"客户": "name", "号码": "phone"})
    assert result.batch.imported == 2
    assert {n: c.source for n, c in customers(org).items()} == {"甲": "百度推广", "乙": "抖音"}
    with pytest.raises(errors.InvalidInput, match="mapping"):
        run_import(org, path, mapping={"客户": "nickname"})


def test_only_pool_admins_and_admins_import_into_a_pool(org: Org, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.csv", "甲,13800138000,,,,,,\n")
    with pytest.raises(errors.NotFound):
        org.run(import_file, org.outsider, org.east_pool.id, path)
    with pytest.raises(errors.NotFound):
        org.run(import_file, org.west_rep, org.east_pool.id, path)
    for member_or_manager in (org.rep, org.east_manager):
        with pytest.raises(errors.Forbidden):
            org.run(import_file, member_or_manager, org.east_pool.id, path)
    east = PoolInput(
        "East Leads", [], [org.east_manager.department_id or 0], [org.rep.id], reclaim_protection_days=7
    )
    org.run(update_pool, SYSTEM, org.east_pool.id, east)
    assert org.run(import_file, org.rep, org.east_pool.id, path).batch.imported == 1
    again = write_csv(tmp_path / "again.csv", "乙,13900139000,,,,,,\n")
    assert org.run(import_file, org.admin, org.east_pool.id, again).batch.imported == 1


def test_companies_with_close_names_are_imported_and_reported_as_possible_duplicates(
    org: Org, tmp_path: Path
) -> None:
    known = org.run(create_customer, org.rep, CustomerInput(name="王总", company="杭州云帆科技有限公司"))
    path = write_csv(
        tmp_path / "similar.csv",
        "甲,,杭州云帆信息科技有限公司,,,,,\n"  # row 2: close to the rep's customer
        "乙,,苏州明远机械有限公司,,,,,\n"  # row 3
        "丙,,苏州明远机械设备有限公司,,,,,\n"  # row 4: close to row 3
        "丁,,北京海辰咨询有限公司,,,,,\n",
    )
    result = run_import(org, path)
    assert (result.batch.imported, result.batch.possible_duplicates) == (4, 2)
    imported = customers(org)
    assert report(org, result.batch) == [
        ("2", "公司", "possible", f"company name 86% like: customer {known.id} (owned by 张伟)"),
        ("4", "公司", "possible", f"company name 86% like: customer {imported['乙'].id} (Company)"),
    ]


def test_thousands_of_bad_rows_are_all_reported_while_the_good_ones_stream_in(
    org: Org, tmp_path: Path
) -> None:
    body = "".join(f",call-{n},,,,,,\n好{n},139{n:08d},,,,,,\n" for n in range(6_000))
    result = run_import(org, write_csv(tmp_path / "half.csv", body))
    assert (result.batch.rows, result.batch.imported, result.batch.invalid) == (12_000, 6_000, 6_000)
    with org.session() as s:
        refused = select(func.count(ImportIssue.row_number.distinct())).where(
            ImportIssue.kind == IssueKind.INVALID
        )
        assert s.scalar(refused) == 6_000
