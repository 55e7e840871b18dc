"""Downloads from the pages in the page's language: the exports (headers, values and the sheet's
name) and the import template linked from the import page (SQLite and PostgreSQL)."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from highseas.auth.permissions import SYSTEM
from highseas.customers.service import CustomerInput, create_customer
from highseas.pools.service import PoolInput, create_pool
from tests.web.conftest import Site


def test_the_import_page_links_the_template_in_the_pages_language(site: Site) -> None:
    for language, sheets, header in (
        ("zh", ["导入模板", "填写说明"], ("姓名", "公司名称", "电话")),
        ("en", ["Import template", "Notes"], ("Name", "Company", "Phone")),
    ):
        admin = site.as_("admin", language)
        assert 'href="/import/template"' in admin.get("/import").text
        template = admin.get("/import/template")
        assert template.status_code == 200
        book = load_workbook(io.BytesIO(template.content), read_only=True)
        assert book.sheetnames == sheets
        assert next(book.worksheets[0].iter_rows(values_only=True))[:3] == header


def test_a_pool_exported_from_the_chinese_pages_is_a_sheet_named_after_the_pool(site: Site) -> None:
    org = site.org
    hq = org.admin.department_id
    assert hq is not None
    pool = org.run(create_pool, SYSTEM, PoolInput("华东线索", [], [hq], []))
    lead = CustomerInput(name="刘洋", phone="13812345678", tags=["展会"], custom_fields={"职务": "厂长"})
    org.run(create_customer, org.admin, lead, pool_id=pool.id, in_pool=True)
    xlsx = site.as_("admin", "zh").get(f"/export/pools/{pool.id}?format=xlsx")
    book = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert book.sheetnames == ["公海 华东线索"]
    header, row = list(book.worksheets[0].iter_rows(values_only=True))
    assert dict(zip(header, row, strict=True)) | {"编号": None} == {
        "编号": None,
        "姓名": "刘洋",
        "公司名称": None,
        "电话": "13812345678",
        "邮箱": None,
        "微信": None,
        "统一社会信用代码": None,
        "客户等级": None,
        "客户阶段": "线索",
        "地区": None,
        "行业": None,
        "来源": None,
        "标签": "展会",
        "所属公海": "华东线索",
        "负责人": None,
        "已成交": "否",
        "已锁定": "否",
        "创建时间": "2026-03-02 09:00",
        "领取时间": None,
        "最后跟进时间": None,
        "职务": "厂长",
    }
