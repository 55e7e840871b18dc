"""The recycle sweep: owned customers past their due date go back to their pool.

Set-based: a handful of statements whatever the number of customers. Each recycled customer gets
exactly one ``recycle`` event naming its rule, in the same transaction as its ownership change, so
a sweep killed half-way leaves every customer either fully recycled or untouched. Sweeps hold the
recycle lock, so two of them at once run one after the other and the second finds nothing due.

A follow-up or deal that lands while a sweep runs is never lost: both take the customer's row
lock. On PostgreSQL the sweep selects its customers ``FOR UPDATE``
(:func:`~highseas.ownership.writer.recycle`), which waits for such a write and then re-checks the
due date on the row it left; on SQLite the sweep holds the database's only write lock from its
first statement, so nothing lands in between.

A manual sweep (:func:`run_sweep`: the API, the web page, the CLI) is audited with its actor; the
scheduled one (:mod:`highseas.api.scheduler`) as the system's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, insert, literal, select, update
from sqlalchemy.orm import Session

from highseas import clock
from highseas.auth.audit import audit
from highseas.auth.permissions import Action, ensure
from highseas.customers.models import Customer
from highseas.db import table_of
from highseas.org.models import User
from highseas.ownership.locks import RECYCLE, recycle_lock
from highseas.ownership.models import JobLock, Reminder
from highseas.ownership.writer import Counts, count_recycled, recycle

_customer = table_of(Customer)


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
        counts: Counts = [tuple(row) for row in session.execute(count_recycled(_is_due(now)))]  # type: ignore[misc]
        report.reminded = (
            session.scalar(select(func.count()).select_from(_reminders_due(now).subquery())) or 0
        )
    else:
        counts = recycle(session, _is_due(now), now)
        reminded = session.execute(
            insert(table_of(Reminder)).from_select(
                ["customer_id", "user_id", "rule_id", "due_at", "created_at"], _reminders_due(now)
            ),
            execution_options={"preserve_rowcount": True},
        )
        report.reminded = int(reminded.rowcount)  # type: ignore[attr-defined]
        session.execute(update(JobLock).where(JobLock.name == RECYCLE).values(last_run_at=now))
    by_rule: Counter[int] = Counter()
    by_owner: Counter[int] = Counter()
    for rule_id, owner_id, n in counts:
        report.recycled += n
        if rule_id is not None:
            by_rule[rule_id] += n
        by_owner[owner_id] += n
    report.by_rule, report.by_owner = dict(by_rule), dict(by_owner)
    return report


def run_sweep(session: Session, actor: User | None, dry_run: bool = False) -> SweepReport:
    """A sweep asked for by ``actor`` (an admin; None for an operator at the command line, who
    holds the database itself), audited with what it did or would do."""
    if actor is not None:
        ensure(session, actor, Action.ADMINISTER, doing="run the recycle sweep")
    report = sweep(session, dry_run=dry_run)
    audit(
        session,
        "sweep",
        actor_id=actor.id if actor is not None else None,
        dry_run=dry_run,
        recycled=report.recycled,
        reminded=report.reminded,
    )
    return report
