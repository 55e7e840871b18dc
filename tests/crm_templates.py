"""Lead files in the exact shapes other CRMs give a company that leaves them: their header rows,
notes rows and option labels, as their public code writes them (the sources are named in
``highseas.intake.headers``). Each template says which field every column should feed.

The WukongCRM .xls downloads are committed under ``tests/fixtures`` (``make_xls.py`` writes them);
the others are built here with openpyxl or as CSV text.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from tests.fixtures.make_xls import WUKONG_CUSTOMERS, WUKONG_LEADS

FIXTURES = Path(__file__).parent / "fixtures"
WUKONG_NOTES = (
    "注意事项：\n1、表头标“*”的红色字体为必填项\n2、手机：支持11位手机号\n"
    "3、客户级别：A（重点客户）、B（普通客户）、C（非优先客户）\n4、请勿修改表头"
)


@dataclass(frozen=True)
class Template:
    """A CRM's file: its bytes, the fields its columns feed (in order), its first data row in the
    file and its data rows' cells as read."""

    crm: str
    file_name: str
    data: bytes
    fields: list[str]
    first_row: int
    rows: list[list[str]]

    def write(self, directory: Path) -> Path:
        path = directory / self.file_name
        path.write_bytes(self.data)
        return path


def xlsx(rows: list[list[Any]], merged: tuple[str, ...] = ()) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    for cells in merged:
        sheet.merge_cells(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ods(rows: list[list[str]]) -> bytes:
    """An OpenDocument spreadsheet as LibreOffice writes its smallest one."""
    cells = "".join(
        "<table:table-row>"
        + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{cell}</text:p></table:table-cell>'
            for cell in row
        )
        + "</table:table-row>"
        for row in rows
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="客户">{cells}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return out.getvalue()


WUKONG_CUSTOMERS_XLS = Template(
    "WukongCRM customers (.xls download)",
    "customer_import.xls",
    (FIXTURES / "wukong_customers.xls").read_bytes(),
    ["company", "grade", "industry", "source", "phone", "phone", "custom", "custom", "custom", "custom"],
    3,
    WUKONG_CUSTOMERS[2],  # the rows of make_xls.py's (title, header, rows), as written into the file
)

WUKONG_LEADS_XLS = Template(
    "WukongCRM leads (.xls download)",
    "leads_import.xls",
    (FIXTURES / "wukong_leads.xls").read_bytes(),
    ["company", "source", "phone", "phone", "industry", "grade", "custom", "custom", "custom"],
    3,
    WUKONG_LEADS[2],
)

_WUKONG_11_HEADER = [
    "*客户名称",
    "客户级别",
    "客户行业",
    "客户来源",
    "手机",
    "电话",
    "所在地区",
    "详细地址",
    "客户标签",
    "备注",
]
_WUKONG_11_ROWS = [
    [
        "武汉光谷生物科技有限公司",
        "A（重点客户）",
        "生物医药",
        "展会",
        "13871001234",
        "027-87651234",
        "湖北省武汉市洪山区",
        "光谷大道 77 号",
        "重点,华中",
        "",
    ],
    ["成都天府软件有限公司", "", "软件", "官网", "13908001234", "", "四川省成都市高新区", "", "", "老客户"],
]
WUKONG_11_XLSX = Template(
    "WukongCRM 11 customers (.xlsx with its merged 注意事项 row)",
    "客户导入模板.xlsx",
    xlsx([[WUKONG_NOTES], _WUKONG_11_HEADER, *_WUKONG_11_ROWS], merged=("A1:J1",)),
    ["company", "grade", "industry", "source", "phone", "phone", "region", "custom", "tags", "custom"],
    3,
    _WUKONG_11_ROWS,
)

_YUDAO_HEADER = [
    "客户名称",
    "手机",
    "电话",
    "QQ",
    "微信",
    "邮箱",
    "地区",
    "详细地址",
    "所属行业",
    "客户等级",
    "客户来源",
    "备注",
]
_YUDAO_ROWS = [
    [
        "苏州工业园区明远机械有限公司",
        "13962101234",
        "0512-62581234",
        "12345678",
        "mingyuan_js",
        "sales@mingyuan.cn",
        "江苏省/苏州市/工业园区",
        "星湖街 328 号",
        "制造业",
        "A （重点客户）",
        "线上咨询",
        "",
    ],
    [
        "宁波港城贸易有限公司",
        "13805741234",
        "",
        "",
        "",
        "",
        "浙江省/宁波市/鄞州区",
        "",
        "贸易",
        "C （普通客户）",
        "预约上门",
        "过年后联系",
    ],
]
YUDAO_XLSX = Template(
    "yudao (ruoyi-vue-pro) CRM customer import template",
    "客户导入模板.xlsx",
    xlsx([_YUDAO_HEADER, *_YUDAO_ROWS]),
    [
        "company",
        "phone",
        "phone",
        "custom",
        "wechat",
        "email",
        "region",
        "custom",
        "industry",
        "grade",
        "source",
        "custom",
    ],
    2,
    _YUDAO_ROWS,
)

_CORDYS_HEADER = [
    "客户名称",
    "负责人",
    "客户等级",
    "标签",
    "区域",
    "行业",
    "联系人名称",
    "联系人电话",
    "创建时间",
]
_CORDYS_ROWS = [
    [
        "广州联创化工有限公司",
        "张伟",
        "重要客户",
        "[重点，华南]",
        "广东省广州市",
        "化工",
        "林晓",
        "13926001234",
        "2026-11-02 09:30:00",
    ],
    [
        "厦门鹭岛文旅有限公司",
        "李娜",
        "一般客户",
        "",
        "福建省厦门市",
        "文旅",
        "陈敏",
        "13906001234",
        "2026-11-03 14:00:00",
    ],
    [
        "天津滨海新材料有限公司",
        "张伟",
        "战略客户",
        "[华北]",
        "天津市",
        "材料",
        "王强",
        "13802001234",
        "2026-11-04 10:15:00",
    ],
]
CORDYS_XLSX = Template(
    "CordysCRM customer export",
    "客户.xlsx",
    xlsx([_CORDYS_HEADER, *_CORDYS_ROWS]),
    ["company", "custom", "grade", "tags", "region", "industry", "name", "phone", "custom"],
    2,
    _CORDYS_ROWS,
)

_ODOO_LABELS = [
    "Opportunity",
    "Customer",
    "Contact Name",
    "Email",
    "Phone",
    "Mobile",
    "Street",
    "City",
    "State",
    "Country",
    "Tags",
    "Salesperson",
    "Source",
]
_ODOO_ROWS = [
    [
        "Office Design Project",
        "Azure Interior",
        "Brandon Freeman",
        "brandon.freeman55@example.com",
        "+1 555-123-4567",
        "",
        "4557 De Silva St",
        "Fremont",
        "California (US)",
        "United States",
        "Product,Consulting",
        "Mitchell Admin",
        "Newsletter",
    ],
    [
        "Quote for 12 Tables",
        "Deco Addict",
        "Addison Olson",
        "addison.olson28@example.com",
        "",
        "+1 555-987-6543",
        "77 Santa Barbara Rd",
        "Pleasant Hill",
        "California (US)",
        "United States",
        "",
        "Marc Demo",
        "Search engine",
    ],
]
ODOO_LABELS_XLSX = Template(
    "Odoo crm.lead export (labels)",
    "crm.lead.xlsx",
    xlsx([_ODOO_LABELS, *_ODOO_ROWS]),
    [
        "custom",
        "company",
        "name",
        "email",
        "phone",
        "phone",
        "custom",
        "city",
        "province",
        "custom",
        "tags",
        "custom",
        "source",
    ],
    2,
    _ODOO_ROWS,
)

_ODOO_TECHNICAL = [
    "name",
    "partner_name",
    "contact_name",
    "email_from",
    "phone",
    "mobile",
    "city",
    "country_id",
    "tag_ids",
    "source_id",
]
_ODOO_TECHNICAL_ROWS = [
    [row[0], row[1], row[2], row[3], row[4], row[5], row[7], row[9], row[10], row[12]] for row in _ODOO_ROWS
]
ODOO_TECHNICAL_CSV = Template(
    "Odoo crm.lead export (technical names, CSV)",
    "crm.lead.csv",
    (
        ",".join(_ODOO_TECHNICAL)
        + "\n"
        + "".join(",".join(f'"{cell}"' for cell in row) + "\n" for row in _ODOO_TECHNICAL_ROWS)
    ).encode(),
    ["custom", "company", "name", "email", "phone", "phone", "city", "custom", "tags", "source"],
    2,
    _ODOO_TECHNICAL_ROWS,
)

_SALESFORCE_HEADER = [
    "First Name",
    "Last Name",
    "Title",
    "Company",
    "Phone",
    "Mobile Phone",
    "Email",
    "Lead Source",
    "Industry",
    "Rating",
    "Street",
    "City",
    "State/Province",
    "Lead Status",
]
_SALESFORCE_ROWS = [
    [
        "Sarah",
        "Loehr",
        "CFO",
        "Pyramid Construction Inc.",
        "(014) 427-4427",
        "",
        "sarah@pyramid.example",
        "Phone Inquiry",
        "Construction",
        "Hot",
        "2 Place Jussieu",
        "Paris",
        "",
        "Open - Not Contacted",
    ],
    [
        "Kathy",
        "Snyder",
        "Regional General Manager",
        "TNR Corp.",
        "(860) 273-0123",
        "(860) 555-0199",
        "ksynder@tnr.example",
        "Purchased List",
        "Technology",
        "Cold",
        "",
        "Hartford",
        "CT",
        "Working - Contacted",
    ],
]
SALESFORCE_CSV = Template(
    "Salesforce Leads report export",
    "report1701234567890.csv",
    (
        ",".join(f'"{h}"' for h in _SALESFORCE_HEADER)
        + "\n"
        + "".join(",".join(f'"{cell}"' for cell in row) + "\n" for row in _SALESFORCE_ROWS)
    ).encode(),
    [
        "first_name",
        "last_name",
        "custom",
        "company",
        "phone",
        "phone",
        "email",
        "source",
        "industry",
        "grade",
        "custom",
        "city",
        "province",
        "custom",
    ],
    2,
    _SALESFORCE_ROWS,
)

_HUBSPOT_HEADER = [
    "Record ID",
    "First Name",
    "Last Name",
    "Email",
    "Phone Number",
    "Mobile Phone Number",
    "Company Name",
    "Industry",
    "Lead Status",
    "City",
    "State/Region",
    "Contact owner",
]
_HUBSPOT_ROWS = [
    [
        "51",
        "Maria",
        "Johnson",
        "emailmaria@hubspot.com",
        "+1 617-555-0101",
        "",
        "HubSpot",
        "COMPUTER_SOFTWARE",
        "NEW",
        "Cambridge",
        "MA",
        "",
    ],
    [
        "101",
        "Brian",
        "Halligan",
        "bh@hubspot.com",
        "",
        "+1 617-555-0102",
        "HubSpot Inc.",
        "",
        "OPEN",
        "Cambridge",
        "MA",
        "Dharmesh Shah",
    ],
]
HUBSPOT_XLSX = Template(
    "HubSpot contacts export",
    "hubspot-crm-exports-all-contacts-2026-12-04.xlsx",
    xlsx([_HUBSPOT_HEADER, *_HUBSPOT_ROWS]),
    [
        "custom",
        "first_name",
        "last_name",
        "email",
        "phone",
        "phone",
        "company",
        "industry",
        "custom",
        "city",
        "province",
        "custom",
    ],
    2,
    _HUBSPOT_ROWS,
)

_XIAOSHOUYI_HEADER = [
    "客户名称",
    "客户级别",
    "行业",
    "省份",
    "城市",
    "区县",
    "电话",
    "邮箱",
    "网址",
    "负责人",
]
_XIAOSHOUYI_ROWS = [
    [
        "合肥科大讯联信息技术有限公司",
        "A",
        "信息技术",
        "安徽省",
        "合肥市",
        "蜀山区",
        "0551-65331234",
        "info@kdxl.example",
        "www.kdxl.example",
        "赵经理",
    ],
]
XIAOSHOUYI_ODS = Template(
    "销售易 customer export, saved as ODS",
    "客户.ods",
    ods([_XIAOSHOUYI_HEADER, *_XIAOSHOUYI_ROWS]),
    ["company", "grade", "industry", "province", "city", "district", "phone", "email", "custom", "custom"],
    2,
    _XIAOSHOUYI_ROWS,
)

TEMPLATES = (
    WUKONG_CUSTOMERS_XLS,
    WUKONG_LEADS_XLS,
    WUKONG_11_XLSX,
    YUDAO_XLSX,
    CORDYS_XLSX,
    ODOO_LABELS_XLSX,
    ODOO_TECHNICAL_CSV,
    SALESFORCE_CSV,
    HUBSPOT_XLSX,
    XIAOSHOUYI_ODS,
)
