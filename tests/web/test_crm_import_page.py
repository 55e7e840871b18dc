"""The import page with the files other CRMs give: every column shown with a choice of field
(unknown ones as custom fields), grade labels mapped in the mapping step, the remembered mapping
said — on SQLite and PostgreSQL, in English and Chinese."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from highseas.intake.mapping import FIELDS
from highseas.intake.models import ImportBatch
from highseas.intake.remembered import value_maps
from tests.crm_templates import CORDYS_XLSX, WUKONG_CUSTOMERS_XLS, Template
from tests.web.conftest import Site, Visitor, csrf_of

_HIDDEN = re.compile(r'name="(token|file_name)" value="([^"]+)"')
_COLUMN = re.compile(
    r'<input type="hidden" name="header" value="([^"]*)">.*?<select[^>]*name="field">(.*?)</select>', re.S
)
_SELECTED = re.compile(r'<option value="([^"]*)" selected>')


def _upload(visitor: Visitor, pool_id: int, template: Template) -> Any:
    files = {"file": (template.file_name, template.data, "application/octet-stream")}
    return visitor.submit("/import", "/import", {"pool": str(pool_id)}, files=files)


def _columns(html: str) -> dict[str, tuple[str, list[str]]]:
    """Each column's header: the field selected and every option offered."""
    found = {}
    for header, options in _COLUMN.findall(html):
        selected = _SELECTED.findall(options)
        found[header] = (selected[0] if selected else "", re.findall(r'<option value="([^"]*)"', options))
    return found


def _run(visitor: Visitor, preview: str, pool_id: int, intent: str, **lists: list[str]) -> Any:
    columns = _columns(preview)
    form: dict[str, Any] = {
        "csrf_token": csrf_of(preview),
        "pool": str(pool_id),
        "intent": intent,
        **dict(_HIDDEN.findall(preview)),
        "header": list(columns),
        "field": [selected for selected, _ in columns.values()],
    }
    return visitor.client.post("/import/run", data=form | lists)


def test_a_wukong_xls_shows_every_column_with_its_field_and_unknown_ones_as_custom_fields(site: Site) -> None:
    admin, pool = site.as_("admin"), site.org.company_pool.id
    preview = _upload(admin, pool, WUKONG_CUSTOMERS_XLS)
    assert preview.status_code == 200, preview.text
    columns = _columns(preview.text)
    assert [selected for selected, _ in columns.values()] == WUKONG_CUSTOMERS_XLS.fields
    assert columns["网址"][1] == [*FIELDS, "custom", "ignore"]
    assert "长沙湘江机电设备有限公司" in preview.text and "客户导入模板" not in preview.text


def test_the_chinese_page_maps_cordys_grades_and_the_import_uses_them(site: Site) -> None:
    admin, pool = site.as_("admin", "zh"), site.org.company_pool.id
    preview = _upload(admin, pool, CORDYS_XLSX)
    assert "原 CRM 的客户等级" in preview.text and "Grades of the CRM" not in preview.text
    assert re.findall(r'name="grade_value" value="([^"]+)"', preview.text) == [
        "重要客户",
        "一般客户",
        "战略客户",
    ]
    grades = {"grade_value": ["重要客户", "一般客户", "战略客户"], "grade_target": ["A", "C", ""]}
    again = _run(admin, preview.text, pool, "preview", **grades)
    assert again.status_code == 200, again.text
    assert '<option value="A" selected>A</option>' in again.text
    with site.org.session() as session:
        assert value_maps(session) == {"grade": {"重要客户": "A", "一般客户": "C"}}
    streamed = _run(admin, again.text, pool, "import", **grades)
    assert "导入完成" in streamed.text, streamed.text
    with site.org.session() as session:
        # The cleaner files each row's grade by the value map (RowCleaner's ``value_maps``).
        assert session.scalars(select(ImportBatch.rows)).all() == [3]
        assert value_maps(session) == {"grade": {"重要客户": "A", "一般客户": "C"}}


def test_a_mapping_chosen_on_the_page_is_remembered_and_said_next_time(site: Site) -> None:
    admin, pool = site.as_("admin"), site.org.company_pool.id
    preview = _upload(admin, pool, WUKONG_CUSTOMERS_XLS)
    form_fields = _columns(preview.text)
    assert "mapped as confirmed for an earlier file" not in preview.text
    columns = {header: selected for header, (selected, _) in form_fields.items()}
    columns |= {"客户级别": "ignore", "网址": "ignore"}
    streamed = admin.client.post(
        "/import/run",
        data={
            "csrf_token": csrf_of(preview.text),
            "pool": str(pool),
            "intent": "import",
            **dict(_HIDDEN.findall(preview.text)),
            "header": list(columns),
            "field": list(columns.values()),
        },
    )
    assert "Import finished." in streamed.text, streamed.text
    later = _upload(admin, site.org.east_pool.id, WUKONG_CUSTOMERS_XLS)
    assert "mapped as confirmed for an earlier file" in later.text
    assert _columns(later.text)["网址"][0] == "ignore"
