"""What hiding contact details masks in free text and keeps of custom fields."""

from __future__ import annotations

import pytest

from highseas.customers.hiding import mask_contacts, public_custom_fields


@pytest.mark.parametrize(
    ("note", "masked"),
    [
        ("call back on 138 0013 8000 tomorrow", "call back on ••• tomorrow"),
        ("请拨13800138000联系王总", "请拨•••联系王总"),
        ("座机 010-6552-9988 或 +86 139-1234-5678", "座机 ••• 或 •••"),
        ("资料发 Wang.Zong+crm@yun-fan.com.cn 即可", "资料发 ••• 即可"),
        ("mail a.b@x.cn, 0086 13800138000", "mail •••, •••"),
        # Amounts, dates and order numbers are no contact: they stay readable.
        ("报价 12800 元，2026-12-04 签约，订单 20261204", "报价 12800 元，2026-12-04 签约，订单 20261204"),
        ("", ""),
    ],
)
def test_phones_and_emails_in_a_note_are_masked_and_nothing_else(note: str, masked: str) -> None:
    assert mask_contacts(note) == masked


def test_only_the_public_custom_fields_are_kept() -> None:
    fields = {"备用电话": "13800138000", "来源备注": "展会", "QQ": "12345"}
    assert public_custom_fields(fields, ["来源备注", "不存在"]) == {"来源备注": "展会"}
    assert public_custom_fields(fields, []) == {}
