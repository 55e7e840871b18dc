"""The streaming XLSX reader reads what openpyxl reads, on the XML Excel itself writes: shared
strings (rich text, phonetic guides), date styles, booleans, numbers, gaps between cells and rows."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from highseas import errors
from highseas.intake.sheets import cell_text, read_streamed
from tests.crm_templates import TEMPLATES, Template

_MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_RELS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_PACKAGE = 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

SHARED = (
    f'<sst {_MAIN} count="5" uniqueCount="5">'
    "<si><t>客户名称</t></si><si><t>下次联系时间</t></si><si><t>电话</t></si>"
    '<si><r><rPr><b/></rPr><t>广州联创</t></r><r><t xml:space="preserve">化工有限公司</t></r>'
    '<rPh sb="0" eb="2"><t>コウシュウ</t></rPh></si>'
    "<si><t>A &amp; B 贸易</t></si></sst>"
)
STYLES = (
    f'<styleSheet {_MAIN}><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy/m/d h:mm"/></numFmts>'
    '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="2"/></cellXfs>'
    "</styleSheet>"
)
SHEET = (
    f'<worksheet {_MAIN} {_RELS}><dimension ref="A1:D5"/><sheetData>'
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>'
    '<c r="D1" t="inlineStr"><is><t>已成交</t></is></c></row>'
    '<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2" s="2"><v>46000.5</v></c>'
    '<c r="C2"><v>13800138000</v></c>'
    '<c r="D2" t="b"><v>1</v></c></row>'
    '<row r="3"><c r="A3" t="s"><v>4</v></c><c r="C3" s="3"><v>1.5</v></c>'
    '<c r="D3" t="str"><f>A3</f><v>A &amp; B 贸易</v></c></row>'
    '<row r="5"><c r="B5" s="1"><v>46001</v></c><c r="D5" t="e"><v>#N/A</v></c></row>'
    "</sheetData></worksheet>"
)
WORKBOOK = (
    f'<workbook {_MAIN} {_RELS}><sheets><sheet name="客户" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f"<Relationships {_PACKAGE}>"
    f'<Relationship Id="rId1" Type="{_TYPE}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_TYPE}/sharedStrings" Target="/xl/sharedStrings.xml"/>'
    f'<Relationship Id="rId3" Type="{_TYPE}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
CONTENT_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    f'<Relationships {_PACKAGE}><Relationship Id="rId1" Type="{_TYPE}/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)


def excel_written(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/sharedStrings.xml", SHARED),
            ("xl/styles.xml", STYLES),
            ("xl/worksheets/sheet1.xml", SHEET),
        ):
            archive.writestr(name, text)
    return path


def as_openpyxl_reads(path: Path) -> list[tuple[int, list[str]]]:
    book = load_workbook(path, read_only=True, data_only=True)
    rows = []
    for row in book.worksheets[0].iter_rows():
        # Gaps in a row are EmptyCells, which have no row number.
        number = next((cell.row for cell in row if hasattr(cell, "row")), None)
        if number is not None:
            rows.append((number, [cell_text(cell.value) for cell in row]))
    book.close()
    return rows


def stripped(rows: list[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
    """Rows without trailing empty cells or empty rows (readers differ in how they pad them)."""
    kept = []
    for number, cells in rows:
        width = len(cells)
        while width and not cells[width - 1]:
            width -= 1
        if width:
            kept.append((number, cells[:width]))
    return kept


@pytest.mark.filterwarnings("ignore:Workbook contains no default style")
def test_an_excel_written_sheet_reads_as_openpyxl_reads_it(tmp_path: Path) -> None:
    path = excel_written(tmp_path / "客户.xlsx")
    sheet = read_streamed(path)
    streamed = list(sheet.rows)
    assert stripped(streamed) == stripped(as_openpyxl_reads(path))
    assert stripped(streamed) == [
        (1, ["客户名称", "下次联系时间", "电话", "已成交"]),
        (2, ["广州联创化工有限公司", "2025-12-09T12:00:00", "13800138000", "True"]),
        (3, ["A & B 贸易", "", "1.5", "A & B 贸易"]),
        (5, ["", "2025-12-10T00:00:00", "", "#N/A"]),
    ]
    assert sheet.total == 5


@pytest.mark.parametrize(
    "template", [t for t in TEMPLATES if t.file_name.endswith(".xlsx")], ids=lambda t: t.file_name
)
def test_other_crms_xlsx_files_stream_as_openpyxl_reads_them(template: Template, tmp_path: Path) -> None:
    path = template.write(tmp_path)
    assert stripped(list(read_streamed(path).rows)) == stripped(as_openpyxl_reads(path))


def test_a_workbook_without_its_parts_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", WORKBOOK)
    with pytest.raises(errors.InvalidInput) as refused:
        read_streamed(path)
    assert refused.value.field == "file"
