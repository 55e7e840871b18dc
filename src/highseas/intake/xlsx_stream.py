"""An XLSX sheet streamed straight from its XML, row by row, in flat memory.

openpyxl's read-only mode streams too, but builds a cell object per cell: a million leads of
twelve columns take it over two minutes. Here :func:`xml.etree.ElementTree.iterparse` (expat,
in C) parses the sheet and Python only touches each finished row, which is then dropped; values
are read as openpyxl reads them (shared and inline strings, booleans, integers and floats, and
numbers whose cell style is a date format as datetimes).

The shared strings table is held in memory, as openpyxl holds it: files written by Excel keep
every distinct text there.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, iterparse

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import from_excel

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_ROW, _CELL, _VALUE, _TEXT = f"{_MAIN}row", f"{_MAIN}c", f"{_MAIN}v", f"{_MAIN}t"
_INLINE, _PHONETIC, _SHEET_DATA = f"{_MAIN}is", f"{_MAIN}rPh", f"{_MAIN}sheetData"

Value = str | int | float | bool | datetime | None


def _text_of(item: Element) -> str:
    """The text of a shared or inline string: its runs joined, phonetic guides (rPh) left out."""
    parts: list[str] = []
    for child in item:
        if child.tag == _TEXT:
            parts.append(child.text or "")
        elif child.tag != _PHONETIC:
            parts.extend(t.text or "" for t in child.iter(_TEXT))
    return "".join(parts)


def _parts(archive: zipfile.ZipFile) -> tuple[str, str | None, str | None]:
    """The first sheet's path in the archive, and the shared strings' and styles' (if any)."""
    with archive.open("xl/workbook.xml") as workbook:
        sheets = [element for _, element in iterparse(workbook) if element.tag == f"{_MAIN}sheet"]
    rels: dict[str, tuple[str, str]] = {}
    with archive.open("xl/_rels/workbook.xml.rels") as file:
        for _, element in iterparse(file):
            if element.tag == f"{_PACKAGE_REL}Relationship":
                target = element.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
                kind = element.get("Type", "").rsplit("/", 1)[-1]
                rels[element.get("Id", "")] = (kind, posixpath.normpath(path))
    sheet = rels[sheets[0].get(f"{_REL}id", "")][1]
    by_type = {kind: path for kind, path in rels.values()}
    return sheet, by_type.get("sharedStrings"), by_type.get("styles")


def _shared_strings(archive: zipfile.ZipFile, path: str | None) -> list[str]:
    if path is None:
        return []
    strings: list[str] = []
    with archive.open(path) as file:
        for _, element in iterparse(file):
            if element.tag == f"{_MAIN}si":
                strings.append(_text_of(element))
                element.clear()
    return strings


def _date_styles(archive: zipfile.ZipFile, path: str | None) -> frozenset[int]:
    """The indexes of the cell styles (``s``) whose number format shows a date or a time."""
    if path is None:
        return frozenset()
    custom: dict[int, str] = {}
    formats: list[int] = []
    with archive.open(path) as file:
        in_cell_xfs = False
        for event, element in iterparse(file, ("start", "end")):
            if element.tag == f"{_MAIN}numFmt" and event == "end":
                custom[int(element.get("numFmtId", "0"))] = element.get("formatCode", "")
            elif element.tag == f"{_MAIN}cellXfs":
                in_cell_xfs = event == "start"
            elif element.tag == f"{_MAIN}xf" and in_cell_xfs and event == "end":
                formats.append(int(element.get("numFmtId", "0")))
    dated = set()
    for index, number_format in enumerate(formats):
        code = custom.get(number_format) or BUILTIN_FORMATS.get(number_format, "General")
        if is_date_format(code):
            dated.add(index)
    return frozenset(dated)


def _column(reference: str, cache: dict[str, int]) -> int:
    """``"AB12"`` → 27 (0-based), letters cached: a sheet has few columns."""
    letters = reference.rstrip("0123456789")
    position = cache.get(letters)
    if position is None:
        position = 0
        for letter in letters:
            position = position * 26 + ord(letter) - 64
        position -= 1
        cache[letters] = position
    return position


def _number(text: str) -> int | float:
    return float(text) if any(mark in text for mark in ".eE") else int(text)


def _value(cell: Element, shared: list[str], dates: frozenset[int]) -> Value:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        inline = cell.find(_INLINE)
        return _text_of(inline) if inline is not None else None
    raw = cell.findtext(_VALUE)
    value: Value = raw  # str (a formula's text), e (an error such as #N/A), d (an ISO date)
    if raw is None:
        value = None
    elif kind == "s":
        value = shared[int(raw)]
    elif kind == "b":
        value = raw == "1"
    elif kind == "n":
        value = _number(raw)
        style = cell.get("s")
        if style is not None and int(style) in dates:
            value = from_excel(value)
    return value


def row_count(archive: zipfile.ZipFile, sheet: str) -> int:
    """The rows the sheet's ``<dimension ref="A1:L1000001">`` declares (0 when it declares none);
    read from the start of the sheet only."""
    with archive.open(sheet) as file:
        for _, element in iterparse(file, ("start",)):
            if element.tag == f"{_MAIN}dimension":
                last = element.get("ref", "").rpartition(":")[2].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
                return int(last) if last.isdigit() else 0
            if element.tag == _SHEET_DATA:
                return 0
    return 0


def open_sheet(path: Path) -> tuple[zipfile.ZipFile, str, list[str], frozenset[int]]:
    """The archive, its first sheet's path, its shared strings and its date styles."""
    archive = zipfile.ZipFile(path)
    try:
        sheet, strings, styles = _parts(archive)
        return archive, sheet, _shared_strings(archive, strings), _date_styles(archive, styles)
    except BaseException:
        archive.close()
        raise


def rows(file: IO[bytes], shared: list[str], dates: frozenset[int]) -> Iterator[tuple[int, list[Value]]]:
    """``(row number, values)`` of every row element of the sheet, gaps between cells as None."""
    columns: dict[str, int] = {}
    parents: list[Element] = []
    number = 0
    for event, element in iterparse(file, ("start", "end")):
        if event == "start":
            if element.tag == _SHEET_DATA:
                parents.append(element)
            continue
        if element.tag != _ROW:
            continue
        number = int(element.get("r") or number + 1)
        values: list[Value] = []
        for position, cell in enumerate(element.iter(_CELL)):
            reference = cell.get("r")
            at = _column(reference, columns) if reference else position
            if at > len(values):
                values.extend([None] * (at - len(values)))
            values.append(_value(cell, shared, dates))
        yield number, values
        # Done with the row: drop it from the tree, so that memory stays flat.
        for parent in parents:
            parent.clear()
