"""The set-based writers: many customers in a few statements, never a statement per row
(deactivation, distribution, the sweep, an import)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    func,
    select,
    update,
)
from sqlalchemy.orm import Session

from highseas.db import is_postgresql
from highseas.ownership.due import expire_loaded_customers
from highseas.ownership.models import EventKind
from highseas.ownership.writer.rows import (
    CUSTOMER,
    events,
    log,
    owner_values,
    typed,
)

Counts = list[tuple[int | None, int, int]]
"""(rule id, previous owner id, customers) per group of recycled customers."""


def move_all(
    session: Session,
    where: ColumnElement[bool],
    *,
    kind: EventKind,
    to_user_id: int | None,
    actor_id: int,
    at: datetime,
    reason: str | None = None,
) -> int:
    """Move every customer matching ``where`` to ``to_user_id`` (``None``: back to its pool), one
    event each; returns how many moved. The caller holds the rows (row locks, or SQLite's writer
    lock) so that both statements see the same ones, and refreshes the new owner's due dates."""
    session.flush()
    c = CUSTOMER.c
    moved_rows = events(
        customer_id=c.id,
        kind=kind,
        from_user_id=c.owner_id,
        to_user_id=to_user_id,
        pool_id=c.pool_id,
        actor_id=actor_id,
        reason=reason,
        at=at,
        seq=c.record_seq + 1,
    )
    session.execute(log(moved_rows.where(where)))
    values = owner_values(
        to_user_id, typed(at, "at"), releasing=to_user_id is None, previous_owner=c.owner_id
    )
    moved = session.execute(
        update(CUSTOMER).where(where).values(values), execution_options={"preserve_rowcount": True}
    )
    expire_loaded_customers(session)
    return int(moved.rowcount)  # type: ignore[attr-defined]


def recycle(session: Session, due: ColumnElement[bool], at: datetime) -> Counts:
    """Send every customer matching ``due`` back to its pool with a ``recycle`` event naming its
    rule; returns the counts per rule and previous owner.

    On PostgreSQL one statement locks the due rows (``FOR UPDATE`` re-checks ``due`` on a row a
    concurrent write changed), moves them, logs them and counts them. On SQLite three statements
    over the same rows: the transaction holds the database's single write lock.
    """
    session.flush()
    if is_postgresql(session):
        return _recycle_postgresql(session, due, at)
    counts = [tuple(row) for row in session.execute(count_recycled(due))]
    session.execute(log(_recycle_events(CUSTOMER, at, CUSTOMER.c.record_seq + 1).where(due)))
    values = owner_values(None, typed(at, "at"), releasing=True, previous_owner=CUSTOMER.c.owner_id)
    session.execute(update(CUSTOMER).where(due).values(values))
    expire_loaded_customers(session)
    return counts  # type: ignore[return-value]


def count_recycled(due: ColumnElement[bool]) -> Select[tuple[int | None, int, int]]:
    """What :func:`recycle` would count, without moving anything (a dry run)."""
    c = CUSTOMER.c
    return select(c.due_rule_id, c.owner_id, func.count()).where(due).group_by(c.due_rule_id, c.owner_id)


def _recycle_events(source: Any, at: datetime, seq: ColumnElement[int]) -> Select[Any]:
    c = source.c
    return events(
        customer_id=c.id,
        kind=EventKind.RECYCLE,
        from_user_id=c.owner_id,
        pool_id=c.pool_id,
        rule_id=c.due_rule_id,
        at=at,
        seq=seq,
    )


def _recycle_postgresql(session: Session, due_rows: ColumnElement[bool], at: datetime) -> Counts:
    c = CUSTOMER.c
    # In no particular order: every other writer of many owned rows (a rule edit, a deactivation)
    # holds the recycle lock, as the sweep does, so none of them locks these rows meanwhile.
    due = select(c.id, c.owner_id, c.pool_id, c.due_rule_id).where(due_rows).with_for_update()
    held = due.cte("due")
    values = owner_values(None, typed(at, "at"), releasing=True, previous_owner=held.c.owner_id)
    moved = (
        update(CUSTOMER)
        .where(c.id == held.c.id)
        .values(values)
        .returning(held.c.id, held.c.owner_id, held.c.pool_id, held.c.due_rule_id, c.record_seq)
        .cte("moved")
    )
    logged = log(_recycle_events(moved, at, moved.c.record_seq)).cte("logged")
    counts = (
        select(moved.c.due_rule_id, moved.c.owner_id, func.count())
        .group_by(moved.c.due_rule_id, moved.c.owner_id)
        .add_cte(logged)
    )
    rows: Counts = [(rule, owner, n) for rule, owner, n in session.execute(counts)]
    expire_loaded_customers(session)
    return rows


def log_imported(session: Session, *, batch_id: int, actor_id: int, at: datetime) -> None:
    """The ``import`` event of every customer an import batch inserted (unowned, record number 1)."""
    c = CUSTOMER.c
    rows = events(
        customer_id=c.id, kind=EventKind.IMPORT, pool_id=c.pool_id, actor_id=actor_id, at=at, seq=c.record_seq
    )
    session.execute(log(rows.where(c.import_batch_id == batch_id)))
