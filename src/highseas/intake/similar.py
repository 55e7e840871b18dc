"""Possible duplicates: customers whose company names come close to another customer's.

Equal company keys are duplicates and never get imported; near ones ("杭州云帆科技" and
"杭州云帆信息科技") may be one company or two, and so may one brand registered in two cities
("北京小米科技", "小米科技"): a person decides, merging or dismissing them. Names are scored on their
:func:`~highseas.customers.companies.match_key` (without the province or city around the brand).
Comparing every new name with every customer is quadratic, so names are compared within blocks
sharing :data:`BLOCK_CHARS` characters after a leading province or city (the start of the brand),
one block in memory at a time, with ``rapidfuzz`` doing the scoring in C++.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from itertools import groupby
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    and_,
    case,
    column,
    func,
    or_,
    select,
    table,
    text,
    union_all,
)
from sqlalchemy.orm import Session

from highseas.auth.audit import audit
from highseas.auth.permissions import Action, can, visible_customers_clause
from highseas.customers.companies import PLACES, company_key, match_key, place_prefix_length
from highseas.customers.dedup import where_it_is
from highseas.customers.dismissals import dismissed_with, pair
from highseas.customers.models import Customer
from highseas.db import is_postgresql, table_of
from highseas.intake.models import IssueKind
from highseas.intake.staging import STAGING
from highseas.org.models import User
from highseas.ownership.service import get_customer
from highseas.pools.queries import viewer_parameters

THRESHOLD = 85
"""``fuzz.ratio`` from which two match keys count as possibly one company."""
BLOCK_CHARS = 4
MAX_MATCHES = 10
_LAST = "\U0010ffff"  # after every character a key may hold


def _closest(key: str, its_match: str, keys: list[str], matched: list[str]) -> list[tuple[float, int]]:
    """(score, position) of the company keys close to ``key``, closest first: the better of
    comparing them whole and comparing their :func:`match_key` (no province or city; ``matched``,
    worked out once per block), so that a city in both names ("杭州云帆科技", "杭州云帆信息科技")
    still counts, and a city in one only ("北京小米科技", "小米科技") no longer counts against them."""
    best: dict[int, float] = {}
    for needle, haystack in ((key, keys), (its_match, matched)):
        for _, score, position in process.extract(
            needle, haystack, scorer=fuzz.ratio, score_cutoff=THRESHOLD, limit=None
        ):
            best[position] = max(score, best.get(position, 0.0))
    return sorted(((score, position) for position, score in best.items()), key=lambda sp: (-sp[0], sp[1]))


@cache
def _places_by_length() -> list[tuple[int, list[str]]]:
    lengths = sorted({len(place) for place in PLACES}, reverse=True)
    return [(n, sorted(p for p in PLACES if len(p) == n)) for n in lengths]


def block_of(key: SQLColumnExpression[str | None]) -> ColumnElement[str]:
    """SQL: the block of a company key, the twin of :func:`python_block_of` — its first
    :data:`BLOCK_CHARS` characters after a leading province or city name."""
    leading = case(
        *(
            (and_(func.length(key) - n >= 2, func.substr(key, 1, n).in_(places)), n)
            for n, places in _places_by_length()
        ),
        else_=0,
    )
    return func.substr(key, leading + 1, BLOCK_CHARS)


def python_block_of(key: str) -> str:
    return key[place_prefix_length(key) :][:BLOCK_CHARS]


_STAGED_COMPANIES = table(
    STAGING, column("row_no"), column("company_key"), column("existing_id"), column("dup_of_row")
)


def _blocks(session: Session, actor: User, batch_id: int, block: ColumnElement[str]) -> Iterator[list[Any]]:
    """The batch's imported customers and the customers the importer may see, in blocks of
    ``block`` (an expression of the company key): (block, id, key, row of the file or None)."""
    staged = _STAGED_COMPANIES
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
    one file, the later one is reported; pairs a person dismissed are not. Run it while the
    staging table still exists.
    """
    if is_postgresql(session):
        # The import just inserted the batch: without fresh statistics the planner takes it for one
        # row and joins every customer to every imported one (a nested loop, quadratic). ANALYZE
        # reads a sample of fixed size, a fraction of a second however big the table.
        session.execute(text("ANALYZE customer"))
    imported = select(Customer.id).where(Customer.import_batch_id == batch_id)
    dismissed = dismissed_with(session, imported)
    closest: dict[int, tuple[float, int, int]] = {}  # customer: (score, row, other customer)
    # Blocks of the key's first characters, then of the brand's (after a province or city).
    blockings = (func.substr(Customer.company_key, 1, BLOCK_CHARS), block_of(Customer.company_key))
    for second, block in enumerate(blockings):
        for members in _blocks(session, actor, batch_id, block):
            # A brand block where no key starts with a place holds keys that all begin with the
            # brand: the first blocking compared every pair of them already.
            if len(members) > 1 and (not second or any(place_prefix_length(m[2]) for m in members)):
                _closest_in_block(members, dismissed, closest)
    for customer_id, (score, row_no, other_id) in sorted(closest.items(), key=lambda item: item[1][1]):
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


