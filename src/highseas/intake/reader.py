"""Reading CSV and XLSX files as a stream of rows, whatever program or person wrote them.

Nothing here holds more than a row (and the CSV decoder's buffer) in memory: a file of a million
leads reads in the same memory as a file of ten.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from openpyxl import load_workbook

from highseas import errors

CHUNK = 1 << 16
HEADER_SEARCH_ROWS = 20
"""Title rows above the header ("2026 春季展会线索", merged across the sheet) are skipped; the
header is looked for among this many first rows."""
_XLSX_MAGIC = b"PK\x03\x04"
_DELIMITERS = (",", "\t", ";")


@dataclass
class Table:
    """A file's header and its data rows as ``(row number in the file, cells)``."""

    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    size: int  # bytes for CSV, rows for XLSX: what ``position`` counts towards
    position: Callable[[], int]


def _encoding(path: Path) -> str:
    """UTF-8 (with or without a BOM) when the whole file decodes as such, else GB18030.

    Excel on a Chinese Windows saves "CSV" as GBK, of which GB18030 is a superset; a UTF-8 file
    is only trusted after every byte of it decoded, since a GBK file can open with valid UTF-8.
    """
    with path.open("rb") as file:
        head = file.read(len(codecs.BOM_UTF8))
        if head == codecs.BOM_UTF8:
            return "utf-8-sig"
        decoder = codecs.getincrementaldecoder("utf-8")()
        chunk = head
        try:
            while chunk:
                decoder.decode(chunk)
                chunk = file.read(CHUNK)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8"


class _CountingReader(io.RawIOBase):
    """A binary file that remembers how many bytes were read through it (for the progress bar)."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file
        self.count = 0

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.file.close()
        super().close()

    def readinto(self, buffer: Any) -> int:
        data = self.file.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        return len(data)


def _blank(cells: list[str]) -> bool:
    return not any(cell.strip() for cell in cells)


def _find_header(
    numbered: Iterator[tuple[int, list[str]]], is_header: Callable[[list[str]], bool]
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The first row that ``is_header`` recognises (or else the first non-blank one) and the rest."""
    seen: list[tuple[int, list[str]]] = []
    for number, cells in numbered:
        if _blank(cells):
            continue
        seen.append((number, cells))
        if is_header(cells):
            return cells, numbered
        if len(seen) >= HEADER_SEARCH_ROWS:
            break
    if not seen:
        return [], iter(())
    header = seen[0][1]
    return header, _chain(seen[1:], numbered)


def _chain(
    first: list[tuple[int, list[str]]], rest: Iterator[tuple[int, list[str]]]
) -> Iterator[tuple[int, list[str]]]:
    yield from first
    yield from rest


def _non_blank(rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    return (row for row in rows if not _blank(row[1]))


def _read_csv(path: Path, is_header: Callable[[list[str]], bool]) -> Table:
    encoding = _encoding(path)
    raw = path.open("rb")
    counter = _CountingReader(raw)
    text = io.TextIOWrapper(io.BufferedReader(counter, CHUNK), encoding=encoding, newline="")
    first_line = text.readline()
    delimiter = max(_DELIMITERS, key=first_line.count)
    reader = csv.reader(_chain_text(first_line, text), delimiter=delimiter)

    def numbered() -> Iterator[tuple[int, list[str]]]:
        try:
            for cells in reader:
                yield reader.line_num, cells
        finally:
            text.close()

    header, rows = _find_header(numbered(), is_header)
    return Table(header, _non_blank(rows), path.stat().st_size, lambda: counter.count)


def _chain_text(first_line: str, rest: IO[str]) -> Iterator[str]:
    if first_line:
        yield first_line
    yield from rest


def _cell_text(value: object) -> str:
    """Spreadsheet values as a person reads them: 13800138000, not 13800138000.0 or 1.38E+10."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _read_xlsx(path: Path, is_header: Callable[[list[str]], bool]) -> Table:
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises a zoo of types for a damaged file
        raise errors.InvalidInput("file", f"not a readable Excel file ({type(exc).__name__})") from exc
    sheet = book.worksheets[0]
    done = 0

    def numbered() -> Iterator[tuple[int, list[str]]]:
        nonlocal done
        try:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                done = number
                yield number, [_cell_text(v) for v in values]
        finally:
            book.close()

    header, rows = _find_header(numbered(), is_header)
    return Table(header, _non_blank(rows), sheet.max_row or 0, lambda: done)


def read_table(path: Path, is_header: Callable[[list[str]], bool]) -> Table:
    """Open a CSV or XLSX file (told apart by content, not by name) as a :class:`Table`."""
    with path.open("rb") as file:
        magic = file.read(len(_XLSX_MAGIC))
    if magic == _XLSX_MAGIC:
        return _read_xlsx(path, is_header)
    return _read_csv(path, is_header)
