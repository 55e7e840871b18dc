"""Reading spreadsheets (XLSX, XLS, ODS) as numbered rows of text, whatever program wrote them.

Two readers, chosen by what the file costs in memory (``bench/read_xlsx.py``; docs/benchmarks.md,
"Reading XLSX: calamine and openpyxl"):

- python-calamine reads XLS, ODS and every XLSX that fits in memory, ten to twenty times faster
  than openpyxl, but it decodes the whole sheet before the first row: about 1.6 bytes of memory
  per byte of the unpacked workbook (some 1.2 GB for a million leads).
- :mod:`.xlsx_stream` streams a larger XLSX's XML in flat memory, about twice as fast as
  openpyxl's read-only mode (which builds an object per cell).

An XLS file (Excel 97–2003, WukongCRM's default download) holds at most 65,536 rows, so its size
is checked before calamine reads it whole.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import ParseError

from python_calamine import CalamineError, CalamineWorkbook

from highseas import errors
from highseas.intake import xlsx_stream

MAX_LINE_CHARS = 100_000
"""Characters in one row of a sheet: a lead is far shorter."""
MAX_XLSX_INFLATED = 1 << 30
"""Bytes an XLSX or ODS file may unpack to: its zip directory says how many before anything is
unpacked, and reading never goes past what it says. A million leads of twelve columns unpack to
about 730 MB."""
MAX_INFLATE_RATIO = 200
"""How many times its packed size one member of the zip may unpack to: XML packs about twelve to
one, a zip bomb a thousand to one."""
CALAMINE_INFLATED = 64 << 20
"""Unpacked bytes up to which an XLSX is read whole by calamine (about 100 MB of sheet in memory,
some 85,000 leads of twelve columns); a larger one streams (:func:`read_streamed`), so that an
import stays under 300 MB at a million rows."""
MAX_XLS_BYTES = 64 << 20
"""Bytes of an XLS file, read whole: 65,536 rows of leads take far less."""

Numbered = Iterator[tuple[int, list[str]]]


@dataclass
class Sheet:
    """The first sheet's rows as ``(row number in the file, cells)``; ``total`` rows, ``done()``
    how many were read so far (for the progress bar); ``merged``: by row number, the spans of
    columns merged into one cell (first, last), for the header row only to spread."""

    rows: Numbered
    total: int
    done: Callable[[], int]
    merged: dict[int, list[tuple[int, int]]] = field(default_factory=dict)


def _unreadable(exc: BaseException) -> errors.InvalidInput:
    return errors.InvalidInput("file", f"not a readable spreadsheet ({type(exc).__name__}: {exc})"[:300])


def cell_text(value: object) -> str:
    """Spreadsheet values as a person reads them: 13800138000, not 13800138000.0 or 1.38E+10."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value).strip()


def _texts(number: int, values: Iterable[object]) -> list[str]:
    cells = [cell_text(v) for v in values]
    if sum(map(len, cells)) > MAX_LINE_CHARS:
        raise errors.InvalidInput("file", f"row {number}: longer than {MAX_LINE_CHARS} characters")
    return cells


def inflated_size(file: IO[bytes]) -> tuple[int, bool]:
    """The bytes the zip unpacks to, from the sizes its central directory declares, and whether
    it is an OpenDocument spreadsheet; a zip bomb is refused before any of it is unpacked
    (:mod:`zipfile` never reads a member past its declared size)."""
    try:
        archive = zipfile.ZipFile(file)
        members = archive.infolist()
        is_ods = "mimetype" in archive.namelist() and b"opendocument.spreadsheet" in archive.read("mimetype")
    except (zipfile.BadZipFile, OSError, ValueError, KeyError) as exc:
        raise errors.InvalidInput("file", f"not a readable Excel file ({exc})") from None
    declared = sum(member.file_size for member in members)
    bomb = any(m.file_size > (1 << 20) and m.file_size > MAX_INFLATE_RATIO * m.compress_size for m in members)
    if declared > MAX_XLSX_INFLATED or bomb:
        raise errors.InvalidInput(
            "file",
            f"this spreadsheet unpacks to {declared >> 20} MB, more than the {MAX_XLSX_INFLATED >> 20} MB "
            "allowed or far more than its size; split it or save it as CSV",
        )
    file.seek(0)
    return declared, is_ods


def read_with_calamine(path: Path) -> Sheet:
    """Any of XLSX, XLS and ODS, read whole into memory by calamine (see the module's note)."""
    try:
        book = CalamineWorkbook.from_path(str(path))
        sheet = book.get_sheet_by_index(0)
        start_row, start_column = sheet.start or (0, 0)
        merged = sheet.merged_cell_ranges or []
        values = sheet.iter_rows()
    except CalamineError as exc:
        raise _unreadable(exc) from None
    except Exception as exc:  # the binding raises its own types and panics for a damaged file
        raise _unreadable(exc) from None
    spans: dict[int, list[tuple[int, int]]] = {}
    for (top, left), (bottom, right) in merged:
        if top == bottom and right > left:
            spans.setdefault(top + 1, []).append((left - start_column, right - start_column))
    done = 0

    def numbered() -> Numbered:
        nonlocal done
        try:
            for index, row in enumerate(values):
                done = index + 1
                yield start_row + index + 1, _texts(start_row + index + 1, row)
        finally:
            book.close()

    return Sheet(numbered(), sheet.height, lambda: done, spans)


def read_streamed(path: Path) -> Sheet:
    """An XLSX streamed row by row in flat memory (:mod:`.xlsx_stream`)."""
    try:
        archive, sheet_path, shared, dates = xlsx_stream.open_sheet(path)
        total = xlsx_stream.row_count(archive, sheet_path)
        file = archive.open(sheet_path)
    except (KeyError, IndexError, ValueError, zipfile.BadZipFile, ParseError) as exc:
        raise errors.InvalidInput("file", f"not a readable Excel file ({type(exc).__name__})") from None
    done = 0

    def numbered() -> Numbered:
        nonlocal done
        try:
            for number, values in xlsx_stream.rows(file, shared, dates):
                done = number
                yield number, _texts(number, values)
        except (KeyError, IndexError, ValueError, zipfile.BadZipFile, ParseError, EOFError) as exc:
            why = f"row {done + 1}: not readable ({type(exc).__name__})"
            raise errors.InvalidInput("file", why) from None
        finally:
            file.close()
            archive.close()

    return Sheet(numbered(), total, lambda: done)


def read_zipped(path: Path) -> Sheet:
    """An XLSX or ODS file, by the reader its unpacked size allows."""
    with path.open("rb") as file:
        declared, is_ods = inflated_size(file)
    if declared <= CALAMINE_INFLATED:
        return read_with_calamine(path)
    if is_ods:
        # Only calamine reads ODS, and only whole.
        raise errors.InvalidInput(
            "file",
            f"this ODS file unpacks to {declared >> 20} MB, more than the {CALAMINE_INFLATED >> 20} MB "
            "an ODS file may; save it as XLSX or CSV",
        )
    return read_streamed(path)


def read_xls(path: Path) -> Sheet:
    """An Excel 97–2003 file (an OLE2 compound document), read whole by calamine."""
    size = path.stat().st_size
    if size > MAX_XLS_BYTES:
        raise errors.InvalidInput(
            "file", f"this .xls file has {size >> 20} MB, more than the {MAX_XLS_BYTES >> 20} MB allowed"
        )
    return read_with_calamine(path)
