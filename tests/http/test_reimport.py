"""Uploading a file again over HTTP: the same file, pool and mapping is the same import (200,
``already_imported``); a corrected mapping is a new one (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from tests.http.conftest import Api, Caller

# CordysCRM's contact columns, which an older HighSeas did not know: the first upload maps 联系人电话
# by hand to the wrong field, the second one corrects it.
FILE = (
    "客户名称,联系人名称,联系人电话\n"
    "杭州云帆科技有限公司,张伟,13800138000\n"
    "苏州明远机械有限公司,李娜,13900139000\n"
)


def upload(caller: Caller, pool_id: int, mapping: str) -> Any:
    files = {"file": ("客户.csv", FILE.encode(), "text/csv")}
    return caller.post(f"/pools/{pool_id}/import", files=files, data={"mapping": mapping})


def test_the_same_upload_twice_is_one_import_and_a_corrected_mapping_another(api: Api) -> None:
    pool = api.org.company_pool.id
    wrong = '{"联系人名称": "name", "联系人电话": "wechat"}'
    right = '{"联系人名称": "name", "联系人电话": "phone"}'
    first = upload(api.admin, pool, wrong)
    assert first.status_code == 201, first.text
    again = upload(api.admin, pool, wrong)
    assert again.status_code == 200 and again.json()["already_imported"] is True
    assert again.json()["id"] == first.json()["id"]
    corrected = upload(api.admin, pool, right)
    assert corrected.status_code == 201, corrected.text
    assert corrected.json()["already_imported"] is False and corrected.json()["id"] != first.json()["id"]
    assert corrected.json()["rows"] == 2
    # Read again, the companies the first upload filed are duplicates now: nobody is filed twice.
    assert corrected.json()["imported"] + corrected.json()["duplicates"] == 2
    once_more = upload(api.admin, pool, right)
    assert once_more.status_code == 200 and once_more.json()["id"] == corrected.json()["id"]
    listed = api.admin.get("/customers", params={"view": "pool", "pool_id": pool}).json()["items"]
    assert sorted(c["company"] for c in listed) == ["杭州云帆科技有限公司", "苏州明远机械有限公司"]