def _closest_in_block(
    members: list[Any], dismissed: set[tuple[int, int]], closest: dict[int, tuple[float, int, int]]
) -> None:
    """Note in ``closest`` each imported member's closest other member, if closer than before."""
    keys = [key for _, _, key, _ in members]
    matched = [match_key(key) for key in keys]
    for (_, customer_id, key, row_no), its_match in zip(members, matched, strict=True):
        if row_no is None:
            continue
        # Best first; the first acceptable one is the closest other customer.
        for score, position in _closest(key, its_match, keys, matched):
            other_id, other_row = members[position][1], members[position][3]
            if other_id == customer_id or (other_row is not None and other_row > row_no):
                continue
            if pair(customer_id, other_id) in dismissed:
                continue
            if customer_id not in closest or score > closest[customer_id][0]:
                closest[customer_id] = (score, row_no, other_id)
            break


@dataclass(frozen=True)
class Match:
    """A customer the asker may see (so its name, company, owner and pool too), how close it is."""

    customer_id: int
    where: str
    score: int
    name: str
    company: str | None
    owner_id: int | None
    pool_id: int


def _in_block(key: str) -> ColumnElement[bool]:
    """SQL: company keys in the block of ``key``, with or without a leading place, as key
    ranges: the company_key index answers each of them on both databases.

    The ranges go in groups of :data:`_RANGES_PER_GROUP`, one SELECT each: SQLite parses a chain
    of ORs into a tree as deep as the chain is long, and refuses one deeper than 1000.
    """
    prefixes = sorted({key[:BLOCK_CHARS]} | {place + python_block_of(key) for place in ("", *PLACES)})
    ranges = [and_(Customer.company_key >= p, Customer.company_key < p + _LAST) for p in prefixes]
    groups = [ranges[i : i + _RANGES_PER_GROUP] for i in range(0, len(ranges), _RANGES_PER_GROUP)]
    return Customer.id.in_(union_all(*(select(Customer.id).where(or_(*group)) for group in groups)))


_RANGES_PER_GROUP = 100


def _matches(
    session: Session, actor: User, key: str, *, unlike: ColumnElement[bool], skip: set[int]
) -> list[Match]:
    found = session.scalars(
        select(Customer).where(
            _in_block(key), unlike, Customer.deleted_at.is_(None), visible_customers_clause(actor.role)
        ),
        viewer_parameters(session, actor),
    )
    # Sorted here: an ORDER BY id makes SQLite walk the table in id order, testing every range on
    # every row, instead of seeking each range in the company_key index.
    candidates = sorted((c for c in found if c.id not in skip), key=lambda c: c.id)
    keys = [c.company_key or "" for c in candidates]
    scored = _closest(key, match_key(key), keys, [match_key(k) for k in keys])[:MAX_MATCHES]
    matches = [_match(session, actor, candidates[p], score) for score, p in scored]
    if matches:
        listed = [m.customer_id for m in matches]
        audit(session, "possible_duplicates", actor_id=actor.id, customer_ids=listed)
    return matches


def _match(session: Session, actor: User, customer: Customer, score: float) -> Match:
    where = where_it_is(session, actor, customer)
    return Match(
        customer.id, where, round(score), customer.name, customer.company, customer.owner_id, customer.pool_id
    )


def possible_duplicates_of(session: Session, actor: User, company: str) -> list[Match]:
    """Customers the actor may see whose company comes close to ``company`` but is not equal
    (equal is a duplicate, refused on create): a person looks before creating. Says where each one
    is, never its contact details; the lookup goes to the audit trail like any dedup hit."""
    key = company_key(company)
    if key is None:
        return []
    return _matches(session, actor, key, unlike=Customer.company_key != key, skip=set())


def possible_duplicates_of_customer(session: Session, actor: User, customer_id: int) -> list[Match]:
    """The customers the actor may see that may be the same company as this one (which they must
    see, else ``not_found``), closest first, equal company keys included: records filed before
    the keys folded as they do now, to merge or dismiss. Dismissed pairs are left out."""
    customer = get_customer(session, actor, customer_id)
    if customer.company_key is None:
        return []
    dismissed = dismissed_with(session, [customer.id])
    skip = {other for low_high in dismissed for other in low_high} - {customer.id}
    return _matches(session, actor, customer.company_key, unlike=Customer.id != customer.id, skip=skip)


def mergeable_duplicates(session: Session, actor: User, customer_id: int) -> list[Match]:
    """:func:`possible_duplicates_of_customer` that the actor may merge with this customer or
    dismiss (``can`` MERGE on both): what the customer's page offers them."""
    customer = get_customer(session, actor, customer_id)
    if not can(session, actor, Action.MERGE, customer):
        return []
    matches = possible_duplicates_of_customer(session, actor, customer_id)
    return [m for m in matches if can(session, actor, Action.MERGE, session.get_one(Customer, m.customer_id))]
