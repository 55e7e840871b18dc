"""The import template people download, fill in and upload: one XLSX file per language.

Its first sheet has the headers of our own customer fields (the export's, which an import
recognises) and one example row; the second sheet says what each column takes. Imported as it
is, the template gives exactly the example customer.
"""

from __future__ import annotations

from typing import IO

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from highseas.intake.labels import EXPORT_COLUMNS, IGNORED, sheet_name
from highseas.languages import Lang

TEMPLATE_COLUMNS = tuple(column for column in EXPORT_COLUMNS if column.imported_as != IGNORED)

EXAMPLE = {
    Lang.ZH: {
        "name": "张伟",
        "company": "杭州云帆科技有限公司",
        "phone": "13800138000",
        "email": "zhangwei@yunfan.com.cn",
        "wechat": "zhangwei_yf",
        "credit_code": "91110000600037341L",
        "grade": "B",
        "region": "浙江杭州",
        "industry": "软件",
        "source": "展会",
        "tags": "重点，华东",
    },
    Lang.EN: {
        "name": "Zhang Wei",
        "company": "Hangzhou Yunfan Technology Co., Ltd.",
        "phone": "+86 138 0013 8000",
        "email": "zhangwei@yunfan.com.cn",
        "wechat": "zhangwei_yf",
        "credit_code": "91110000600037341L",
        "grade": "B",
        "region": "Zhejiang Hangzhou",
        "industry": "Software",
        "source": "Trade fair",
        "tags": "key account, East China",
    },
}

NOTES = {
    "name": ("联系人姓名。姓名和公司名称至少填一个。", "The contact's name. A name or a company is needed."),
    "company": ("公司全称，用于查重。", "The company's full name, used to find duplicates."),
    "phone": (
        "手机或座机，可带区号、分机（0571-88881234-8001）；用于查重。",
        "A mobile or landline, with area code and extension if any; used to find duplicates.",
    ),
    "email": ("电子邮箱，用于查重。", "Email address, used to find duplicates."),
    "wechat": ("微信号。", "WeChat ID."),
    "credit_code": (
        "18 位统一社会信用代码，用于查重。",
        "The 18-character unified social credit code, used to find duplicates.",
    ),
    "grade": ("客户等级：A、B、C、D 或 E。", "Grade: A, B, C, D or E."),
    "region": ("省市，如 浙江杭州。", "Province and city."),
    "industry": ("所属行业。", "The industry."),
    "source": (
        "线索来源；不填则用公海的默认来源。",
        "Where the lead came from; empty: the pool's default source.",
    ),
    "tags": ("多个标签用逗号分隔。", "Several tags separated by commas."),
}
EXTRA_NOTE = (
    "其他列按列名保存为自定义字段。",
    "Any other column is kept as a custom field named after its header.",
)
SHEETS = {Lang.ZH: ("导入模板", "填写说明"), Lang.EN: ("Import template", "Notes")}
NOTES_HEADER = {Lang.ZH: ("列名", "说明", "示例"), Lang.EN: ("Column", "What it takes", "Example")}
FILE_NAMES = {Lang.ZH: "客户导入模板.xlsx", Lang.EN: "customer-import-template.xlsx"}


def template_file_name(lang: Lang) -> str:
    return FILE_NAMES[lang]


def template_header(lang: Lang) -> list[str]:
    return [column.label(lang) for column in TEMPLATE_COLUMNS]


def template_example(lang: Lang) -> dict[str, str]:
    """The example customer, by field: what importing the template unchanged gives."""
    return dict(EXAMPLE[lang])


def write_template(out: IO[bytes], lang: Lang) -> None:
    book = Workbook()
    leads = book.active
    assert leads is not None  # a new workbook has its one sheet
    leads.title = sheet_name(SHEETS[lang][0])
    leads.append(template_header(lang))
    leads.append([EXAMPLE[lang][column.key] for column in TEMPLATE_COLUMNS])
    for cell in leads[1]:
        cell.font = Font(bold=True)
    for position, column in enumerate(TEMPLATE_COLUMNS, start=1):
        leads.column_dimensions[get_column_letter(position)].width = max(
            12, 2 * len(EXAMPLE[lang][column.key])
        )
    notes = book.create_sheet(sheet_name(SHEETS[lang][1]))
    notes.append(list(NOTES_HEADER[lang]))
    for column in TEMPLATE_COLUMNS:
        zh, en = NOTES[column.key]
        notes.append([column.label(lang), zh if lang is Lang.ZH else en, EXAMPLE[lang][column.key]])
    notes.append(["…", EXTRA_NOTE[0] if lang is Lang.ZH else EXTRA_NOTE[1], ""])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    notes.column_dimensions["B"].width = 60
    book.save(out)
