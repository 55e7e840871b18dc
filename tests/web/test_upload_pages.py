"""The import page with real XLSX bytes, and with files it cannot read: refused on the form, naming
the problem, the pool still chosen, nothing kept and no batch — on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from highseas.customers.models import Customer
from highseas.intake.models import ImportBatch
from tests.conftest import xlsx_bytes
from tests.web.conftest import Site, csrf_of

_HIDDEN = re.compile(r'name="(token|file_name)" value="([^"]+)"')


def test_an_xlsx_file_is_previewed_and_imported_on_the_import_page(site: Site) -> None:
    admin, pool = site.as_("admin"), site.org.company_pool.id
    data = xlsx_bytes([["姓名", "手机", "公司"], ["张伟", 13800138000, "杭州云帆科技有限公司"]])
    files = {"file": ("线索.xlsx", data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
    preview = admin.submit("/import", "/import", {"pool": str(pool)}, files=files)
    assert preview.status_code == 200, preview.text
    assert "Check the columns" in preview.text and "13800138000" in preview.text
    form = {"pool": str(pool), "intent": "import", **dict(_HIDDEN.findall(preview.text))}
    streamed = admin.client.post("/import/run", data={"csrf_token": csrf_of(preview.text), **form})
    assert "Import finished." in streamed.text
    with site.org.session() as session:
        assert session.scalars(select(Customer.name)).all() == ["张伟"]


def test_a_file_that_is_not_a_lead_list_is_refused_on_the_form_and_leaves_no_batch(site: Site) -> None:
    admin, pool = site.as_("admin"), site.org.company_pool.id
    for data, problem in ((b"", "is empty"), (bytes(range(256)) * 4, "NUL character")):
        files = {"file": ("线索.csv", data, "text/csv")}
        refused = admin.submit("/import", "/import", {"pool": str(pool)}, files=files)
        assert refused.status_code == 422 and problem in refused.text, refused.text
        assert f'<option value="{pool}" selected' in refused.text
        assert "Check the columns" not in refused.text
    with site.org.session() as session:
        assert session.scalar(select(func.count()).select_from(ImportBatch)) == 0
