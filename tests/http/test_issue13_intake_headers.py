"""Issue 13's first list, the bullets about reading the files: each test failed before the readers
and header synonyms of other CRMs were added (an .xls refused, a WukongCRM leads file refused for
its 线索名称, other CRMs' headers silently unrecognised, ``(必填)`` marks kept, notes rows of an
.xls read as the header), and passes now — through the API only, as a person would meet them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.crm_templates import (
    CORDYS_XLSX,
    ODOO_TECHNICAL_CSV,
    WUKONG_CUSTOMERS_XLS,
    WUKONG_LEADS_XLS,
    Template,
)
from tests.http.conftest import Api, Caller


def send(caller: Caller, pool_id: int, template: Template, preview: bool = False, **form: Any) -> Any:
    path = f"/pools/{pool_id}/import" + ("/preview" if preview else "")
    data = {key: json.dumps(value, ensure_ascii=False) for key, value in form.items()}
    return caller.post(
        path, files={"file": (template.file_name, template.data, "application/octet-stream")}, data=data
    )


def fields(api: Api, template: Template) -> dict[str, str | None]:
    preview = send(api.admin, api.org.company_pool.id, template, preview=True)
    assert preview.status_code == 200, preview.text
    return {column["header"]: column["field"] for column in preview.json()["columns"]}


def test_an_xls_download_of_wukongcrm_is_imported_not_refused(api: Api) -> None:
    imported = send(api.admin, api.org.company_pool.id, WUKONG_CUSTOMERS_XLS, mapping={"客户级别": "ignore"})
    assert imported.status_code == 201, imported.text
    assert imported.json()["imported"] == 3


def test_a_wukongcrm_leads_file_is_read_by_its_lead_name(api: Api) -> None:
    imported = send(api.admin, api.org.company_pool.id, WUKONG_LEADS_XLS, mapping={"客户级别": "ignore"})
    assert imported.status_code == 201, imported.text
    assert imported.json()["imported"] == 2


def test_the_title_row_above_an_xls_header_is_not_taken_for_the_header(api: Api) -> None:
    assert "客户导入模板(*)为必填项" not in fields(api, WUKONG_CUSTOMERS_XLS)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("客户行业", "industry"),
        ("客户标签", "tags"),
        ("省", "province"),
        ("市", "city"),
        ("区", "district"),
        ("所在地区", "region"),
        ("联系人名称", "name"),
        ("联系人电话", "phone"),
        ("客户名称(必填)", "company"),
    ],
)
def test_other_crms_headers_are_recognised(api: Api, header: str, field: str) -> None:
    csv = f"{header},公司,电话\n华东,苏州明远机械有限公司,13962101234\n".encode()
    template = Template("csv", "leads.csv", csv, [], 2, [])
    assert fields(api, template)[header] == field


def test_cordys_contact_columns_feed_the_name_and_the_phone(api: Api) -> None:
    found = fields(api, CORDYS_XLSX)
    assert (found["联系人名称"], found["联系人电话"]) == ("name", "phone")


def test_odoo_technical_names_are_recognised(api: Api) -> None:
    found = fields(api, ODOO_TECHNICAL_CSV)
    assert [found[h] for h in ("partner_name", "contact_name", "email_from", "tag_ids")] == [
        "company",
        "name",
        "email",
        "tags",
    ]
    assert found["name"] not in ("name", "company")  # the opportunity's title, not a person
