"""Files from the CRM a company leaves, over the API exactly as downloaded: WukongCRM's .xls and
.xlsx with their title and notes rows, CordysCRM's grade labels for the value map, a mapping
remembered for the same header row."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from highseas.customers.models import Customer
from tests.crm_templates import CORDYS_XLSX, WUKONG_11_XLSX, WUKONG_LEADS_XLS, YUDAO_XLSX, Template
from tests.http.conftest import Api, Caller, error_code


def send(caller: Caller, pool_id: int, template: Template, preview: bool = False, **form: Any) -> Any:
    path = f"/pools/{pool_id}/import" + ("/preview" if preview else "")
    data = {key: json.dumps(value, ensure_ascii=False) for key, value in form.items()}
    return caller.post(
        path, files={"file": (template.file_name, template.data, "application/octet-stream")}, data=data
    )


@pytest.mark.parametrize("template", [WUKONG_LEADS_XLS, WUKONG_11_XLSX], ids=["xls", "xlsx"])
def test_a_wukong_download_previews_and_imports_as_it_is(api: Api, template: Template) -> None:
    pool = api.org.company_pool.id
    preview = send(api.admin, pool, template, preview=True)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert [c["field"] for c in body["columns"]] == template.fields
    assert [r["cells"] for r in body["rows"]] == template.rows
    assert body["rows"][0]["row"] == template.first_row
    imported = send(api.admin, pool, template, mapping={"客户级别": "ignore"})
    assert imported.status_code == 201, imported.text
    assert (imported.json()["rows"], imported.json()["imported"]) == (len(template.rows), len(template.rows))
    with api.org.session() as session:
        companies = set(session.scalars(select(Customer.company)))
    assert companies == {row[0] for row in template.rows}


def test_the_preview_offers_cordys_grade_labels_and_saves_the_value_map_given(api: Api) -> None:
    pool = api.org.company_pool.id
    first = send(api.admin, pool, CORDYS_XLSX, preview=True)
    assert first.json()["values"] == {"grade": {"重要客户": None, "一般客户": None, "战略客户": None}}
    mapped = send(
        api.admin, pool, CORDYS_XLSX, preview=True, value_map={"grade": {"重要客户": "A", "一般客户": "C"}}
    )
    assert mapped.json()["values"] == {"grade": {"重要客户": "A", "一般客户": "C", "战略客户": None}}
    again = send(api.admin, pool, CORDYS_XLSX, preview=True)
    assert again.json()["values"]["grade"]["重要客户"] == "A"


@pytest.mark.parametrize(
    "value_map",
    [
        "not json",
        json.dumps(["A"]),
        json.dumps({"grade": {"重要客户": "S"}}),
        json.dumps({"stage": {"x": "A"}}),
    ],
    ids=["not-json", "a-list", "grade-outside-a-to-e", "unknown-field"],
)
def test_a_bad_value_map_is_a_422_naming_it(api: Api, value_map: str) -> None:
    files = {"file": (CORDYS_XLSX.file_name, CORDYS_XLSX.data, "application/octet-stream")}
    for path in ("/import/preview", "/import"):
        refused = api.admin.post(
            f"/pools/{api.org.company_pool.id}{path}", files=files, data={"value_map": value_map}
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["message"].startswith("value_map: ")


def test_a_rep_may_neither_preview_nor_save_a_value_map(api: Api) -> None:
    refused = send(
        api.rep, api.org.company_pool.id, CORDYS_XLSX, preview=True, value_map={"grade": {"重要客户": "A"}}
    )
    assert error_code(refused) == "forbidden"
    preview = send(api.admin, api.org.company_pool.id, CORDYS_XLSX, preview=True)
    assert preview.json()["values"]["grade"]["重要客户"] is None


def test_a_mapping_given_with_an_import_is_remembered_for_the_next_file_with_that_header(api: Api) -> None:
    before = send(api.admin, api.org.east_pool.id, YUDAO_XLSX, preview=True).json()
    assert before["remembered"] is False
    created = send(api.admin, api.org.company_pool.id, YUDAO_XLSX, mapping={"QQ": "wechat", "微信": "custom"})
    assert created.status_code == 201, created.text
    after = send(api.admin, api.org.east_pool.id, YUDAO_XLSX, preview=True).json()
    assert after["remembered"] is True
    fields = {c["header"]: c["field"] for c in after["columns"]}
    assert (fields["QQ"], fields["微信"], fields["客户名称"]) == ("wechat", "custom", "company")


def test_a_file_without_a_recognised_name_column_previews_with_the_problem_and_refuses_to_import(
    api: Api,
) -> None:
    template = Template("csv", "names.csv", "客户,号码\n甲,13800138000\n".encode(), [], 2, [])
    preview = send(api.admin, api.org.company_pool.id, template, preview=True)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert [c["field"] for c in body["columns"]] == ["custom", "custom"]
    assert body["problem"].startswith("mapping: no column holds a name or a company")
    refused = send(api.admin, api.org.company_pool.id, template)
    assert refused.status_code == 422 and refused.json()["error"]["message"].startswith("mapping: ")
    mapped = send(api.admin, api.org.company_pool.id, template, mapping={"客户": "name", "号码": "phone"})
    assert mapped.status_code == 201 and mapped.json()["imported"] == 1
