"""Lead intake over HTTP: multipart import, the report download and distribution (exports:
test_exports.py)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from sqlalchemy import select

from highseas.auth.models import AuditEvent
from tests.conftest import an_import_checking_for_duplicates
from tests.http.conftest import Api, Caller, error_code

LEADS = "姓名,手机,公司,邮箱\n张伟,138 0013 8000,杭州云帆科技有限公司,\n李娜,12,,\n王芳,+86 138-0013-8000,,\n"


def upload(caller: Caller, pool_id: int, content: str | bytes, **form: str) -> Any:
    data = content.encode() if isinstance(content, str) else content
    return caller.post(
        f"/pools/{pool_id}/import", files={"file": ("展会线索.csv", data, "text/csv")}, data=form
    )


def test_a_file_uploaded_into_a_pool_is_imported_once_with_a_report_of_what_was_left_out(api: Api) -> None:
    pool = api.org.company_pool.id
    created = upload(api.admin, pool, LEADS)
    assert created.status_code == 201, created.text
    body = created.json()
    counts = ("rows", "imported", "duplicates", "invalid", "warnings", "already_imported")
    assert {k: body[k] for k in counts} == {
        "rows": 3,
        "imported": 2,
        "duplicates": 1,
        "invalid": 0,
        "warnings": 1,
        "already_imported": False,
    }
    assert body["file_name"] == "展会线索.csv"
    again = upload(api.admin, pool, LEADS)
    assert again.status_code == 200 and again.json()["already_imported"] is True
    assert again.json()["id"] == body["id"]
    report = api.admin.get(body["report_url"].removeprefix("/api/v1"), params={"lang": "en"})
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert rows == [
        ["row", "column", "result", "reason"],
        ["3", "手机", "imported with warnings", '"12" is not a valid phone number'],
        ["4", "手机", "duplicate", "same phone as row 2"],
    ]
    in_chinese = api.admin.get(body["report_url"].removeprefix("/api/v1"), params={"lang": "zh"})
    assert list(csv.reader(io.StringIO(in_chinese.content.decode("utf-8-sig")))) == [
        ["行号", "列", "结果", "原因"],
        ["3", "手机", "已导入（有警告）", "“12”不是有效的电话号码"],
        ["4", "手机", "重复", "与第 2 行电话相同"],
    ]
    assert api.admin.get(f"/imports/{body['id']}").json()["imported"] == 2
    pool_list = api.rep.get("/customers", params={"view": "pool", "pool_id": pool}).json()["items"]
    assert sorted(c["name"] for c in pool_list) == ["张伟", "李娜"]


def administer(api: Api, pool_id: int, user_id: int) -> None:
    response = api.admin.patch(f"/pools/{pool_id}", {"admin_user_ids": [user_id]})
    assert response.status_code == 200, response.text


def test_imports_and_their_reports_are_for_pool_admins_and_their_importer(api: Api) -> None:
    east = api.org.east_pool.id
    assert error_code(upload(api.outsider, east, LEADS)) == "not_found"
    assert error_code(upload(api.west_rep, east, LEADS)) == "not_found"
    assert error_code(upload(api.rep, east, LEADS)) == "forbidden"  # a member, not a pool admin
    administer(api, east, api.org.rep.id)
    mine = upload(api.rep, east, LEADS)
    assert mine.status_code == 201, mine.text
    batch = mine.json()["id"]
    assert api.rep.get(f"/imports/{batch}/report").status_code == 200
    assert error_code(api.other_rep.get(f"/imports/{batch}")) == "not_found"
    assert error_code(api.other_rep.get(f"/imports/{batch}/report")) == "not_found"
    assert api.admin.get(f"/imports/{batch}").status_code == 200


def test_a_mapping_must_be_a_json_object_of_known_fields(api: Api) -> None:
    pool = api.org.company_pool.id
    content = "客户,号码\n甲,13800138000\n"
    for mapping in ("not json", '["客户"]', '{"客户": "nickname"}'):
        response = upload(api.admin, pool, content, mapping=mapping)
        assert response.status_code == 422 and error_code(response) == "validation_error", mapping
    mapped = upload(api.admin, pool, content, mapping='{"客户": "name", "号码": "phone"}')
    assert mapped.status_code == 201 and mapped.json()["imported"] == 1


def test_a_duplicate_in_a_file_says_where_the_customer_is_only_to_whom_may_see_it(api: Api) -> None:
    owned = api.rep.post("/customers", {"name": "原有", "phone": "13800138000", "email": "boss@x.cn"}).json()
    importers = {"admin_user_ids": [api.org.west_rep.id, api.org.east_manager.id]}
    assert api.admin.patch(f"/pools/{api.org.company_pool.id}", importers).status_code == 200
    response = upload(api.west_rep, api.org.company_pool.id, "姓名,手机\n撞单,0086 138 0013 8000\n")
    assert response.json()["duplicates"] == 1
    report = api.west_rep.get(f"/imports/{response.json()['id']}/report?lang=en").content.decode("utf-8-sig")
    assert "same phone as a customer that already exists where you cannot see it" in report
    assert f"customer {owned['id']}" not in report and "boss@x.cn" not in report
    seen = upload(api.east_manager, api.org.company_pool.id, "姓名,邮箱\n撞单,BOSS@x.cn\n")
    report = api.east_manager.get(f"/imports/{seen.json()['id']}/report?lang=en").content.decode("utf-8-sig")
    assert f"same email as customer {owned['id']} (owned by 张伟)" in report
    with api.org.session() as s:
        hits = s.scalars(select(AuditEvent).where(AuditEvent.kind == "dedup_hit").order_by(AuditEvent.id))
        audited = [(e.actor_id, e.detail) for e in hits]
    assert audited == [
        (
            api.org.west_rep.id,
            {
                "batch_id": response.json()["id"],
                "customer_id": owned["id"],
                "key": "phone",
                "visible": False,
                "revealing": True,
            },
        ),
        (
            api.org.east_manager.id,
            {
                "batch_id": seen.json()["id"],
                "customer_id": owned["id"],
                "key": "email",
                "visible": True,
                "revealing": False,
            },
        ),
    ]


def test_a_manager_distributes_pool_customers_to_their_reps(api: Api) -> None:
    east = api.org.east_pool.id
    for n in range(5):
        assert (
            api.admin.post("/customers", {"name": f"线索{n}", "pool_id": east, "in_pool": True}).status_code
            == 201
        )
    reps = [api.org.rep.id, api.org.other_rep.id]
    response = api.east_manager.post(f"/pools/{east}/distribute", {"user_ids": reps, "count": 4})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["requested"], body["matching"], body["distributed"]) == (4, 4, 4)
    assert {k: len(v) for k, v in body["by_user"].items()} == {str(reps[0]): 2, str(reps[1]): 2}
    customer = body["by_user"][str(reps[0])][0]
    assert [e["kind"] for e in api.rep.get(f"/customers/{customer}/events").json()] == ["create", "assign"]
    refused = api.rep.post(f"/pools/{east}/distribute", {"user_ids": [api.org.rep.id], "count": 1})
    assert error_code(refused) == "forbidden"
    bad = api.east_manager.post(f"/pools/{east}/distribute", {"user_ids": reps, "count": 0})
    assert error_code(bad) == "validation_error"


def test_close_company_names_are_possible_duplicates_saying_only_where_they_are(api: Api) -> None:
    mine = api.rep.post(
        "/customers", {"name": "王总", "company": "杭州云帆科技有限公司", "phone": "13800138000"}
    )
    api.rep.post("/customers", {"name": "李总", "company": "北京海辰咨询有限公司"})
    close = {"company": "杭州云帆信息科技有限公司"}
    response = api.east_manager.get("/possible-duplicates", params=close)
    assert response.status_code == 200, response.text
    assert response.json() == [{"customer_id": mine.json()["id"], "where": "owned by 张伟", "score": 86}]
    assert "13800138000" not in response.text
    same = api.east_manager.get("/possible-duplicates", params={"company": "杭州云帆科技股份有限公司"})
    assert same.json() == []
    with api.org.session() as s:
        kinds = s.scalars(select(AuditEvent.kind).where(AuditEvent.actor_id == api.org.east_manager.id)).all()
    assert kinds == ["login", "possible_duplicates"]


def test_possible_duplicates_never_list_a_customer_the_caller_may_not_see(api: Api) -> None:
    api.rep.post("/customers", {"name": "王总", "company": "杭州云帆科技有限公司"})
    response = api.west_rep.get("/possible-duplicates", params={"company": "杭州云帆信息科技有限公司"})
    assert (response.status_code, response.json()) == (200, [])


def test_a_preview_shows_the_columns_the_fields_they_feed_and_the_first_rows(api: Api) -> None:
    content = "2026 春季展会\n\n客户,手机,备注\n甲,13800138000,A12\n乙,13900139000,\n"
    pool = api.org.company_pool.id
    administer(api, pool, api.org.rep.id)
    response = api.rep.post(
        f"/pools/{pool}/import/preview",
        files={"file": ("fair.csv", content.encode("gbk"), "text/csv")},
        data={"mapping": '{"客户": "name"}'},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "columns": [
            {"header": "客户", "field": "name"},
            {"header": "手机", "field": "phone"},
            {"header": "备注", "field": "custom"},
        ],
        "rows": [
            {"row": 4, "cells": ["甲", "13800138000", "A12"]},
            {"row": 5, "cells": ["乙", "13900139000", ""]},
        ],
        "remembered": False,
        "values": {},
        "problem": None,
    }
    assert api.rep.get("/customers", params={"view": "pool"}).json()["items"] == []
    outsider = api.outsider.post(
        f"/pools/{api.org.east_pool.id}/import/preview",
        files={"file": ("f.csv", content.encode(), "text/csv")},
    )
    assert error_code(outsider) == "not_found"


def test_a_create_while_an_import_checks_for_duplicates_is_answered_busy(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = {"name": "导入期间新建", "phone": "13900002222", "pool_id": api.org.company_pool.id}
    with an_import_checking_for_duplicates(api.org.engine, monkeypatch):
        refused = api.rep.post("/customers", body)
    assert refused.status_code == 503 and error_code(refused) == "busy", refused.text
    assert refused.headers["retry-after"] == "60"
    assert "try again" in refused.json()["error"]["message"]
    assert api.rep.post("/customers", body).status_code == 201
