"""Every row of every other CRM's file, imported as that CRM gave it (issue 13): the outcome a
sales-ops person expects of each — imported, imported with a warning (the bad cell left out),
duplicate, or refused — with the company's value map for the grade labels no letter leads
(CordysCRM's 重要客户, Salesforce's Hot). On SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from highseas.customers.models import Customer
from highseas.intake.importer import import_file
from highseas.intake.models import ImportIssue, IssueKind
from highseas.intake.remembered import set_value_map
from tests.conftest import Org
from tests.crm_templates import (
    CORDYS_XLSX,
    SALESFORCE_CSV,
    TEMPLATES,
    WUKONG_CUSTOMERS_XLS,
    YUDAO_XLSX,
    Template,
)

VALUE_MAP = {"重要客户": "A", "战略客户": "A", "一般客户": "C", "Hot": "A", "Warm": "B", "Cold": "D"}


def outcomes(org: Org, template: Template, tmp_path: Path) -> dict[int, str]:
    org.run(set_value_map, org.admin, "grade", VALUE_MAP)
    batch = org.run(import_file, org.admin, org.company_pool.id, template.write(tmp_path)).batch
    first = template.first_row
    found = {number: "imported" for number in range(first, first + batch.rows)}
    worst = {IssueKind.WARNING: "warning", IssueKind.DUPLICATE: "duplicate", IssueKind.INVALID: "refused"}
    with org.session() as s:
        for issue in s.scalars(select(ImportIssue).where(ImportIssue.batch_id == batch.id)):
            if issue.kind in worst and found[issue.row_number] in ("imported", "warning"):
                found[issue.row_number] = worst[issue.kind]
    return found


# US numbers of the 555 range are fictional, and Salesforce's sample (014) has no US area code:
# libphonenumber calls them invalid, so those rows come in with a warning, the number kept aside.
EXPECTED = {
    "WukongCRM customers (.xls download)": {3: "imported", 4: "imported", 5: "imported"},
    "WukongCRM leads (.xls download)": {3: "imported", 4: "imported"},
    "WukongCRM 11 customers (.xlsx with its merged 注意事项 row)": {3: "imported", 4: "imported"},
    "yudao (ruoyi-vue-pro) CRM customer import template": {2: "imported", 3: "imported"},
    "CordysCRM customer export": {2: "imported", 3: "imported", 4: "imported"},
    "Odoo crm.lead export (labels)": {2: "warning", 3: "warning"},
    "Odoo crm.lead export (technical names, CSV)": {2: "warning", 3: "warning"},
    "Salesforce Leads report export": {2: "warning", 3: "warning"},
    # Two contacts of one company: one customer of the pool, the second row its duplicate.
    "HubSpot contacts export": {2: "imported", 3: "duplicate"},
    "销售易 customer export, saved as ODS": {2: "imported"},
}


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.crm for t in TEMPLATES])
def test_every_row_of_another_crms_file_has_the_outcome_a_person_expects(
    org: Org, template: Template, tmp_path: Path
) -> None:
    assert outcomes(org, template, tmp_path) == EXPECTED[template.crm]


def test_the_grade_labels_of_every_crm_become_grades(org: Org, tmp_path: Path) -> None:
    for template in (CORDYS_XLSX, WUKONG_CUSTOMERS_XLS, YUDAO_XLSX, SALESFORCE_CSV):
        outcomes(org, template, tmp_path)
    with org.session() as s:
        grades = {company: grade for company, grade in s.execute(select(Customer.company, Customer.grade))}
    assert grades["广州联创化工有限公司"] == "A"  # CordysCRM 重要客户, through the value map
    assert grades["天津滨海新材料有限公司"] == "A"  # CordysCRM 战略客户
    assert grades["重庆山城物流有限公司"] == "C"  # WukongCRM C（非优先客户）
    assert grades["宁波港城贸易有限公司"] == "C"  # yudao C （普通客户）
    assert (grades["Pyramid Construction Inc."], grades["TNR Corp."]) == ("A", "D")  # Salesforce Hot, Cold


def test_a_number_libphonenumber_refuses_is_kept_aside_under_its_column(org: Org, tmp_path: Path) -> None:
    outcomes(org, SALESFORCE_CSV, tmp_path)
    with org.session() as s:
        kept = [(c.phone, c.custom_fields) for c in s.scalars(select(Customer).order_by(Customer.id))]
    assert kept[1][0] is None
    assert kept[1][1]["Phone"] == "(860) 273-0123" and kept[1][1]["Mobile Phone"] == "(860) 555-0199"
