"""Possible duplicates: imported companies whose names come close to another customer's.

Equal company keys are duplicates and never get imported; near ones ("杭州云帆科技" and
"杭州云帆信息科技") may be one company or two, so a person decides. Comparing every new name with
every customer is quadratic, so names are compared within blocks sharing the key's first
:data:`BLOCK_CHARS` characters (typically the city and the start of the brand), one block in memory
at a time, with ``rapidfuzz`` doing the scoring in C++.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import and_, column, func, or_, select, table
from sqlalchemy.orm import Session

from highseas.auth.audit import audit
from highseas.auth.permissions import visible_customers_clause
from highseas.customers.contacts import company_key
from highseas.customers.dedup import where_it_is
from highseas.customers.models import Customer
from highseas.db import table_of
from highseas.intake.models import IssueKind
from highseas.intake.staging import STAGING
from highseas.org.models import User
from highseas.pools.queries import viewer_parameters

THRESHOLD = 85
"""``fuzz.ratio`` from which two company keys count as possibly one company."""
BLOCK_CHARS = 4
MAX_MATCHES = 10


def _scored(key: str, keys: list[str]) -> list[tuple[str, float, int]]:
    """(key, score, position) of the keys close to ``key``, closest first."""
    return process.extract(key, keys, scorer=fuzz.ratio, score_cutoff=THRESHOLD, limit=None)


_STAGED_COMPANIES = table(
    STAGING, column("row_no"), column("company_key"), column("existing_id"), column("dup_of_row")
)


def _blocks(session: Session, actor: User, batch_id: int) -> Iterator[list[Any]]:
    """The batch's imported customers and the customers the importer may see, in blocks sharing
    the key's first characters: (block, id, key, row of the file or None)."""
    staged = _STAGED_COMPANIES
    block = func.substr(Customer.company_key, 1, BLOCK_CHARS)
    imported_blocks = (
        select(block)
        .where(Customer.import_batch_id == batch_id, Customer.company_key.is_not(None))
        .correlate(None)
    )
    this_file = and_(
        Customer.import_batch_id == batch_id,
        staged.c.company_key == Customer.company_key,
        staged.c.existing_id.is_(None),
        staged.c.dup_of_row.is_(None),
    )
    query = (
        select(block, Customer.id, Customer.company_key, staged.c.row_no)
        .select_from(table_of(Customer))
        .outerjoin(staged, this_file)
        .where(
            Customer.deleted_at.is_(None),
            Customer.company_key.is_not(None),
            block.in_(imported_blocks),
            or_(staged.c.row_no.is_not(None), visible_customers_clause(actor.role)),
        )
        .order_by(block, Customer.id)
        .execution_options(yield_per=5000)
    )
    rows = session.execute(query, viewer_parameters(session, actor))
    for _, members in groupby(rows, key=lambda row: row[0]):
        yield list(members)


def possible_duplicates(
    session: Session, actor: User, batch_id: int, column_name: str
) -> Iterator[dict[str, Any]]:
    """Report rows for imported customers whose company resembles that of another customer the
    importer may see (one they may not see is nobody's business of theirs).

    Each imported customer is reported once, against its closest match; of two similar rows of
    one file, the later one is reported. Run it while the staging table still exists.
    """
    for members in _blocks(session, actor, batch_id):
        if len(members) < 2:
            continue
        keys = [key for _, _, key, _ in members]
        for _, customer_id, key, row_no in members:
            if row_no is None:
                continue
            # Best first; the first acceptable one is the closest other customer.
            for _, score, position in _scored(key, keys):
                other_id, other_row = members[position][1], members[position][3]
                if other_id == customer_id or (other_row is not None and other_row > row_no):
                    continue
                yield {
                    "batch_id": batch_id,
                    "row_number": row_no,
                    "column_name": column_name,
                    "kind": IssueKind.POSSIBLE_DUPLICATE.value,
                    "reason": f"company name {round(score)}% like",
                    "existing_customer_id": other_id,
                    "customer_id": customer_id,
                    "score": round(score),
                }
                break


@dataclass(frozen=True)
class Match:
    customer_id: int
    where: str
    score: int


def possible_duplicates_of(session: Session, actor: User, company: str) -> list[Match]:
    """Customers the actor may see whose company comes close to ``company`` but is not equal
    (equal is a duplicate, refused on create): a person looks before creating. Says where each one
    is, never its contact details; the lookup goes to the audit trail like any dedup hit."""
    key = company_key(company)
    if key is None:
        return []
    prefix = key[:BLOCK_CHARS]
    # A key range rather than substr(): the company_key index answers it on both databases.
    candidates = list(
        session.scalars(
            select(Customer)
            .where(
                Customer.company_key >= prefix,
                Customer.company_key < prefix + "\U0010ffff",
                Customer.company_key != key,
                Customer.deleted_at.is_(None),
                visible_customers_clause(actor.role),
            )
            .order_by(Customer.id),
            viewer_parameters(session, actor),
        )
    )
    scored = _scored(key, [c.company_key or "" for c in candidates])[:MAX_MATCHES]
    matches = [
        Match(candidates[p].id, where_it_is(session, actor, candidates[p]), round(score))
        for _, score, p in scored
    ]
    if matches:
        found = [m.customer_id for m in matches]
        audit(session, "possible_duplicates", actor_id=actor.id, customer_ids=found)
    return matches
