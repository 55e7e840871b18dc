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
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from highseas.auth.audit import audit
from highseas.customers.contacts import company_key
from highseas.customers.models import Customer
from highseas.customers.service import where_it_is
from highseas.intake.models import IssueKind
from highseas.intake.staging import STAGING
from highseas.org.models import User

THRESHOLD = 85
"""``fuzz.ratio`` from which two company keys count as possibly one company."""
BLOCK_CHARS = 4
MAX_MATCHES = 10


def _scored(key: str, keys: list[str]) -> list[tuple[str, float, int]]:
    """(key, score, position) of the keys close to ``key``, closest first."""
    return process.extract(key, keys, scorer=fuzz.ratio, score_cutoff=THRESHOLD, limit=None)


def _blocks(session: Session, batch_id: int) -> Iterator[list[Any]]:
    block = f"substr(c.company_key, 1, {BLOCK_CHARS})"
    rows = session.execute(
        text(
            f"SELECT {block}, c.id, c.company_key, s.row_no FROM customer c "
            f"LEFT JOIN {STAGING} s ON c.import_batch_id = :batch AND s.company_key = c.company_key "
            "AND s.existing_id IS NULL AND s.dup_of_row IS NULL "
            f"WHERE c.deleted_at IS NULL AND c.company_key IS NOT NULL AND {block} IN "
            f"(SELECT substr(company_key, 1, {BLOCK_CHARS}) FROM customer "
            "WHERE import_batch_id = :batch AND company_key IS NOT NULL) "
            f"ORDER BY {block}, c.id"
        ).execution_options(yield_per=5000),
        {"batch": batch_id},
    )
    for _, members in groupby(rows, key=lambda row: row[0]):
        yield list(members)


def possible_duplicates(session: Session, batch_id: int, column: str) -> Iterator[dict[str, Any]]:
    """Report rows for imported customers whose company resembles another customer's.

    Each imported customer is reported once, against its closest match; of two similar rows of
    one file, the later one is reported. Run it while the staging table still exists.
    """
    for members in _blocks(session, batch_id):
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
                    "column_name": column,
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
    """Customers whose company comes close to ``company`` but is not equal (equal is a duplicate,
    refused on create): a person looks before creating. Says where each one is, as a duplicate
    does, never its contact details; the lookup goes to the audit trail like any dedup hit."""
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
            )
            .order_by(Customer.id)
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
