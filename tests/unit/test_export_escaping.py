"""Exports never hand a spreadsheet a formula: a lead file comes from strangers, and a cell that
starts with = + - @ (also behind spaces or a line break), a tab or a carriage return would run."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from highseas.intake.export import ExportFormat, write_spreadsheet
from highseas.intake.labels import EXPORT_COLUMNS

HEADER = [column.en for column in EXPORT_COLUMNS]

# (cell as stored, whether a spreadsheet could run it)
CELLS = [
    ("=1+1", True),
    ("+1+1", True),
    ("-1+1", True),
    ("-1-1", True),
    ("@SUM(A1)", True),
    (" =1+1", True),
    ("  +1+1", True),
    ("\n=1+1", True),
    ("\r\n-1+1", True),
    ("\t=1+1", True),
    ("\tplain", True),
    ("\rplain", True),
    ('=HYPERLINK("http://evil.example","点我")', True),
    ("+86 138-0013-8000", False),
    ("+86 (21) 6234 5678", False),
    (" 13800138000", False),
    ("上海华庭", False),
    ("a=1+1", False),
    ("plain text - with a dash", False),
    ("", False),
]


def _one_row_per_cell(fmt: ExportFormat) -> bytes:
    rows = ([value, *[None] * (len(HEADER) - 1)] for value, _ in CELLS)
    out = io.BytesIO()
    assert write_spreadsheet(rows, out, fmt, HEADER) == len(CELLS)
    return out.getvalue()


@pytest.fixture(scope="module")
def csv_cells() -> list[str]:
    text = _one_row_per_cell(ExportFormat.CSV).decode("utf-8-sig")
    return [row[0] for row in list(csv.reader(io.StringIO(text, newline="")))[1:]]


@pytest.fixture(scope="module")
def xlsx_cells() -> list[tuple[object, str, bool]]:
    sheet = load_workbook(io.BytesIO(_one_row_per_cell(ExportFormat.XLSX))).worksheets[0]
    column = next(sheet.iter_cols(min_row=2, max_col=1))
    return [(cell.value, cell.data_type, bool(cell.quotePrefix)) for cell in column]


@pytest.mark.parametrize(("index", "value", "runnable"), [(i, v, r) for i, (v, r) in enumerate(CELLS)])
def test_a_csv_cell_that_a_spreadsheet_could_run_gets_a_leading_apostrophe(
    csv_cells: list[str], index: int, value: str, runnable: bool
) -> None:
    assert csv_cells[index] == ("'" + value if runnable else value)


@pytest.mark.parametrize(("index", "value", "runnable"), [(i, v, r) for i, (v, r) in enumerate(CELLS)])
def test_an_xlsx_cell_that_a_spreadsheet_could_run_is_kept_as_quoted_text(
    xlsx_cells: list[tuple[object, str, bool]], index: int, value: str, runnable: bool
) -> None:
    stored, data_type, quoted = xlsx_cells[index]
    # XML reads every line break back as a line feed.
    assert stored == (value.replace("\r\n", "\n").replace("\r", "\n") or None)
    if value:
        assert (data_type, quoted) == ("s", runnable)
