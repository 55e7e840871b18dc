"""The files a company brings from the CRM it leaves, read as they are (issue 13): WukongCRM's .xls
downloads with their merged title row and ``(*)`` marks, its .xlsx template with the merged
注意事项 row, yudao's, CordysCRM's, Odoo's (labels and technical names), Salesforce's, HubSpot's
and 销售易's; a mapping confirmed once remembered for the same header row; the company's grade
value map — on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from highseas import errors
from highseas.auth.models import AuditEvent
from highseas.customers.models import Customer
from highseas.intake import sheets
from highseas.intake.importer import ImportResult, import_file, preview_file, preview_import
from highseas.intake.models import ImportValueMap, RememberedMapping
from highseas.intake.remembered import set_value_map, value_maps
from highseas.pools.service import pool_input, update_pool
from tests.conftest import Org
from tests.crm_templates import (
    CORDYS_XLSX,
    ODOO_LABELS_XLSX,
    ODOO_TECHNICAL_CSV,
    SALESFORCE_CSV,
    TEMPLATES,
    WUKONG_11_XLSX,
    WUKONG_CUSTOMERS_XLS,
    WUKONG_LEADS_XLS,
    XIAOSHOUYI_ODS,
    YUDAO_XLSX,
    Template,
)


def run_import(org: Org, path: Path, **kwargs: object) -> ImportResult:
    return org.run(import_file, org.admin, org.company_pool.id, path, **kwargs)


def customers(org: Org) -> dict[str, Customer]:
    with org.session() as s:
        return {c.company or c.name: c for c in s.scalars(select(Customer))}


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.file_name for t in TEMPLATES])
def test_each_crms_file_finds_its_header_and_maps_every_column(template: Template, tmp_path: Path) -> None:
    preview = preview_file(template.write(tmp_path))
    assert [field for _, field in preview.columns] == template.fields
    assert preview.rows[0][0] == template.first_row
    assert [cells for _, cells in preview.rows] == template.rows


@pytest.mark.parametrize("template", [WUKONG_11_XLSX, YUDAO_XLSX], ids=["wukong", "yudao"])
def test_a_large_xlsx_streamed_row_by_row_reads_as_calamine_reads_it(
    template: Template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = template.write(tmp_path)
    whole = preview_file(path)
    monkeypatch.setattr(sheets, "CALAMINE_INFLATED", 0)
    streamed = preview_file(path)
    assert (streamed.columns, streamed.rows) == (whole.columns, whole.rows)


def test_a_wukong_xls_download_imports_every_company_with_its_industry_source_and_other_columns(
    org: Org, tmp_path: Path
) -> None:
    # Its grade labels are the value map's and the leading letter's to read; ignored here.
    result = run_import(org, WUKONG_CUSTOMERS_XLS.write(tmp_path), mapping={"客户级别": "ignore"})
    assert (result.batch.rows, result.batch.imported, result.batch.invalid) == (3, 3, 0)
    imported = customers(org)
    changsha = imported["长沙湘江机电设备有限公司"]
    assert (changsha.industry, changsha.source) == ("制造业", "促销活动")
    assert changsha.custom_fields == {
        "网址": "www.xjjd.cn",
        "下次联系时间": "2026-12-10 10:00:00",
        "备注": "展会认识",
        "详细地址": "湖南省长沙市岳麓区麓谷大道 1 号",
    }
    assert imported["重庆山城物流有限公司"].phone_e164 == "+8613883001234"


def test_a_wukong_leads_file_takes_the_lead_name_as_the_company(org: Org, tmp_path: Path) -> None:
    result = run_import(org, WUKONG_LEADS_XLS.write(tmp_path), mapping={"客户级别": "ignore"})
    assert (result.batch.rows, result.batch.imported) == (2, 2)
    imported = customers(org)
    assert imported["杭州西溪茶业有限公司"].company == "杭州西溪茶业有限公司"
    assert imported["杭州西溪茶业有限公司"].source == "广告"
    assert imported["深圳前海云帆科技有限公司"].industry == "互联网"


def test_a_cordys_export_feeds_its_contact_columns_to_the_name_and_the_phone_dedup(
    org: Org, tmp_path: Path
) -> None:
    path = CORDYS_XLSX.write(tmp_path)
    result = run_import(org, path, mapping={"客户等级": "ignore"})
    assert result.batch.imported == 3
    imported = customers(org)
    assert imported["广州联创化工有限公司"].name == "林晓"
    assert imported["广州联创化工有限公司"].phone_e164 == "+8613926001234"
    # Its contact phones are dedup keys: the same file into another pool imports nothing again.
    second = org.run(import_file, org.admin, org.east_pool.id, path, mapping={"客户等级": "ignore"})
    assert (second.batch.imported, second.batch.duplicates) == (0, 3)


def test_odoo_exports_keep_the_opportunity_title_apart_from_the_contact(org: Org, tmp_path: Path) -> None:
    labels = run_import(org, ODOO_LABELS_XLSX.write(tmp_path))
    assert labels.batch.imported == 2
    azure = customers(org)["Azure Interior"]
    assert (azure.name, azure.email) == ("Brandon Freeman", "brandon.freeman55@example.com")
    assert azure.custom_fields["Opportunity"] == "Office Design Project"
    assert azure.tags == ["Consulting", "Product"]
    technical = org.run(import_file, org.admin, org.east_pool.id, ODOO_TECHNICAL_CSV.write(tmp_path))
    assert (technical.batch.imported, technical.batch.duplicates) == (0, 2)  # the same emails and phones


def test_notes_rows_and_required_marks_of_the_wukong_xlsx_template_are_not_columns(
    org: Org, tmp_path: Path
) -> None:
    result = run_import(org, WUKONG_11_XLSX.write(tmp_path), mapping={"客户级别": "ignore"})
    assert (result.batch.rows, result.batch.imported) == (2, 2)
    wuhan = customers(org)["武汉光谷生物科技有限公司"]
    assert (wuhan.region, wuhan.industry, wuhan.tags) == ("湖北省武汉市洪山区", "生物医药", ["华中", "重点"])
    assert wuhan.custom_fields == {"详细地址": "光谷大道 77 号"}


def test_an_ods_file_imports_like_any_spreadsheet(org: Org, tmp_path: Path) -> None:
    result = run_import(org, XIAOSHOUYI_ODS.write(tmp_path))
    assert (result.batch.rows, result.batch.imported) == (1, 1)
    assert customers(org)["合肥科大讯联信息技术有限公司"].grade == "A"


def _remembered(org: Org) -> list[RememberedMapping]:
    with org.session() as s:
        return list(s.scalars(select(RememberedMapping)))


def test_a_mapping_confirmed_once_is_remembered_for_the_next_file_with_the_same_header(
    org: Org, tmp_path: Path
) -> None:
    path = YUDAO_XLSX.write(tmp_path)
    before = org.run(preview_import, org.admin, org.company_pool.id, path)
    assert not before.remembered and dict(before.columns)["QQ"] == "custom"
    run_import(org, path, mapping={"QQ": "wechat", "备注": "ignore"})
    [remembered] = _remembered(org)
    assert remembered.mapping["QQ"] == "wechat" and remembered.updated_by_id == org.admin.id
    # Next month's file, same header: read the same way without being told.
    later = tmp_path / "later.xlsx"
    later.write_bytes(YUDAO_XLSX.data)
    preview = org.run(preview_import, org.admin, org.east_pool.id, later)
    assert preview.remembered
    assert dict(preview.columns)["QQ"] == "wechat" and dict(preview.columns)["备注"] == "ignore"
    # An explicit choice still wins, column by column.
    chosen = org.run(preview_import, org.admin, org.east_pool.id, later, {"QQ": "custom"})
    assert dict(chosen.columns)["QQ"] == "custom" and dict(chosen.columns)["备注"] == "ignore"
    with org.session() as s:
        saved = s.scalars(select(AuditEvent).where(AuditEvent.kind == "import_mapping_saved")).all()
    assert [(e.actor_id, e.detail["mapping"]["QQ"]) for e in saved] == [(org.admin.id, "wechat")]


def test_a_file_whose_header_differs_gets_no_remembered_mapping(org: Org, tmp_path: Path) -> None:
    run_import(org, YUDAO_XLSX.write(tmp_path), mapping={"QQ": "wechat"})
    preview = org.run(preview_import, org.admin, org.company_pool.id, CORDYS_XLSX.write(tmp_path))
    assert not preview.remembered


def test_the_preview_lists_grade_labels_for_the_value_map_and_the_import_applies_it(
    org: Org, tmp_path: Path
) -> None:
    path = CORDYS_XLSX.write(tmp_path)
    preview = org.run(preview_import, org.admin, org.company_pool.id, path)
    assert preview.values == {"grade": {"重要客户": None, "一般客户": None, "战略客户": None}}
    mapped = org.run(
        preview_import,
        org.admin,
        org.company_pool.id,
        path,
        None,
        {"grade": {"重要客户": "A", "战略客户": "a"}},
    )
    assert mapped.values == {"grade": {"重要客户": "A", "一般客户": None, "战略客户": "A"}}
    with org.session() as s:
        assert value_maps(s) == {"grade": {"重要客户": "A", "战略客户": "A"}}
        changes = s.scalars(select(AuditEvent.detail).where(AuditEvent.kind == "import_value_map")).all()
    assert changes == [
        {
            "field": "grade",
            "changes": {"重要客户": {"from": None, "to": "A"}, "战略客户": {"from": None, "to": "A"}},
        }
    ]


def test_an_empty_target_forgets_a_value_and_a_grade_outside_a_to_e_is_refused(org: Org) -> None:
    org.run(set_value_map, org.admin, "grade", {"重要客户": "A", "一般客户": "C"})
    org.run(set_value_map, org.admin, "grade", {"一般客户": ""})
    with org.session() as s:
        assert value_maps(s) == {"grade": {"重要客户": "A"}}
    with pytest.raises(errors.InvalidInput) as refused:
        org.run(set_value_map, org.admin, "grade", {"重要客户": "S"})
    assert refused.value.field == "value_map"
    with pytest.raises(errors.InvalidInput):
        org.run(set_value_map, org.admin, "stage", {"商机": "lead"})


def test_value_maps_are_for_admins_and_pool_admins_of_any_pool(org: Org) -> None:
    with pytest.raises(errors.Forbidden):
        org.run(set_value_map, org.rep, "grade", {"重要客户": "A"})
    with org.session() as s:
        east = replace(pool_input(s, org.east_pool), admin_user_ids=[org.rep.id])
    org.run(update_pool, org.admin, org.east_pool.id, east)
    org.run(set_value_map, org.rep, "grade", {"重要客户": "B"})
    with org.session() as s:
        [row] = s.scalars(select(ImportValueMap)).all()
    assert (row.source_value, row.target_value, row.updated_by_id) == ("重要客户", "B", org.rep.id)


def test_salesforce_ratings_are_offered_for_the_value_map(tmp_path: Path) -> None:
    preview = preview_file(SALESFORCE_CSV.write(tmp_path))
    assert preview.values == {"grade": {"Hot": None, "Cold": None}}
