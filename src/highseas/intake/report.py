"""The import report a person downloads: every row not imported (or worth a second look), why,
and — for a duplicate — which customer it is and where, as far as the reader may know: a customer
the reader may not see is "a customer that already exists where you cannot see it", and a
possible duplicate of one is left out."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from highseas.auth.permissions import Action, can
from highseas.customers.dedup import where_it_is
from highseas.customers.models import Customer
from highseas.intake.export import csv_safe, csv_writer
from highseas.intake.models import ImportBatch, ImportIssue, IssueKind
from highseas.org.models import User

REPORT_HEADER = ("row", "column", "kind", "reason")
HIDDEN_CUSTOMER = "a customer that already exists where you cannot see it"


def report_rows(session: Session, reader: User, batch: ImportBatch) -> Iterator[tuple[str, ...]]:
    """The report's rows, oldest row of the file first; streamed, never all in memory."""
    # Where a customer is, and whether the reader may see it, depend on its owner and pool only.
    places: dict[tuple[int | None, int], str | None] = {}
    query = (
        select(ImportIssue, Customer)
        .outerjoin(Customer, Customer.id == ImportIssue.existing_customer_id)
        .where(ImportIssue.batch_id == batch.id)
        .order_by(ImportIssue.row_number, ImportIssue.id)
        .execution_options(yield_per=1000)
    )
    for issue, existing in session.execute(query):
        reason = issue.reason
        if issue.duplicate_of_row is not None:
            reason = f"{reason} as row {issue.duplicate_of_row}"
        elif existing is not None:
            place = (existing.owner_id, existing.pool_id)
            if place not in places:
                visible = can(session, reader, Action.VIEW, existing)
                places[place] = where_it_is(session, reader, existing) if visible else None
            where = places[place]
            if where is None and issue.kind is not IssueKind.DUPLICATE:
                continue
            if where is None:
                reason = f"{reason} as {HIDDEN_CUSTOMER}"
            elif issue.kind is IssueKind.DUPLICATE:
                reason = f"{reason} as customer {existing.id} ({where})"
            else:
                reason = f"{reason}: customer {existing.id} ({where})"
        yield str(issue.row_number), issue.column_name, issue.kind.value, reason


def write_report(session: Session, reader: User, batch: ImportBatch, out: IO[bytes]) -> int:
    """Write the report as CSV; returns how many rows it has."""
    count = 0
    with csv_writer(out) as writer:
        writer.writerow(REPORT_HEADER)
        for row in report_rows(session, reader, batch):
            writer.writerow([csv_safe(value) for value in row])
            count += 1
    return count
