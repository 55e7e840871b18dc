"""Hidden means hidden on the web pages too: custom fields not marked public, an earlier owner's
notes, and duplicate answers about customers the reader may not see — on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from highseas.auth.permissions import SYSTEM
from highseas.customers.dedup import HIT_LIMIT
from highseas.customers.models import Customer
from highseas.customers.service import CustomerInput, create_customer, log_followup
from highseas.ownership.service import claim, release
from highseas.pools.models import Pool
from highseas.pools.service import PoolInput, create_pool
from tests.web.conftest import Site, Visitor, csrf_of, flashes

PHONE = "13912345678"


def _hidden_customer(site: Site) -> int:
    """A customer of a pool that hides contacts and shows 来源备注, worked earlier by other_rep."""
    org = site.org
    departments = [org.rep.department_id]
    pool = org.run(create_pool, SYSTEM, PoolInput("Hidden", [], departments, [], hide_contact=True))
    with org.session() as session, session.begin():
        session.get_one(Pool, pool.id).public_custom_fields = ["来源备注"]
    fields = {"备用电话": "139 1234 5678", "来源备注": "春季展会"}
    data = CustomerInput(name="隐藏客户", phone=PHONE, custom_fields=fields)
    customer = org.run(create_customer, org.admin, data, pool.id, True)
    org.run(claim, org.other_rep, customer.id)
    org.run(log_followup, org.other_rep, customer.id, "call", f"下周回电 {PHONE}，邮件 wang@yunfan.cn")
    org.run(release, org.other_rep, customer.id, "换号了 +86 139-1234-5678")
    return customer.id


def test_the_customer_page_shows_only_public_custom_fields_and_masks_earlier_notes(site: Site) -> None:
    customer_id = _hidden_customer(site)
    page = site.as_("rep").get(f"/customers/{customer_id}")
    assert page.status_code == 200
    assert "春季展会" in page.text and "备用电话" not in page.text
    assert "下周回电 •••，邮件 •••" in page.text and "换号了 •••" in page.text
    digits = re.sub(r"\D", "", page.text)
    assert "912345678" not in digits and "wang@yunfan.cn" not in page.text
    # An admin sees everything as it was typed.
    shown = site.as_("admin").get(f"/customers/{customer_id}").text
    assert "139 1234 5678" in shown and f"下周回电 {PHONE}" in shown


def _new_customer(visitor: Visitor, data: dict[str, str]) -> Any:
    return visitor.submit("/customers/new", "/customers/new", {"keep": "mine", **data})


def test_a_duplicate_typed_on_the_web_of_a_customer_the_rep_cannot_see_points_nowhere(site: Site) -> None:
    org = site.org
    original = org.run(create_customer, org.rep, CustomerInput(name="张伟的客户", phone=PHONE))
    west = site.as_("west_rep")
    page = _new_customer(west, {"name": "撞单", "phone": "+86 139-1234-5678"})
    assert page.status_code == 400
    assert "This customer already exists, where you cannot see it." in page.text
    assert "colleague" not in page.text and f"/customers/{original.id}" not in page.text
    mine = org.run(create_customer, org.west_rep, CustomerInput(name="西区客户"))
    edit = f"/customers/{mine.id}/edit"
    edited = west.submit(edit, edit, {"name": "西区客户", "phone": PHONE, "stage": "lead"})
    assert edited.status_code == 400 and "where you cannot see it" in edited.text
    # The manager of the rep may see it, and is told where it is.
    seen = _new_customer(site.as_("east_manager"), {"name": "撞单", "phone": PHONE})
    assert "This customer already exists: owned by 张伟." in seen.text


def test_many_duplicate_hits_on_the_web_are_refused_for_a_while(site: Site) -> None:
    org = site.org
    org.run(create_customer, org.rep, CustomerInput(name="张伟的客户", phone=PHONE))
    west = site.as_("west_rep")
    for _ in range(HIT_LIMIT):
        assert "where you cannot see it" in _new_customer(west, {"name": "撞单", "phone": PHONE}).text
    refused = _new_customer(west, {"name": "新客户", "phone": "13700001111"})
    assert refused.status_code == 400
    assert "Too many duplicate checks hit customers you cannot fully see" in refused.text
    assert 'value="新客户"' in refused.text


def test_the_import_result_lists_possible_duplicates_only_among_customers_the_reader_sees(site: Site) -> None:
    org = site.org
    org.run(create_customer, org.rep, CustomerInput(name="王总", company="杭州云帆科技有限公司"))
    pool = org.run(create_pool, SYSTEM, PoolInput("West Leads", [org.west_rep.id], [], [org.west_rep.id]))
    west = site.as_("west_rep")
    content = "姓名,公司\n陈静,杭州云帆信息科技有限公司\n"
    files = {"file": ("线索.csv", content.encode(), "text/csv")}
    preview = west.submit("/import", "/import", {"pool": str(pool.id)}, files=files)
    held = dict(re.findall(r'name="(token|file_name)" value="([^"]+)"', preview.text))
    form = {"pool": str(pool.id), "intent": "import", **held}
    streamed = west.client.post("/import/run", data={"csrf_token": csrf_of(preview.text), **form})
    link = re.search(r'<a href="(/imports/\d+)" data-open>', streamed.text)
    assert link, streamed.text
    result = west.get(link.group(1))
    assert 'id="count-possible">0<' in result.text
    assert "None: no imported company name comes close" in result.text
    assert "杭州云帆科技有限公司" not in result.text and "colleague" not in result.text
    report = west.get(f"{link.group(1)}/report").content.decode("utf-8-sig")
    assert report.strip().splitlines() == ["row,column,result,reason"]


def test_an_admin_marks_custom_fields_public_on_the_pool_form(site: Site) -> None:
    admin, pool = site.as_("admin"), site.org.company_pool
    form_page = f"/admin/pools/{pool.id}"
    data = {"name": pool.name, "public_custom_fields": "来源备注， 行业 ,", "hide_contact": "yes"}
    saved = admin.submit(form_page, form_page, data | {"member_department_ids": []})
    assert ("success", "Pool saved.") in flashes(saved.text)
    with site.org.session() as session:
        assert session.get_one(Pool, pool.id).public_custom_fields == ["来源备注", "行业"]
        assert session.scalar(select(Customer.id)) is None
    assert 'value="来源备注, 行业"' in admin.get(form_page).text
