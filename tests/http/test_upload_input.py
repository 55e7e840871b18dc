"""Lead files over the API: real XLSX bytes import and preview; a file that is not CSV, XLSX, XLS or
ODS in a supported encoding, or too big to be a lead list, is a 422 naming the problem (and its
line), and leaves no import batch behind."""

from __future__ import annotations

import codecs
import io
import zipfile
from typing import Any

import pytest
from sqlalchemy import func, select

from highseas.customers.models import Customer
from highseas.intake.models import ImportBatch
from highseas.intake.sheets import MAX_INFLATE_RATIO, MAX_LINE_CHARS, MAX_XLS_BYTES
from tests.conftest import xlsx_bytes
from tests.http.conftest import Api, Caller, error_code

LEADS = "姓名,手机,公司\n张伟,13800138000,杭州云帆科技有限公司\n李娜,13900139000,\n"


def upload(caller: Caller, pool_id: int, data: bytes, name: str = "线索.csv", preview: bool = False) -> Any:
    path = f"/pools/{pool_id}/import" + ("/preview" if preview else "")
    return caller.post(path, files={"file": (name, data, "application/octet-stream")})


def batches(api: Api) -> int:
    with api.org.session() as session:
        return session.scalar(select(func.count()).select_from(ImportBatch)) or 0


def test_a_real_xlsx_file_previews_and_imports_over_http(api: Api) -> None:
    data = xlsx_bytes(
        [
            ["姓名", "手机", "公司"],
            ["张伟", 13800138000, "杭州云帆科技有限公司"],
            ["李娜", "13900139000", None],
        ]
    )
    pool = api.org.company_pool.id
    preview = upload(api.admin, pool, data, "线索.xlsx", preview=True)
    assert preview.status_code == 200, preview.text
    assert [r["cells"] for r in preview.json()["rows"]] == [
        ["张伟", "13800138000", "杭州云帆科技有限公司"],
        ["李娜", "13900139000", ""],
    ]
    imported = upload(api.admin, pool, data, "线索.xlsx")
    assert imported.status_code == 201, imported.text
    assert (imported.json()["rows"], imported.json()["imported"]) == (2, 2)


def test_utf16_with_a_byte_order_mark_imports_like_utf8(api: Api) -> None:
    little = upload(api.admin, api.org.company_pool.id, codecs.BOM_UTF16_LE + LEADS.encode("utf-16-le"))
    assert little.status_code == 201 and little.json()["imported"] == 2, little.text
    big = upload(api.admin, api.org.east_pool.id, codecs.BOM_UTF16_BE + LEADS.encode("utf-16-be"))
    assert big.status_code == 201 and big.json()["duplicates"] == 2, big.text


def _zip_bomb() -> bytes:
    """A workbook of one row with a member that unpacks to far more than its size (zeros compress
    about 1000:1, XML about 12:1)."""
    out = io.BytesIO(xlsx_bytes([["姓名"], ["张伟"]]))
    with (
        zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/padding.xml", "w") as member,
    ):
        zeros = b"0" * (1 << 20)
        for _ in range(MAX_INFLATE_RATIO // 10):
            member.write(zeros)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "is empty"),
        (b"\r\n \r\n", "has no rows"),
        ("姓名,手机\n".encode(), "no rows of leads"),
        (bytes(range(256)) * 40, "line 1: holds a NUL character"),
        (LEADS.encode("utf-16-le"), "line 1: holds a NUL character"),
        (
            "姓名,公司\n张伟,云帆科技\n李娜,星河".encode() + b"\xff" + "传媒\n".encode(),
            "line 3: a byte that is not UTF-8",
        ),
        (b"name\n\x81\xff\n", "line 2: not text in UTF-8, GBK or UTF-16"),
        (b"name\n" + b"x" * (50 << 20), f"line 2: longer than {MAX_LINE_CHARS} characters"),
        (
            b'name,note\nA,"' + b"long\n" * 40_000 + b'"\n',
            "a cell longer than 131072 characters, or a quote never closed",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "not a readable spreadsheet"),
        (b"PK\x03\x04 not really a zip", "not a readable Excel file"),
    ],
    ids=[
        "empty",
        "blank",
        "header-only",
        "random-bytes",
        "utf16-without-bom",
        "stray-byte",
        "bad-gbk",
        "50mb-field",
        "long-quoted-cell",
        "xls",
        "broken-zip",
    ],
)
def test_an_unreadable_file_is_refused_naming_the_problem_and_leaves_no_batch(
    api: Api, data: bytes, problem: str
) -> None:
    for preview in (True, False):
        refused = upload(api.admin, api.org.company_pool.id, data, preview=preview)
        assert refused.status_code == 422, refused.text
        assert error_code(refused) == "validation_error"
        message = refused.json()["error"]["message"]
        assert message.startswith("file: ") and problem in message, message
    assert batches(api) == 0


def test_an_xlsx_unpacking_to_far_more_than_its_size_is_refused_before_it_is_unpacked(api: Api) -> None:
    refused = upload(api.admin, api.org.company_pool.id, _zip_bomb(), "bomb.xlsx")
    assert refused.status_code == 422, refused.text
    message = refused.json()["error"]["message"]
    assert message.startswith("file: ") and "far more than its size" in message, message
    assert batches(api) == 0


def test_an_xls_past_its_size_limit_is_refused_before_it_is_read(api: Api) -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * MAX_XLS_BYTES
    refused = upload(api.admin, api.org.company_pool.id, data, "客户.xls")
    assert refused.status_code == 422, refused.text
    assert f"more than the {MAX_XLS_BYTES >> 20} MB allowed" in refused.json()["error"]["message"]
    assert batches(api) == 0


def test_values_past_the_tag_and_custom_field_limits_are_left_out_with_a_warning(api: Api) -> None:
    tags = ",".join(f"t{n}" for n in range(60))
    rows = [
        ["姓名", "标签", "备注"],
        ["张伟", "VIP", "老客户"],
        ["李娜", tags, ""],
        ["王芳", "", "长" * 3000],
    ]
    created = upload(api.admin, api.org.company_pool.id, xlsx_bytes(rows), "线索.xlsx")
    assert created.status_code == 201, created.text
    assert (created.json()["imported"], created.json()["invalid"], created.json()["warnings"]) == (3, 0, 2)
    with api.org.session() as session:
        kept = {c.name: (len(c.tags), c.custom_fields) for c in session.scalars(select(Customer))}
    assert kept == {"张伟": (1, {"备注": "老客户"}), "李娜": (50, {}), "王芳": (0, {})}
