"""The import report a person downloads, in their language: per row of the file that was not
simply imported, what became of it (refused, duplicate, imported with warnings, possible
duplicate), the column and why — and, for a duplicate, which customer it is and where, as far as
the reader may know: a customer the reader may not see is "a customer that already exists where
you cannot see it", and a possible duplicate of one is left out.

Reasons are stored as message ids with their parameters and translated here; values quoted from
the file and column names stay as the file has them."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from highseas.auth.permissions import Action, can
from highseas.customers.models import Customer
from highseas.intake.export import csv_safe, csv_writer
from highseas.intake.models import ImportBatch, ImportIssue, IssueKind
from highseas.messages import N_
from highseas.org.models import User
from highseas.org.queries import get_user
from highseas.pools.queries import get_pool

Gettext = Callable[[str], str]

REPORT_HEADER = (N_("row"), N_("column"), N_("result"), N_("reason"))
RESULTS = {
    IssueKind.INVALID: N_("refused"),
    IssueKind.DUPLICATE: N_("duplicate"),
    IssueKind.WARNING: N_("imported with warnings"),
    IssueKind.POSSIBLE_DUPLICATE: N_("imported, possible duplicate"),
}
"""What became of a row with an issue of each kind, as the report and the result page say it."""
AS_ROW = N_("%(reason)s as row %(row)s")
AS_CUSTOMER = N_("%(reason)s as customer %(id)s (%(where)s)")
AS_HIDDEN = N_("%(reason)s as a customer that already exists where you cannot see it")
LIKE_CUSTOMER = N_("%(reason)s: customer %(id)s (%(where)s)")
SIMILAR_COMPANY = N_("company name %(score)s%% like")
OWNED_BY_YOU = N_("owned by you")
OWNED_BY = N_("owned by %(name)s")
OWNED_BY_COLLEAGUE = N_("owned by a colleague")


def _untranslated(message: str) -> str:
    return message


def where_it_is(session: Session, reader: User, existing: Customer, gettext: Gettext) -> str:
    """Where a customer the reader may see is, in the reader's language: its pool's name, or
    whose it is."""
    if existing.owner_id is None:
        return get_pool(session, existing.pool_id).name
    owner = get_user(session, existing.owner_id)
    if owner.id == reader.id:
        return gettext(OWNED_BY_YOU)
    if can(session, reader, Action.VIEW, owner):
        return gettext(OWNED_BY) % {"name": owner.name}
    return gettext(OWNED_BY_COLLEAGUE)


def reason_of(issue: ImportIssue, gettext: Gettext) -> str:
    """The issue's own reason in the reader's language (older batches stored plain English)."""
    if issue.kind is IssueKind.POSSIBLE_DUPLICATE and issue.score is not None:
        return gettext(SIMILAR_COMPANY) % {"score": issue.score}
    try:
        return gettext(issue.reason) % (issue.params or {})
    except (KeyError, ValueError, TypeError):
        return issue.reason


def report_rows(
    session: Session, reader: User, batch: ImportBatch, gettext: Gettext = _untranslated
) -> Generator[tuple[str, ...]]:
    """The report's rows (row, column, kind, reason), oldest row of the file first; streamed,
    never all in memory (close it to stop early). ``kind`` is the issue's kind as the API names it."""
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
        reason = reason_of(issue, gettext)
        said: dict[str, Any] = {"reason": reason}
        if issue.duplicate_of_row is not None:
            reason = gettext(AS_ROW) % (said | {"row": issue.duplicate_of_row})
        elif existing is not None:
            place = (existing.owner_id, existing.pool_id)
            if place not in places:
                visible = can(session, reader, Action.VIEW, existing)
                places[place] = where_it_is(session, reader, existing, gettext) if visible else None
            where = places[place]
            if where is None and issue.kind is not IssueKind.DUPLICATE:
                continue
            if where is None:
                reason = gettext(AS_HIDDEN) % said
            else:
                shown = said | {"id": existing.id, "where": where}
                reason = gettext(AS_CUSTOMER if issue.kind is IssueKind.DUPLICATE else LIKE_CUSTOMER) % shown
        yield str(issue.row_number), issue.column_name, issue.kind.value, reason


def write_report(
    session: Session, reader: User, batch: ImportBatch, out: IO[bytes], gettext: Gettext = _untranslated
) -> int:
    """Write the report as CSV in the reader's language; returns how many rows it has."""
    count = 0
    with csv_writer(out) as writer:
        writer.writerow([gettext(title) for title in REPORT_HEADER])
        for row, column, kind, reason in report_rows(session, reader, batch, gettext):
            result = gettext(RESULTS[IssueKind(kind)])
            writer.writerow([csv_safe(value) for value in (row, column, result, reason)])
            count += 1
    return count
