"""The lead intake pages through an HTTP client: import with its preview, result and report,
batch distribution within capacity, exports without hidden contacts — on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import func, select

from highseas.auth.permissions import SYSTEM
from highseas.customers.models import Customer
from highseas.customers.service import CustomerInput, create_customer
from highseas.intake.importer import import_file
from highseas.org.service import update_user
from highseas.pools.service import PoolInput, create_pool
from tests.web.conftest import Site, Visitor, csrf_of

# Row 3 has a phone that cannot be one (imported without it); row 4 is row 2's phone spelt another
# way; row 5's company comes close to row 2's.
LEADS = (
    "姓名,手机,公司\n"
    "张伟,138 0013 8000,杭州云帆科技有限公司\n"
    "李娜,12,\n"
    "王芳,+86 138-0013-8000,\n"
    "陈静,13900139000,杭州云帆信息科技有限公司\n"
)
_HIDDEN = re.compile(r'name="(token|file_name)" value="([^"]+)"')


def _upload(visitor: Visitor, pool_id: int, content: str = LEADS) -> Any:
    files = {"file": ("展会线索.csv", content.encode(), "text/csv")}
    return visitor.submit("/import", "/import", {"pool": str(pool_id)}, files=files)


def _held(preview_html: str) -> dict[str, str]:
    return dict(_HIDDEN.findall(preview_html))


def _result_link(streamed_html: str) -> str:
    """The result page a streamed import page opens when it is complete."""
    link = re.search(r'<a href="(/imports/\d+)" data-open>', streamed_html)
    assert link, streamed_html
    return link.group(1)


def _csv(response: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def _names_in_pool(site: Site, pool_id: int) -> list[str]:
    with site.org.session() as session:
        query = select(Customer.name).where(Customer.pool_id == pool_id, Customer.owner_id.is_(None))
        return sorted(session.scalars(query.order_by(Customer.id)))


def test_an_admin_previews_a_file_imports_it_and_downloads_the_report(site: Site) -> None:
    admin, pool = site.as_("admin"), site.org.company_pool.id
    preview = _upload(admin, pool)
    assert preview.status_code == 200, preview.text
    assert "Check the columns" in preview.text and "138 0013 8000" in preview.text
    assert '<option value="phone" selected>' in preview.text
    held = _held(preview.text)
    form = {"pool": str(pool), "intent": "import", **held}
    form |= {"header": ["姓名", "手机", "公司"], "field": ["name", "phone", "company"]}
    streamed = admin.client.post("/import/run", data={"csrf_token": csrf_of(preview.text), **form})
    assert streamed.status_code == 200 and "Import finished." in streamed.text
    result = admin.get(_result_link(streamed.text))
    counts = dict(re.findall(r'id="count-(\w+)">(\d+)<', result.text))
    assert counts == {
        "rows": "4",
        "imported": "3",
        "warnings": "1",
        "duplicates": "1",
        "invalid": "0",
        "possible": "1",
    }
    assert "杭州云帆信息科技有限公司" in result.text and "Row 5" in result.text
    assert "<td>imported with warnings</td><td>&#34;12&#34; is not a valid phone number</td>" in result.text
    assert _names_in_pool(site, pool) == ["张伟", "李娜", "陈静"]

    batch_id = re.search(r'href="/imports/(\d+)/report"', result.text)
    assert batch_id
    report = admin.get(f"/imports/{batch_id.group(1)}/report")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    rows = [(r["row"], r["result"]) for r in _csv(report)]
    assert rows == [
        ("3", "imported with warnings"),
        ("4", "duplicate"),
        ("5", "imported, possible duplicate"),
    ]
    in_chinese = admin.get(f"/imports/{batch_id.group(1)}/report", params={"lang": "zh"})
    assert [(r["行号"], r["结果"]) for r in _csv(in_chinese)] == [
        ("3", "已导入（有警告）"),
        ("4", "重复"),
        ("5", "已导入（疑似重复）"),
    ]
    # The held file went with the import: the same form cannot run it twice.
    again = admin.client.post("/import/run", data={"csrf_token": csrf_of(preview.text), **form})
    assert again.status_code == 422 and "expired" in again.text


def test_the_import_page_streams_how_far_the_file_has_been_read(site: Site) -> None:
    admin, pool = site.as_("admin"), site.org.company_pool.id
    rows = "".join(f"客户{i},1380013{i:04d},公司{i}\n" for i in range(12_000))
    preview = _upload(admin, pool, "姓名,手机,公司\n" + rows)
    form = {"pool": str(pool), "intent": "import", **_held(preview.text)}
    streamed = admin.client.post("/import/run", data={"csrf_token": csrf_of(preview.text), **form})
    assert streamed.status_code == 200 and streamed.headers["cache-control"] == "no-store"
    shown = [int(p) for p in re.findall(r'<progress max="100" value="(\d+)">', streamed.text)]
    assert shown and shown == sorted(shown) and all(0 <= p < 100 for p in shown)
    steps = [
        "Read ",
        "File read. Checking for duplicates and saving…",
        "Import finished.",
        "</html>",
    ]
    positions = [streamed.text.find(step) for step in steps]
    assert -1 not in positions and positions == sorted(positions)
    assert 'id="count-imported">12000<' in admin.get(_result_link(streamed.text)).text


def test_a_mapping_that_leaves_no_name_is_refused_on_the_streamed_page_and_keeps_the_file(site: Site) -> None:
    admin, pool = site.as_("admin"), site.org.company_pool.id
    preview = _upload(admin, pool)
    held = _held(preview.text)
    form = {"pool": str(pool), "intent": "import", **held}
    form |= {"header": ["姓名", "公司"], "field": ["ignore", "ignore"]}
    refused = admin.client.post("/import/run", data={"csrf_token": csrf_of(preview.text), **form})
    assert refused.status_code == 200 and 'class="error"' in refused.text
    assert "no column holds a name or a company" in refused.text and "data-open" not in refused.text
    assert _names_in_pool(site, pool) == []
    form = {"pool": str(pool), "intent": "import", **held}
    again = admin.client.post("/import/run", data={"csrf_token": csrf_of(preview.text), **form})
    assert "Import finished." in again.text and _names_in_pool(site, pool) != []


def test_a_file_imported_before_says_so_and_links_the_earlier_result(site: Site) -> None:
    admin, pool = site.as_("admin"), site.org.company_pool.id
    first = _upload(admin, pool)
    form = {"pool": str(pool), "intent": "import", **_held(first.text)}
    done = admin.client.post("/import/run", data={"csrf_token": csrf_of(first.text), **form})
    earlier = _result_link(done.text)
    second = _upload(admin, pool)
    form = {"pool": str(pool), "intent": "import", **_held(second.text)}
    again = admin.client.post("/import/run", data={"csrf_token": csrf_of(second.text), **form})
    assert "imported into this pool before" in again.text
    assert f'<a href="{earlier}">' in again.text and "data-open" not in again.text


def test_a_chosen_field_changes_how_a_column_is_read(site: Site) -> None:
    admin, pool = site.as_("admin"), site.org.company_pool.id
    # Nobody recognises these headers: the page shows them to be mapped, not refuses the file.
    preview = _upload(admin, pool, "客户,号码\n甲,13800138000\n")
    assert preview.status_code == 200 and "No column holds a name or a company yet" in preview.text
    assert re.findall(r'<option value="([a-z_]+)" selected>', preview.text)[-2:] == ["custom", "custom"]
    form = {"pool": str(pool), "intent": "preview", **_held(preview.text)}
    form |= {"header": ["客户", "号码"], "field": ["name", "phone"]}
    again = admin.client.post("/import/run", data={"csrf_token": csrf_of(preview.text), **form})
    assert again.status_code == 200 and "No column holds a name" not in again.text
    assert re.search(r'<option value="phone" selected>', again.text)


def test_a_forged_upload_without_the_csrf_token_is_rejected(site: Site) -> None:
    admin, pool = site.as_("admin"), site.org.company_pool.id
    files = {"file": ("leads.csv", LEADS.encode(), "text/csv")}
    forged = admin.client.post("/import", data={"pool": str(pool)}, files=files)
    assert forged.status_code == 403 and "Form expired" in forged.text
    run = admin.client.post("/import/run", data={"pool": str(pool), "token": "x" * 43})
    assert run.status_code == 403
    assert _names_in_pool(site, pool) == []


def test_a_sales_rep_cannot_reach_the_import_or_distribution_pages(site: Site) -> None:
    rep, pool = site.as_("rep"), site.org.company_pool.id
    assert rep.get("/import").status_code == 403
    assert rep.get("/distribute").status_code == 403
    html = rep.get("/mine").text
    assert 'href="/import"' not in html and 'href="/distribute"' not in html
    assert _upload(rep, pool).status_code == 403
    distribute = rep.submit("/mine", "/distribute", {"pool": str(pool), "count": "1"})
    assert distribute.status_code == 403
    assert _names_in_pool(site, pool) == []


def test_a_pool_admin_who_is_a_rep_may_import_into_their_pool_only(site: Site) -> None:
    org = site.org
    own = org.run(create_pool, SYSTEM, PoolInput("展会线索", [org.rep.id], [], [org.rep.id]))
    rep = site.as_("rep")
    page = rep.get("/import")
    assert page.status_code == 200 and "展会线索" in page.text and "East Leads" not in page.text
    assert _upload(rep, org.east_pool.id).status_code == 403
    assert _upload(rep, own.id).status_code == 200


def _in_pool(site: Site, count: int) -> None:
    org = site.org
    for n in range(count):
        org.run(
            create_customer,
            org.admin,
            CustomerInput(name=f"客户{n}", grade="C"),
            pool_id=org.east_pool.id,
            in_pool=True,
        )


def _capacity(site: Site, persona: str, capacity: int) -> None:
    with site.org.session() as session, session.begin():
        user_id = getattr(site.org, persona).id
        update_user(session, SYSTEM, user_id, {"capacity": capacity})


def _owned(site: Site, persona: str) -> int:
    with site.org.session() as session:
        owner = getattr(site.org, persona).id
        return session.scalar(select(func.count()).where(Customer.owner_id == owner)) or 0


def test_distribution_never_exceeds_capacity_and_the_page_says_so(site: Site) -> None:
    _in_pool(site, 5)
    _capacity(site, "rep", 1)
    _capacity(site, "other_rep", 2)
    manager = site.as_("east_manager")
    form = {
        "pool": str(site.org.east_pool.id),
        "count": "5",
        "strategy": "least_loaded",
        "user_ids": [str(site.org.rep.id), str(site.org.other_rep.id)],
    }
    page = manager.submit("/distribute", "/distribute", form)
    assert page.status_code == 200, page.text
    assert "3 customers distributed" in page.text and "张伟: 1" in page.text and "李娜: 2" in page.text
    assert "2 matching customers stayed in the pool: the chosen users reached their capacity." in page.text
    assert (_owned(site, "rep"), _owned(site, "other_rep")) == (1, 2)
    # Everyone full: nothing is handed out, and the page says who was skipped and why.
    full = manager.submit("/distribute", "/distribute", form)
    assert full.status_code == 200, full.text
    assert "0 customers distributed" in full.text
    assert "张伟: skipped, capacity full" in full.text and "李娜: skipped, capacity full" in full.text
    assert (_owned(site, "rep"), _owned(site, "other_rep")) == (1, 2)


def test_a_manager_may_distribute_only_to_their_own_people(site: Site) -> None:
    _in_pool(site, 1)
    manager = site.as_("east_manager")
    page = manager.get("/distribute")
    assert "张伟" in page.text and "陈静" not in page.text
    form = {"pool": str(site.org.east_pool.id), "count": "1", "user_ids": [str(site.org.west_rep.id)]}
    refused = manager.submit("/distribute", "/distribute", form)
    assert refused.status_code == 404 and _owned(site, "west_rep") == 0


def test_a_rep_exports_their_own_customers_and_not_a_pool(site: Site) -> None:
    org = site.org
    hq = org.admin.department_id
    assert hq is not None
    hidden = org.run(create_pool, SYSTEM, PoolInput("保密公海", [], [hq], [], hide_contact=True))
    org.run(
        create_customer,
        org.admin,
        CustomerInput(name="保密客户", phone="13912345678", email="secret@example.cn"),
        pool_id=hidden.id,
        in_pool=True,
    )
    org.run(create_customer, org.rep, CustomerInput(name="我的客户", phone="13700137000"))
    rep = site.as_("rep")
    # Exporting a pool is for its pool admins and the admins: a member gets no link and a 403.
    assert f'href="/export/pools/{hidden.id}?format=csv"' not in rep.get(f"/pool?pool={hidden.id}").text
    assert rep.get(f"/export/pools/{hidden.id}?format=csv").status_code == 403
    assert rep.get(f"/export/pools/{hidden.id}?format=xlsx").status_code == 403
    assert f'href="/export/users/{org.rep.id}?format=xlsx"' in rep.get("/mine").text
    mine = _csv(rep.get(f"/export/users/{org.rep.id}?format=csv"))
    assert [(r["Name"], r["Phone"]) for r in mine] == [("我的客户", "13700137000")]
    assert rep.get(f"/export/users/{org.other_rep.id}?format=csv").status_code == 404
    admin = site.as_("admin")
    assert f'href="/export/pools/{hidden.id}?format=xlsx"' in admin.get(f"/pool?pool={hidden.id}").text
    admin_rows = _csv(admin.get(f"/export/pools/{hidden.id}?format=csv"))
    assert [r["Phone"] for r in admin_rows] == ["13912345678"]
    sheet = load_workbook(io.BytesIO(admin.get(f"/export/pools/{hidden.id}?format=xlsx").content)).active
    assert sheet is not None
    assert "13912345678" in {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}


def test_a_manager_exports_a_reps_customers_from_the_team_page(site: Site) -> None:
    org = site.org
    org.run(create_customer, org.rep, CustomerInput(name="张伟的客户"))
    manager = site.as_("east_manager", "zh")
    assert f'href="/export/users/{org.rep.id}?format=csv"' in manager.get("/team").text
    rows = _csv(manager.get(f"/export/users/{org.rep.id}?format=csv"))
    assert [(r["姓名"], r["负责人"], r["客户阶段"]) for r in rows] == [("张伟的客户", "张伟", "线索")]
    assert site.as_("west_manager").get(f"/export/users/{org.rep.id}?format=csv").status_code == 404


def test_the_result_page_in_chinese_says_what_became_of_each_row_in_chinese(
    site: Site, tmp_path: Path
) -> None:
    leads = tmp_path / "线索.csv"
    leads.write_text("姓名,手机\n李娜,12\n王芳,13800138000\n", encoding="utf-8")
    result = site.org.run(import_file, site.org.admin, site.org.company_pool.id, leads)
    page = site.as_("admin", language="zh-CN").get(f"/imports/{result.batch.id}")
    assert page.status_code == 200
    assert re.findall(r"<td>([^<]*)</td>", page.text) == [
        "2",
        "手机",
        "已导入（有警告）",
        "“12”不是有效的电话号码",
    ]
    assert "未在此列出的行都已按原样导入。" in page.text
