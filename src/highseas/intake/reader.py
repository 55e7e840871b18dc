"""Reading CSV and XLSX files as a stream of rows, whatever program or person wrote them.

Nothing here holds more than a row (and the CSV decoder's buffer) in memory: a file of a million
leads reads in the same memory as a file of ten.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
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
_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_LINE_CHARS = 100_000
"""Characters in one line of a CSV file (or one row of a sheet): a lead is far shorter."""
MAX_XLSX_INFLATED = 100 << 20
"""Bytes an Excel file may unpack to: its zip directory says how many before anything is
unpacked, and reading never goes past what it says."""
SUPPORTED_ENCODINGS = "UTF-8, GBK or UTF-16 (with a byte order mark)"
_UTF8_EVIDENCE = 8
"""Non-ASCII characters read as UTF-8 before an invalid byte that make a file UTF-8 with a damaged
byte rather than GBK: about one GBK character in seven is also valid UTF-8, eight in a row almost
never are."""
NUL = "\x00"
_DELIMITERS = (",", "\t", ";")


@dataclass
class Table:
    """A file's header and its data rows as ``(row number in the file, cells)``."""

    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    size: int  # bytes for CSV, rows for XLSX: what ``position`` counts towards
    position: Callable[[], int]


def _refuse(line: int, why: str) -> errors.InvalidInput:
    return errors.InvalidInput("file", f"line {line}: {why}")


def _first_flaw(path: Path, encoding: str) -> tuple[int, str, int] | None:
    """Where the file stops being text in ``encoding``: (line, what is wrong, non-ASCII characters
    read before it), or None when all of it is text without NUL characters."""
    decoder = codecs.getincrementaldecoder(encoding)()
    lines, non_ascii = 1, 0
    with path.open("rb") as file:
        while True:
            chunk = file.read(CHUNK)
            buffered = decoder.getstate()[0]
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                text = (buffered + chunk)[: exc.start].decode(encoding, "replace")
                if NUL not in text:
                    return lines + text.count("\n"), "", non_ascii + _count_non_ascii(text)
            nul = text.find(NUL)
            if nul >= 0:
                return lines + text.count("\n", 0, nul), "holds a NUL character, so it is not a text file", 0
            lines += text.count("\n")
            non_ascii += _count_non_ascii(text)
            if not chunk:
                return None


def _count_non_ascii(text: str) -> int:
    return len(text) - len(text.encode("ascii", "ignore"))


def _encoding(path: Path) -> str:
    """The file's text encoding: UTF-16 or UTF-8 by their byte order mark, UTF-8 when the whole
    file decodes as such, else GB18030; a file that is none of these is refused, naming the line.

    Excel on a Chinese Windows saves "CSV" as GBK, of which GB18030 is a superset; a UTF-8 file
    is only trusted after every byte of it decoded, since a GBK file can open with valid UTF-8.
    A file whose first few non-ASCII characters were UTF-8 is UTF-8 with a damaged byte, not GBK.
    """
    with path.open("rb") as file:
        head = file.read(len(codecs.BOM_UTF8))
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif head == codecs.BOM_UTF8:
        encoding = "utf-8-sig"
    else:
        flaw = _first_flaw(path, "utf-8")
        if flaw is None:
            return "utf-8"
        line, why, utf8_before = flaw
        if why or utf8_before >= _UTF8_EVIDENCE:
            raise _refuse(line, why or "a byte that is not UTF-8 (the rest of the file is UTF-8)")
        encoding = "gb18030"
    flaw = _first_flaw(path, encoding)
    if flaw is not None:
        line, why, _ = flaw
        raise _refuse(line, why or f"not text in {SUPPORTED_ENCODINGS}")
    return encoding


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
    lines = _bounded_lines(text)
    first_line = next(lines, "")
    delimiter = max(_DELIMITERS, key=first_line.count)
    reader = csv.reader(_chain_text(first_line, lines), delimiter=delimiter)

    def numbered() -> Iterator[tuple[int, list[str]]]:
        try:
            for cells in reader:
                yield reader.line_num, cells
        except csv.Error as exc:
            # The csv module's field limit: a cell this long is a damaged file or a quote never closed.
            why = f"a cell longer than {csv.field_size_limit()} characters, or a quote never closed ({exc})"
            raise _refuse(reader.line_num, why) from None
        finally:
            text.close()

    header, rows = _find_header(numbered(), is_header)
    return Table(header, _non_blank(rows), path.stat().st_size, lambda: counter.count)


