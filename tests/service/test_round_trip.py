"""An export read back by an import gives the same customers: the export's own headers are
recognised in both languages (id, stage, pool, owner and the times ignored, the customer fields
read as themselves, custom fields as custom fields), and nothing extra comes back (SQLite and
PostgreSQL)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from highseas.auth.permissions import SYSTEM
from highseas.customers.models import Customer
from highseas.customers.phones import phones_of
from highseas.customers.service import CustomerInput, create_customer, soft_delete
from highseas.intake.export import ExportFormat, export_owned, export_pool
from highseas.intake.export_rows import CustomerSheet
from highseas.intake.importer import import_file, preview_file
from highseas.languages import Lang
from highseas.pools.models import Pool
from highseas.pools.service import PoolInput, create_pool
from tests.conftest import Org

# Leads as a fair, a web form and an earlier CRM left them: custom fields from that CRM's columns.
LEADS = [
    CustomerInput(
        name="张伟",
        company="杭州云帆科技有限公司",
        phone="13800138000",
        phones=["0571-86661234转8001", "13900139001"],
        email="zw@yunfan.com.cn",
        wechat="zhangwei_yf",
        credit_code="91110000600037341L",
        grade="B",
        region="浙江杭州",
        industry="软件",
        source="展会",
        tags=["重点", "华东"],
        custom_fields={"QQ": "12345678", "职务": "采购经理", "备注": "下周回访"},
    ),
    CustomerInput(
        name="李娜",
        company="苏州明远机械有限公司",
        phone="+86 139-0013-9000",
        grade="A",
        region="江苏苏州",
        industry="制造",
        source="官网表单",
        custom_fields={"备注": "名片, 两张"},
    ),
    CustomerInput(name="王芳", phone="0571-88881234", source="转介绍", tags=["老客户"]),
]
FIELDS = ("name", "company", "phone", "email", "wechat", "credit_code", "grade", "region", "industry")


def snapshot(c: Customer, further_phones: list[str]) -> tuple[Any, ...]:
    return (*(getattr(c, f) for f in FIELDS), further_phones, c.source, sorted(c.tags), c.custom_fields)


def pool_customers(org: Org, pool_id: int) -> list[tuple[Any, ...]]:
    with org.session() as s:
        found = s.scalars(
            select(Customer)
            .where(Customer.pool_id == pool_id, Customer.deleted_at.is_(None))
            .order_by(Customer.id)
        )
        return [snapshot(c, phones_of(s, c.id)) for c in found]


def leads_pool(org: Org, name: str = "华东线索", **options: Any) -> Pool:
    everyone = [org.admin.department_id or 0]
    pool = org.run(create_pool, SYSTEM, PoolInput(name, [], everyone, [], **options))
    for lead in LEADS:
        org.run(create_customer, org.admin, lead, pool_id=pool.id, in_pool=True)
    return pool


@pytest.mark.parametrize("lang", list(Lang))
@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_a_pool_exported_and_imported_into_an_empty_pool_comes_back_equal(
    org: Org, tmp_path: Path, lang: Lang, fmt: ExportFormat
) -> None:
    source = leads_pool(org)
    before = pool_customers(org, source.id)
    path = tmp_path / f"export.{fmt}"
    with path.open("wb") as out:
        assert org.run(export_pool, org.admin, source.id, out, fmt, lang) == 3
    preview = preview_file(path)
    ignored = {header for header, field in preview.columns if field == "ignore"}
    assert len(ignored) == 9  # id, stage, pool, owner, won, locked and three times
    # The customers exported leave, so that their phones and emails are no duplicates.
    with org.session() as s:
        ids = s.scalars(select(Customer.id).where(Customer.pool_id == source.id)).all()
    for customer_id in ids:
        org.run(soft_delete, org.admin, customer_id)
    empty = org.run(create_pool, SYSTEM, PoolInput("空公海", [], [], []))
    batch = org.run(import_file, org.admin, empty.id, path).batch
    assert (batch.rows, batch.imported, batch.invalid, batch.duplicates) == (3, 3, 0, 0)
    assert pool_customers(org, empty.id) == before


def test_a_chinese_export_speaks_chinese_in_the_company_time_zone(org: Org, tmp_path: Path) -> None:
    pool = leads_pool(org)
    out = io.BytesIO()
    org.run(export_pool, org.admin, pool.id, out, ExportFormat.CSV, Lang.ZH)
    rows = list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    first = rows[0]
    assert {
        k: first[k] for k in ("姓名", "客户阶段", "标签", "所属公海", "负责人", "已成交", "创建时间")
    } == {
        "姓名": "张伟",
        "客户阶段": "线索",
        "标签": "华东，重点",
        "所属公海": "华东线索",
        "负责人": "",
        "已成交": "否",
        "创建时间": "2026-03-02 09:00",  # the frozen clock, Asia/Shanghai as the company's zone
    }
    assert [(r["QQ"], r["职务"], r["备注"]) for r in rows] == [
        ("12345678", "采购经理", "下周回访"),
        ("", "", "名片, 两张"),
        ("", "", ""),
    ]


def test_an_xlsx_export_has_one_sheet_named_after_what_it_exports(org: Org) -> None:
    pool = leads_pool(org, "East leads: 2026/Q1 [fair]")
    out = io.BytesIO()
    org.run(export_pool, org.admin, pool.id, out, ExportFormat.XLSX, Lang.EN)
    book = load_workbook(io.BytesIO(out.getvalue()), read_only=True)
    assert book.sheetnames == ["Pool East leads  2026 Q1  fair"]
    org.run(create_customer, org.rep, CustomerInput(name="我的客户", phone="13700137000"))
    out = io.BytesIO()
    org.run(export_owned, org.rep, org.rep.id, out, ExportFormat.XLSX, Lang.ZH)
    book = load_workbook(io.BytesIO(out.getvalue()), read_only=True)
    assert book.sheetnames == ["张伟的客户"]
    header = next(book.worksheets[0].iter_rows(values_only=True))
    assert header[:4] == ("编号", "姓名", "公司名称", "电话")


def test_a_viewer_from_whom_a_pool_hides_contacts_gets_only_its_public_custom_fields(org: Org) -> None:
    pool = leads_pool(org, "保密公海", hide_contact=True, public_custom_fields=["职务"])
    org.run(create_customer, org.rep, CustomerInput(name="我的客户", custom_fields={"生日": "5月1日"}))
    with org.session() as s:
        rep = s.get(type(org.rep), org.rep.id)
        assert rep is not None
        member_view = CustomerSheet(
            s, rep, (Customer.pool_id == pool.id) | (Customer.owner_id == rep.id), Lang.ZH
        )
        header = member_view.header()
        rows = list(member_view.rows())
    assert header[-2:] == ["职务", "生日"]  # QQ and 备注 stay hidden, even their names
    assert [row[1:6] + row[-2:] for row in rows] == [
        ["张伟", "杭州云帆科技有限公司", None, None, None, "采购经理", None],
        ["李娜", "苏州明远机械有限公司", None, None, None, None, None],
        ["王芳", None, None, None, None, None, None],
        ["我的客户", None, None, None, None, None, "5月1日"],
    ]
