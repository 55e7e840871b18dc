"""Materialised due dates: ``customer.due_at``, ``due_rule_id`` and ``remind_at``.

Keeping each owned customer's earliest recycle deadline on its row turns the sweep, "drops soon"
lists and reminders into index range scans. One customer (an ownership move, a follow-up, a deal)
gets its deadline from the pure :func:`highseas.ownership.policy.due_date`; many customers at
once (a rule edit, a deactivation) through :func:`due_values`, the same computation in SQL.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    and_,
    bindparam,
    case,
    false,
    func,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session

from highseas.customers.models import Customer
from highseas.db import DAY_MICROS, table_of
from highseas.ownership.locks import hold_rules
from highseas.ownership.policy import CustomerClock, RuleSpec, due_date
from highseas.pools.models import RecycleRule, RuleKind

_customers = table_of(Customer)


RULE_COLUMNS = (
    RecycleRule.id,
    RecycleRule.kind,
    RecycleRule.days,
    RecycleRule.grades,
    RecycleRule.only_not_won,
    RecycleRule.remind_days_before,
)
"""What a rule contributes to a deadline, as plain columns: read on every move, follow-up and
deal, where loading ORM objects would cost more than the query."""


def rule_spec(columns: tuple[Any, ...]) -> RuleSpec:
    """The rule of a row that selected :data:`RULE_COLUMNS` (in that order)."""
    rule_id, kind, days, grades, not_won, remind = columns
    return RuleSpec(rule_id, kind.value, days, grades, not_won, remind)


def rule_specs(session: Session, pool_id: int) -> list[RuleSpec]:
    """The pool's rules, held (:func:`~highseas.ownership.locks.hold_rules`) until the caller's
    transaction ends, so that the due dates worked out from them stay right."""
    hold_rules(session, pool_id)
    return [rule_spec(tuple(row)) for row in session.execute(_rules_query(), {"pool_id": pool_id})]


@cache
def _rules_query() -> Select[int, RuleKind, int, str | None, bool, int | None]:
    # Built once: every move, follow-up and deal runs it.
    return select(*RULE_COLUMNS).where(RecycleRule.pool_id == bindparam("pool_id"))


def refresh_due(session: Session, customer: Customer) -> None:
    """Recompute one customer's deadline after anything the rules read has changed."""
    due = None
    if customer.owner_id is not None and customer.deleted_at is None:
        clock = CustomerClock(
            grade=customer.grade,
            won=customer.won,
            locked=customer.locked,
            claimed_at=customer.claimed_at,
            last_followup_at=customer.last_followup_at,
            last_deal_at=customer.last_deal_at,
        )
        due = due_date(clock, rule_specs(session, customer.pool_id))
    customer.due_at = due.at if due else None
    customer.due_rule_id = due.rule_id if due else None
    customer.remind_at = due.remind_at if due else None


def _applies(rule: FromClause) -> ColumnElement[bool]:
    c = _customers.c
    won_test = case(
        (rule.c.kind == RuleKind.NO_FOLLOWUP.value, or_(rule.c.only_not_won == false(), c.won == false())),
        (rule.c.kind == RuleKind.NO_DEAL.value, c.won == false()),
        else_=c.won == true(),
    )
    return and_(
        rule.c.pool_id == c.pool_id,
        c.locked == false(),
        or_(rule.c.grades.is_(None), rule.c.grades.contains(c.grade)),
        won_test,
    )


def _candidate_due(rule: FromClause) -> ColumnElement[int]:
    """Microseconds at which ``rule`` drops the customer; NULL when its clock has not started."""
    c = _customers.c
    followup_start = case(
        (c.last_followup_at > c.claimed_at, c.last_followup_at),
        else_=c.claimed_at,
    )
    start = case(
        (rule.c.kind == RuleKind.NO_FOLLOWUP.value, followup_start),
        (rule.c.kind == RuleKind.NO_DEAL.value, c.claimed_at),
        else_=c.last_deal_at,
    )
    return start + rule.c.days * literal(DAY_MICROS)


def due_values() -> dict[str, ColumnElement[Any]]:
    """SET clauses giving an owned customer its earliest candidate due date, the lowest-id rule
    reaching it, and that rule's reminder — the SQL form of :func:`policy.due_date`."""
    first, second, third = (RecycleRule.__table__.alias(name) for name in ("first", "second", "third"))
    earliest = (
        select(func.min(_candidate_due(first))).where(_applies(first)).correlate(_customers).scalar_subquery()
    )
    reaching = (
        select(func.min(second.c.id))
        .where(_applies(second), _candidate_due(second) == earliest)
        .correlate(_customers)
        .scalar_subquery()
    )
    remind = (
        select(_candidate_due(third) - third.c.remind_days_before * literal(DAY_MICROS))
        .where(third.c.id == reaching)
        .correlate(_customers)
        .scalar_subquery()
    )
    return {"due_at": earliest, "due_rule_id": reaching, "remind_at": remind}


def refresh_due_dates(session: Session, *where: ColumnElement[bool]) -> None:
    """Recompute the deadline of every owned customer matching ``where`` in one UPDATE.

    One pass matters on PostgreSQL, where every UPDATE rewrites each row and its index entries.
    """
    session.flush()
    c = _customers
    owned = and_(c.c.owner_id.is_not(None), c.c.deleted_at.is_(None), *where)
    hold_rules(session, select(c.c.pool_id).where(owned).distinct())
    session.execute(update(c).where(owned).values(due_values()))
    expire_loaded_customers(session)


def expire_loaded_customers(session: Session) -> None:
    """Make customers already loaded in the session reread what a bulk UPDATE changed."""
    for loaded in list(session.identity_map.values()):
        if isinstance(loaded, Customer):
            session.expire(loaded)
