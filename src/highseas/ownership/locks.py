"""The recycle lock (one holder at a time for the sweep and for bulk due-date changes) and the
rules lock (due dates never computed from rules being changed)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, ColumnExpressionArgument, Select, func, literal, select
from sqlalchemy.orm import Session

from highseas import errors
from highseas.db import is_postgresql
from highseas.ownership.models import JobLock

RECYCLE = "recycle"


def recycle_lock(session: Session, wait: bool = True) -> bool:
    """Hold the recycle job's row lock until the transaction ends.

    Sweeps and rule edits lock many customer rows in no particular order; letting only one of them
    run at a time keeps two such bulk writers from deadlocking or recycling a customer twice. On
    PostgreSQL this is a row lock (``FOR UPDATE``, or ``SKIP LOCKED`` when ``wait`` is false); on
    SQLite the transaction already holds the database's single writer lock (``BEGIN IMMEDIATE``).
    Returns False when ``wait`` is false and another process holds the lock.
    """
    query = select(JobLock).where(JobLock.name == RECYCLE).with_for_update(skip_locked=not wait)
    job = session.scalars(query).one_or_none()
    if job is not None:
        return True
    if not wait and session.get(JobLock, RECYCLE) is not None:
        return False
    raise errors.NotFound("the recycle job row is missing; run `highseas init`")


# PostgreSQL advisory lock class of pools' recycle rules (the dedup keys' classes end in 0 and 1).
_RULES_LOCK = 0x48534432


def rules_lock(pool_id: ColumnExpressionArgument[int], *, exclusive: bool = False) -> ColumnElement[Any]:
    """The SQL call holding a pool's recycle rules until the transaction ends (PostgreSQL only):
    for a statement that must take it along with what it reads. See :func:`hold_rules`."""
    lock = func.pg_advisory_xact_lock if exclusive else func.pg_advisory_xact_lock_shared
    return lock(_RULES_LOCK, pool_id)


def hold_rules(session: Session, pools: int | Select[int], *, exclusive: bool = False) -> None:
    """Hold these pools' recycle rules as they are until the transaction ends.

    A due date is worked out from rules read in one statement and written in another. A rule edit
    recomputes the due dates of the customers its pool owns, but cannot see a claim that has not
    committed yet: if that claim read the old rules, its customer would keep the old deadline. So
    whoever writes due dates from rules holds them shared before reading them, and a rule edit holds
    them exclusively before changing them; each waits for the other, never both past each other.

    Taken before any customer row lock of the pool (a rule edit holding the rules waits for the
    rows its recomputation updates), as every transition takes users first, then customers.
    SQLite needs none of this: every writing transaction takes its single writer lock up front.
    """
    if not is_postgresql(session):
        return
    chosen = (select(literal(pools)) if isinstance(pools, int) else pools).subquery()
    # In pool order, as the dedup keys are taken: two holders of several never wait in a cycle.
    ordered = select(chosen.c[0]).order_by(chosen.c[0]).subquery()
    session.execute(select(func.count(rules_lock(ordered.c[0], exclusive=exclusive))))
