"""Exports over HTTP (who may export what, in which language, nothing that runs as a formula) and
the import template (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select

from highseas.auth.models import AuditEvent
from highseas.customers.models import Customer
from highseas.intake.template import template_example
from highseas.languages import Lang
from tests.http.conftest import Api, Caller, error_code


def exported(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_a_pool_export_is_for_its_pool_admins_and_admins_and_is_audited(api: Api) -> None:
    hidden = api.admin.post(
        "/pools",
        {
            "name": "保密",
            "member_department_ids": [api.org.rep.department_id],
            "admin_user_ids": [api.org.other_rep.id],
            "hide_contact": True,
        },
    ).json()
    api.admin.post(
        "/customers",
        {"name": "甲", "phone": "13800138000", "email": "a@x.cn", "pool_id": hidden["id"], "in_pool": True},
    )
    assert error_code(api.rep.get(f"/pools/{hidden['id']}/export")) == "forbidden"  # a member
    assert error_code(api.west_rep.get(f"/pools/{hidden['id']}/export")) == "not_found"
    as_pool_admin = exported(api.other_rep.get(f"/pools/{hidden['id']}/export"))
    assert [(r["姓名"], r["电话"], r["邮箱"]) for r in as_pool_admin] == [("甲", "13800138000", "a@x.cn")]
    as_admin = exported(api.admin.get(f"/pools/{hidden['id']}/export", params={"lang": "en"}))
    assert [(r["Name"], r["Phone"], r["Pool"]) for r in as_admin] == [("甲", "13800138000", "保密")]
    with api.org.session() as s:
        exports = s.scalars(select(AuditEvent).where(AuditEvent.kind == "export")).all()
    assert [(e.actor_id, e.detail["rows"]) for e in exports] == [
        (api.org.other_rep.id, 1),
        (api.org.admin.id, 1),
    ]


def test_a_users_customers_export_for_them_and_their_managers_only(api: Api) -> None:
    api.rep.post("/customers", {"name": "我的", "phone": "13900139000"})
    rep = api.org.rep.id
    assert [r["电话"] for r in exported(api.rep.get(f"/users/{rep}/export"))] == ["13900139000"]
    assert [r["负责人"] for r in exported(api.east_manager.get(f"/users/{rep}/export"))] == ["张伟"]
    assert error_code(api.other_rep.get(f"/users/{rep}/export")) == "not_found"
    assert error_code(api.west_manager.get(f"/users/{rep}/export")) == "not_found"
    xlsx = api.rep.get(f"/users/{rep}/export", params={"format": "xlsx", "lang": "en"})
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert book.sheetnames == ["Customers of 张伟"]
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    assert rows[0][:4] == ["ID", "Name", "Company", "Phone"]
    assert rows[1][1:4] == ["我的", None, "13900139000"]


def test_an_export_speaks_the_language_asked_for_or_the_callers_browsers(api: Api) -> None:
    api.rep.post(
        "/customers",
        {
            "name": "王总",
            "phone": "13900139000",
            "tags": ["重点", "华东"],
            "custom_fields": {"职务": "总经理"},
        },
    )
    rep = api.org.rep.id
    browser = Caller(api.client, api.rep.headers | {"Accept-Language": "en-GB,en;q=0.9,zh;q=0.5"})
    english = exported(browser.get(f"/users/{rep}/export"))
    chinese = exported(api.rep.get(f"/users/{rep}/export", params={"lang": "zh"}))
    assert {k: english[0][k] for k in ("Stage", "Tags", "Owner", "Won", "Claimed", "职务")} == {
        "Stage": "Lead",
        "Tags": "华东, 重点",
        "Owner": "张伟",
        "Won": "No",
        "Claimed": "2026-03-02 09:00",  # the company's time, Asia/Shanghai
        "职务": "总经理",
    }
    assert {k: chinese[0][k] for k in ("客户阶段", "标签", "负责人", "已成交", "领取时间", "职务")} == {
        "客户阶段": "线索",
        "标签": "华东，重点",
        "负责人": "张伟",
        "已成交": "否",
        "领取时间": "2026-03-02 09:00",
        "职务": "总经理",
    }
    bad = api.rep.get(f"/users/{rep}/export", params={"lang": "fr"})
    assert bad.status_code == 422 and "lang" in bad.text


def test_exports_never_hand_a_spreadsheet_a_formula_from_a_lead(api: Api) -> None:
    evil = '=HYPERLINK("http://evil.example","点我")'
    api.rep.post("/customers", {"name": evil, "phone": "+86 138-0013-8000", "region": "@华东"})
    rep = api.org.rep.id
    rows = exported(api.rep.get(f"/users/{rep}/export"))
    assert [(r["姓名"], r["电话"], r["地区"]) for r in rows] == [("'" + evil, "+86 138-0013-8000", "'@华东")]
    xlsx = api.rep.get(f"/users/{rep}/export", params={"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert (sheet["B2"].value, sheet["B2"].data_type) == (evil, "s")


def test_the_import_template_imported_unchanged_gives_exactly_its_example(api: Api) -> None:
    pool = api.org.company_pool.id
    for lang, sheets in ((Lang.ZH, ["导入模板", "填写说明"]), (Lang.EN, ["Import template", "Notes"])):
        template = api.admin.get("/imports/template", params={"lang": lang.value})
        assert template.status_code == 200, template.text
        assert template.headers["content-type"].startswith("application/vnd.openxmlformats")
        assert load_workbook(io.BytesIO(template.content), read_only=True).sheetnames == sheets
        upload = {"file": (f"template-{lang}.xlsx", template.content, "application/octet-stream")}
        imported = api.admin.post(f"/pools/{pool}/import", files=upload)
        assert imported.status_code == 201, imported.text
        body = imported.json()
        assert (body["rows"], body["imported"], body["invalid"], body["duplicates"]) == (1, 1, 0, 0)
        example = template_example(lang)
        with api.org.session() as s:
            customer = s.scalars(select(Customer).where(Customer.import_batch_id == body["id"])).one()
            assert {field: getattr(customer, field) for field in example if field != "tags"} == {
                field: value for field, value in example.items() if field != "tags"
            }
            assert customer.tags == sorted(re.split("[,，] ?", example["tags"]))
            assert customer.custom_fields == {}
            # Both examples are the same person: the next language's import must not find this one.
            customer.deleted_at = customer.created_at
            s.commit()
    assert error_code(api.anonymous.get("/imports/template")) == "unauthenticated"
