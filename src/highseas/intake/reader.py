"""Reading CSV, XLSX, XLS and ODS files as a stream of rows, whatever program or person wrote them.

A CSV file never holds more than a row (and the decoder's buffer) in memory: a file of a million
leads reads in the same memory as a file of ten; spreadsheets are read by :mod:`.sheets`.
The header is found below the title and notes rows other CRMs put above it (WukongCRM's merged
"客户导入模板(*)为必填项" or "注意事项：…" row).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from highseas import errors
from highseas.intake.sheets import MAX_LINE_CHARS, Sheet, read_xls, read_zipped

CHUNK = 1 << 16
HEADER_SEARCH_ROWS = 20
"""Title rows above the header ("2026 春季展会线索", merged across the sheet) are skipped; the
header is looked for among this many first rows."""
_ZIP_MAGIC = b"PK\x03\x04"  # XLSX and ODS
_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
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
    size: int  # bytes for CSV, rows for a spreadsheet: what ``position`` counts towards
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


def _widened(cells: list[str], spans: list[tuple[int, int]]) -> list[str]:
    """A header cell merged across columns ("电话" over a mobile and a landline column) names
    each of the columns it covers."""
    filled = list(cells)
    for first, last in spans:
        for position in range(first + 1, min(last + 1, len(filled))):
            if not filled[position]:
                filled[position] = filled[first]
    return filled


def _looks_tabular(cells: list[str]) -> bool:
    """Two different texts in a row: a header, not a title or notes row (one text, perhaps
    merged across the sheet)."""
    return len({cell.strip() for cell in cells if cell.strip()}) >= 2


def _find_header(
    numbered: Iterator[tuple[int, list[str]]],
    is_header: Callable[[list[str]], bool],
    merged: dict[int, list[tuple[int, int]]] | None = None,
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The first row that ``is_header`` recognises (or else the first that looks tabular, or the
    first non-blank one) and the rows after it; merged header cells are spread over their columns."""
    seen: list[tuple[int, list[str]]] = []
    for number, cells in numbered:
        if _blank(cells):
            continue
        candidate = _widened(cells, merged[number]) if merged and number in merged else cells
        seen.append((number, candidate))
        if is_header(candidate):
            return candidate, numbered
        if len(seen) >= HEADER_SEARCH_ROWS:
            break
    if not seen:
        return [], iter(())
    at = next((i for i, (_, cells) in enumerate(seen) if _looks_tabular(cells)), 0)
    return seen[at][1], _chain(seen[at + 1 :], numbered)


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


def _read_sheet(sheet: Sheet, is_header: Callable[[list[str]], bool]) -> Table:
    header, rows = _find_header(sheet.rows, is_header, sheet.merged)
    return Table(header, _non_blank(rows), sheet.total, sheet.done)


def read_table(path: Path, is_header: Callable[[list[str]], bool]) -> Table:
    """Open a CSV, XLSX, XLS or ODS file (told apart by content, not by name) as a :class:`Table`;
    a file without a header and at least one row under it is refused."""
    with path.open("rb") as file:
        magic = file.read(len(_XLS_MAGIC))
    if not magic:
        raise errors.InvalidInput("file", "is empty")
    if magic == _XLS_MAGIC:
        table = _read_sheet(read_xls(path), is_header)
    elif magic.startswith(_ZIP_MAGIC):
        table = _read_sheet(read_zipped(path), is_header)
    else:
        table = _read_csv(path, is_header)
    if not table.header:
        raise errors.InvalidInput("file", "has no rows")
    first = next(table.rows, None)
    if first is None:
        raise errors.InvalidInput("file", "has a header but no rows of leads under it")
    table.rows = _chain([first], table.rows)
    return table
