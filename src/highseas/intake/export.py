"""Exporting a pool's or a user's customers to CSV or XLSX, as the exporting user may see them.

The rows are those :func:`~highseas.auth.permissions.visible_customers_clause` lets the actor see; contact
details hidden from them (an unowned customer of a pool that hides contacts) are left empty; and
every export is written to the audit trail: who, what, how many rows.
"""

from __future__ import annotations

import csv
import enum
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any, TypeGuard

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from highseas import errors
from highseas.auth.audit import audit
from highseas.auth.permissions import (
    Action,
    can,
    contact_hidden_pool_ids,
    contacts_shown,
    ensure,
    visible_customers_clause,
    visible_pool,
)
from highseas.customers.models import Customer
from highseas.org.models import User
from highseas.pools.models import Pool
from highseas.pools.queries import viewer_parameters

# The import reads these headers back as the same fields (the others become custom fields).
COLUMNS = (
    "id",
    "name",
    "company",
    "phone",
    "email",
    "wechat",
    "credit_code",
    "grade",
    "stage",
    "region",
    "industry",
    "source",
    "tags",
    "pool",
    "owner",
    "created_at",
)


# A spreadsheet runs a cell that starts with one of these, and some (LibreOffice, Excel's CSV
# import) skip leading spaces and line breaks first; a tab or carriage return starts a new field.
_FORMULA_LIKE = re.compile(r"^(?:[\t\r]|\s*[=+\-@])")
# A phone number (+86 138-0013-8000) is harmless even if evaluated: one leading plus, digits,
# spaces, parentheses and hyphens; ``-1+1`` or ``+1+1`` are not phone numbers.
_PHONE_LIKE = re.compile(r"^\s*\+?\d[\d\s()\-]*$")


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


def _rows(session: Session, actor: User, where: ColumnElement[bool]) -> Iterator[list[Any]]:
    hidden = contact_hidden_pool_ids(session, actor)
    pools: dict[int, str] = {pool_id: name for pool_id, name in session.execute(select(Pool.id, Pool.name))}
    owner_names: dict[int, str] = {}
    query = (
        select(Customer)
        .where(where, Customer.deleted_at.is_(None), visible_customers_clause(actor.role))
        .order_by(Customer.id)
        .execution_options(yield_per=2000)
    )
    for c in session.scalars(query, viewer_parameters(session, actor)):
        shown = contacts_shown(c.owner_id, c.pool_id, hidden)
        if c.owner_id is not None and c.owner_id not in owner_names:
            owner = session.get(User, c.owner_id)
            owner_names[c.owner_id] = (owner.name or owner.username) if owner else ""
        yield [
            c.id,
            c.name,
            c.company,
            c.phone if shown else None,
            c.email if shown else None,
            c.wechat if shown else None,
            c.credit_code,
            c.grade,
            c.stage.value,
            c.region,
            c.industry,
            c.source,
            ",".join(c.tags or []),
            pools.get(c.pool_id),
            owner_names.get(c.owner_id) if c.owner_id is not None else None,
            c.created_at.isoformat(),
        ]


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


def write_spreadsheet(rows: Iterator[list[Any]], out: IO[bytes], fmt: ExportFormat) -> int:
    """Write the header and the rows, every formula-like cell kept as text; returns the row count."""
    count = 0
    if fmt is ExportFormat.CSV:
        with csv_writer(out) as writer:
            writer.writerow(COLUMNS)
            for row in rows:
                writer.writerow([csv_safe(value) for value in row])
                count += 1
        return count
    book = Workbook(write_only=True)
    sheet = book.create_sheet("customers")
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([_text_cell(sheet, value) for value in row])
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


def export_pool(session: Session, actor: User, pool_id: int, out: IO[bytes], fmt: ExportFormat) -> int:
    """The unowned customers of a pool the actor may see; returns the number of rows."""
    pool = visible_pool(session, actor, pool_id)
    ensure(
        session, actor, Action.EXPORT, pool, doing="export this pool: only an admin or its pool admins may"
    )
    where = (Customer.pool_id == pool.id) & Customer.owner_id.is_(None)
    count = write_spreadsheet(_rows(session, actor, where), out, fmt)
    audit(session, "export", actor_id=actor.id, pool_id=pool.id, format=fmt.value, rows=count)
    return count


def export_owned(session: Session, actor: User, user_id: int, out: IO[bytes], fmt: ExportFormat) -> int:
    """The customers a user owns, for that user or whoever may see them (their managers, admins)."""
    owner = session.get(User, user_id)
    if owner is None or not can(session, actor, Action.VIEW, owner):
        raise errors.NotFound(f"no user {user_id}")
    count = write_spreadsheet(_rows(session, actor, Customer.owner_id == owner.id), out, fmt)
    audit(session, "export", actor_id=actor.id, owner_id=owner.id, format=fmt.value, rows=count)
    return count
