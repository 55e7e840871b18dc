"""Exporting a pool's or a user's customers to CSV or XLSX, as the exporting user may see them.

The rows are those :func:`~highseas.auth.permissions.visible_customers_clause` lets the actor see,
read by :class:`~highseas.intake.export_rows.CustomerSheet`; every export is written to the audit
trail: who, what, how many rows. The file streams: CSV row by row, XLSX through openpyxl's
write-only workbook. No cell can run as a formula in a spreadsheet.
"""

from __future__ import annotations

import csv
import enum
import io
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import IO, Any, TypeGuard

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from sqlalchemy.orm import Session

from highseas import errors
from highseas.auth.audit import audit
from highseas.auth.permissions import Action, can, ensure, visible_pool
from highseas.customers.models import Customer
from highseas.intake.export_rows import CustomerSheet
from highseas.intake.labels import owned_sheet_name, pool_sheet_name, sheet_name
from highseas.languages import Lang
from highseas.org.models import User

# A spreadsheet runs a cell that starts with one of these, and some (LibreOffice, Excel's CSV
# import) skip leading spaces and line breaks first; a tab or carriage return starts a new field.
_FORMULA_LIKE = re.compile(r"^(?:[\t\r]|\s*[=+\-@])")
# A phone number (+86 138-0013-8000) is harmless even if evaluated: one leading plus, digits,
# spaces, parentheses and hyphens; ``-1+1`` or ``+1+1`` are not phone numbers.
_PHONE_LIKE = re.compile(r"^\s*\+?\d[\d\s()\-]*$")


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


@contextmanager
def csv_writer(out: IO[bytes]) -> Iterator[Any]:
    """A CSV writer onto a binary file, in UTF-8 with the byte order mark Excel needs to read
    Chinese correctly; the file stays open for its owner."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    yield csv.writer(text)
    text.flush()
    text.detach()


def formula_like(value: object) -> TypeGuard[str]:
    """Whether a spreadsheet could take this cell for a formula: lead files come from strangers,
    and Excel runs a cell such as ``=HYPERLINK(…)``, also behind spaces or a line break."""
    return isinstance(value, str) and bool(_FORMULA_LIKE.match(value)) and not _PHONE_LIKE.match(value)


def csv_safe(value: object) -> object:
    """A CSV cell a spreadsheet will not run: a leading apostrophe keeps it text."""
    return "'" + value if formula_like(value) else value


def write_spreadsheet(
    rows: Iterable[list[Any]], out: IO[bytes], fmt: ExportFormat, header: list[str], sheet: str = "Sheet1"
) -> int:
    """Write the header and the rows, every formula-like cell kept as text; returns the row count.
    An XLSX file has the one sheet, named ``sheet``."""
    count = 0
    if fmt is ExportFormat.CSV:
        with csv_writer(out) as writer:
            writer.writerow([csv_safe(cell) for cell in header])
            for row in rows:
                writer.writerow([csv_safe(value) for value in row])
                count += 1
        return count
    book = Workbook(write_only=True)
    worksheet = book.create_sheet(sheet_name(sheet))
    worksheet.append([_text_cell(worksheet, cell) for cell in header])
    for row in rows:
        worksheet.append([_text_cell(worksheet, value) for value in row])
        count += 1
    book.save(out)
    return count


def _text_cell(sheet: Any, value: object) -> object:
    """An XLSX cell keeps its value and is marked text: openpyxl would store a string starting with
    "=" as a formula, and the quote prefix (Excel's hidden apostrophe) keeps the cell text when a
    person edits it."""
    if not formula_like(value):
        return value
    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def export_pool(
    session: Session, actor: User, pool_id: int, out: IO[bytes], fmt: ExportFormat, lang: Lang = Lang.ZH
) -> int:
    """The unowned customers of a pool the actor may see; returns the number of rows."""
    pool = visible_pool(session, actor, pool_id)
    ensure(
        session, actor, Action.EXPORT, pool, doing="export this pool: only an admin or its pool admins may"
    )
    where = (Customer.pool_id == pool.id) & Customer.owner_id.is_(None)
    export = CustomerSheet(session, actor, where, lang)
    count = write_spreadsheet(export.rows(), out, fmt, export.header(), pool_sheet_name(pool.name, lang))
    audit(session, "export", actor_id=actor.id, pool_id=pool.id, format=fmt.value, rows=count)
    return count


def export_owned(
    session: Session, actor: User, user_id: int, out: IO[bytes], fmt: ExportFormat, lang: Lang = Lang.ZH
) -> int:
    """The customers a user owns, for that user or whoever may see them (their managers, admins)."""
    owner = session.get(User, user_id)
    if owner is None or not can(session, actor, Action.VIEW, owner):
        raise errors.NotFound(f"no user {user_id}")
    export = CustomerSheet(session, actor, Customer.owner_id == owner.id, lang)
    sheet = owned_sheet_name(owner.name or owner.username, lang)
    count = write_spreadsheet(export.rows(), out, fmt, export.header(), sheet)
    audit(session, "export", actor_id=actor.id, owner_id=owner.id, format=fmt.value, rows=count)
    return count