def _bounded_lines(text: IO[str]) -> Iterator[str]:
    """The file's lines, refusing one past :data:`MAX_LINE_CHARS` before it is read whole."""
    number = 0
    while line := text.readline(MAX_LINE_CHARS + 1):
        number += 1
        if len(line) > MAX_LINE_CHARS:
            raise _refuse(number, f"longer than {MAX_LINE_CHARS} characters")
        yield line


def _chain_text(first_line: str, rest: Iterator[str]) -> Iterator[str]:
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


def _check_inflated_size(file: IO[bytes]) -> None:
    """Refuse a zip bomb from the sizes its central directory declares, before unpacking any of it
    (:mod:`zipfile` never reads a member past its declared size)."""
    try:
        declared = sum(member.file_size for member in zipfile.ZipFile(file).infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise errors.InvalidInput("file", f"not a readable Excel file ({exc})") from None
    if declared > MAX_XLSX_INFLATED:
        raise errors.InvalidInput(
            "file",
            f"this Excel file unpacks to {declared >> 20} MB, more than the {MAX_XLSX_INFLATED >> 20} MB "
            "allowed; split it or save it as CSV",
        )
    file.seek(0)


def _read_xlsx(path: Path, is_header: Callable[[list[str]], bool]) -> Table:
    # An open file rather than the path: openpyxl refuses paths whose name does not end in .xlsx,
    # and uploads are kept under names of their own.
    file = path.open("rb")
    try:
        _check_inflated_size(file)
        book = load_workbook(file, read_only=True, data_only=True)
    except errors.InvalidInput:
        file.close()
        raise
    except Exception as exc:  # openpyxl raises a zoo of types for a damaged file
        file.close()
        raise errors.InvalidInput("file", f"not a readable Excel file ({type(exc).__name__})") from exc
    sheet = book.worksheets[0]
    done = 0

    def numbered() -> Iterator[tuple[int, list[str]]]:
        nonlocal done
        try:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                done = number
                cells = [_cell_text(v) for v in values]
                if sum(map(len, cells)) > MAX_LINE_CHARS:
                    raise errors.InvalidInput(
                        "file", f"row {number}: longer than {MAX_LINE_CHARS} characters"
                    )
                yield number, cells
        except errors.InvalidInput:
            raise
        except Exception as exc:  # a damaged sheet is only found while it is read
            raise errors.InvalidInput("file", f"row {done + 1}: not readable ({type(exc).__name__})") from exc
        finally:
            book.close()
            file.close()

    header, rows = _find_header(numbered(), is_header)
    return Table(header, _non_blank(rows), sheet.max_row or 0, lambda: done)


def read_table(path: Path, is_header: Callable[[list[str]], bool]) -> Table:
    """Open a CSV or XLSX file (told apart by content, not by name) as a :class:`Table`; a file
    without a header and at least one row under it is refused."""
    with path.open("rb") as file:
        magic = file.read(len(_XLS_MAGIC))
    if not magic:
        raise errors.InvalidInput("file", "is empty")
    if magic == _XLS_MAGIC:
        raise errors.InvalidInput(
            "file", "an Excel 97-2003 (.xls) file: save it as .xlsx or CSV and upload it again"
        )
    table = (_read_xlsx if magic.startswith(_XLSX_MAGIC) else _read_csv)(path, is_header)
    if not table.header:
        raise errors.InvalidInput("file", "has no rows")
    first = next(table.rows, None)
    if first is None:
        raise errors.InvalidInput("file", "has a header but no rows of leads under it")
    table.rows = _chain([first], table.rows)
    return table
