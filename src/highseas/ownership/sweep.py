"""The recycle sweep: owned customers past their due date go back to their pool.

Set-based: a handful of statements whatever the number of customers. Each recycled customer gets
exactly one ``recycle`` event naming its rule, in the same transaction as its ownership change, so
a sweep killed half-way leaves every customer either fully recycled or untouched. Sweeps hold the
recycle lock, so two of them at once run one after the other and the second finds nothing due.

A follow-up or deal that lands while a sweep runs is never lost: both take the customer's row
lock. On PostgreSQL the sweep selects its customers ``FOR UPDATE``, which waits for such a write
and then re-checks the due date on the row it left; on SQLite the sweep holds the database's only
write lock from its first statement, so nothing lands in between.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, insert, literal, select, update
from sqlalchemy.orm import Session

from highseas import clock
from highseas.customers.models import Customer
from highseas.db import is_postgresql, table_of
from highseas.ownership.due import expire_loaded_customers
from highseas.ownership.locks import RECYCLE, recycle_lock
from highseas.ownership.models import EventKind, JobLock, OwnershipEvent, Reminder

_customer = table_of(Customer)
_event = table_of(OwnershipEvent)
_EVENT_COLUMNS = [
    "customer_id",
    "kind",
    "from_user_id",
    "to_user_id",
    "pool_id",
    "actor_id",
    "rule_id",
    "at",
    "seq",
]


@dataclass
class SweepReport:
    at: datetime
    dry_run: bool
    recycled: int = 0
    reminded: int = 0
    by_rule: dict[int, int] = field(default_factory=dict)
    by_owner: dict[int, int] = field(default_factory=dict)


def _is_due(now: datetime) -> ColumnElement[bool]:
    return and_(
        _customer.c.owner_id.is_not(None),
        _customer.c.due_at <= literal(now, _customer.c.due_at.type),
        _customer.c.locked == false(),
        _customer.c.deleted_at.is_(None),
    )


def _recycled_values(now: datetime, previous_owner: ColumnElement[int]) -> dict[str, object]:
    return {
        "owner_id": None,
        "previous_owner_id": previous_owner,
        "released_at": literal(now, _customer.c.released_at.type),
        "claimed_at": None,
        "due_at": None,
        "due_rule_id": None,
        "remind_at": None,
        "updated_at": literal(now, _customer.c.updated_at.type),
        "record_seq": _customer.c.record_seq + 1,
    }


def _event_rows(source: object, now: datetime, seq: ColumnElement[int]) -> list[ColumnElement[object]]:
    c = source.c  # type: ignore[attr-defined]
    return [
        c.id,
        literal(EventKind.RECYCLE.value),
        c.owner_id,
        literal(None),
        c.pool_id,
        literal(None),
        c.due_rule_id,
        literal(now, _event.c.at.type),
        seq,
    ]


Counts = list[tuple[int | None, int, int]]
"""(rule id, previous owner id, customers) per group."""


def _count_due(now: datetime) -> Select[tuple[int | None, int, int]]:
    return (
        select(_customer.c.due_rule_id, _customer.c.owner_id, func.count())
        .where(_is_due(now))
        .group_by(_customer.c.due_rule_id, _customer.c.owner_id)
    )


def _recycle_postgresql(session: Session, now: datetime) -> Counts:
    """One statement: lock the due rows (re-checked after any concurrent write), move them, log
    them, and count what moved per rule and owner."""
    due = (
        select(_customer.c.id, _customer.c.owner_id, _customer.c.pool_id, _customer.c.due_rule_id)
        .where(_is_due(now))
        .with_for_update()
        .cte("due")
    )
    moved = (
        update(_customer)
        .where(_customer.c.id == due.c.id)
        .values(_recycled_values(now, due.c.owner_id))
        .returning(due.c.id, due.c.owner_id, due.c.pool_id, due.c.due_rule_id, _customer.c.record_seq)
        .cte("moved")
    )
    events = select(*_event_rows(moved, now, moved.c.record_seq))
    logged = insert(_event).from_select(_EVENT_COLUMNS, events).cte("logged")
    counts = (
        select(moved.c.due_rule_id, moved.c.owner_id, func.count())
        .group_by(moved.c.due_rule_id, moved.c.owner_id)
        .add_cte(logged)
    )
    return [tuple(row) for row in session.execute(counts)]


def _recycle_sqlite(session: Session, now: datetime) -> Counts:
    """Three statements over the same rows: the transaction holds SQLite's single write lock."""
    counts = [tuple(row) for row in session.execute(_count_due(now))]
    session.execute(
        insert(_event).from_select(
            _EVENT_COLUMNS,
            select(*_event_rows(_customer, now, _customer.c.record_seq + 1)).where(_is_due(now)),
        )
    )
    session.execute(update(_customer).where(_is_due(now)).values(_recycled_values(now, _customer.c.owner_id)))
    return counts  # type: ignore[return-value]


def _reminders_due(now: datetime) -> Select[tuple[int, int, int | None, datetime, datetime]]:
    """Owned customers inside their reminder window whose owner has not been told of this due date."""
    at = literal(now, _customer.c.due_at.type)
    already = exists().where(
        Reminder.customer_id == _customer.c.id,
        Reminder.due_at == _customer.c.due_at,
        Reminder.user_id == _customer.c.owner_id,
    )
    return select(
        _customer.c.id, _customer.c.owner_id, _customer.c.due_rule_id, _customer.c.due_at, at
    ).where(
        _customer.c.owner_id.is_not(None),
        _customer.c.remind_at <= at,
        _customer.c.due_at > at,
        _customer.c.deleted_at.is_(None),
        ~already,
    )


def sweep(session: Session, now: datetime | None = None, dry_run: bool = False) -> SweepReport:
    """Recycle every owned customer due at ``now`` (the process clock by default) and send the
    reminders that have come due. ``dry_run`` reports the same figures and changes nothing."""
    now = now or clock.now()
    recycle_lock(session)
    report = SweepReport(at=now, dry_run=dry_run)
    if dry_run:
        counts: Counts = [tuple(row) for row in session.execute(_count_due(now))]  # type: ignore[misc]
        report.reminded = (
            session.scalar(select(func.count()).select_from(_reminders_due(now).subquery())) or 0
        )
    else:
        session.flush()
        counts = (_recycle_postgresql if is_postgresql(session) else _recycle_sqlite)(session, now)
        reminded = session.execute(
            insert(table_of(Reminder)).from_select(
                ["customer_id", "user_id", "rule_id", "due_at", "created_at"], _reminders_due(now)
            ),
            execution_options={"preserve_rowcount": True},
        )
        report.reminded = int(reminded.rowcount)  # type: ignore[attr-defined]
        session.execute(update(JobLock).where(JobLock.name == RECYCLE).values(last_run_at=now))
        expire_loaded_customers(session)
    by_rule: Counter[int] = Counter()
    by_owner: Counter[int] = Counter()
    for rule_id, owner_id, n in counts:
        report.recycled += n
        if rule_id is not None:
            by_rule[rule_id] += n
        by_owner[owner_id] += n
    report.by_rule, report.by_owner = dict(by_rule), dict(by_owner)
    return report
