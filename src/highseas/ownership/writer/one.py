"""The single-row writers: one customer moved (claim, release, assign, transfer) or created."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Boolean,
    Integer,
    Table,
    bindparam,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningUpdate, Update
from sqlalchemy.sql.selectable import ExecutableReturnsRows

from highseas import errors
from highseas.customers.models import Customer
from highseas.db import is_postgresql
from highseas.ownership import policy
from highseas.ownership.due import rule_specs
from highseas.ownership.locks import hold_rules
from highseas.ownership.models import EventKind
from highseas.ownership.writer.rows import (
    CUSTOMER,
    EVENT,
    events,
    log,
    log_one,
    owner_values,
)


def move_ownership(
    session: Session,
    customer: Customer,
    *,
    kind: EventKind,
    to_user_id: int | None,
    actor_id: int | None,
    conflict: errors.DomainError,
    at: datetime,
    pool_id: int | None = None,
    reason: str | None = None,
    rules: list[policy.RuleSpec] | None = None,
) -> Customer:
    """Compare-and-set the owner from the one read to ``to_user_id`` and log the event.

    The same UPDATE stores the new owner's due date, worked out by :func:`policy.due_date` from
    the row as read and the target pool's ``rules`` (read here unless given), and returns the
    whole row; on PostgreSQL the same statement appends the event too. It applies only while the
    row still holds what was read: another owner is ``conflict``; a changed grade, deal or
    follow-up (the values the rules read) makes the move read the row again and retry.
    """
    expected = customer.owner_id
    target_pool = pool_id if pool_id is not None else customer.pool_id
    logs_itself = is_postgresql(session)
    build = _move_and_log_statement if logs_itself else _move_statement
    statement = build(to_user_id is None, expected is not None)
    if to_user_id is None:
        rules = None
        # No deadline to work out, but the row lock below comes after the rules of the pool that
        # owns it, as everywhere (locks.hold_rules).
        hold_rules(session, customer.pool_id)
    elif rules is None:
        rules = rule_specs(session, target_pool)
    for _attempt in range(_MOVE_ATTEMPTS):
        parameters = {
            "customer": customer.id,
            "old_owner": expected,
            "new_owner": to_user_id,
            "new_pool": target_pool,
            "moved_at": at,
            "read_pool": customer.pool_id,
            "read_grade": customer.grade,
            "read_won": customer.won,
            "read_followup": customer.last_followup_at,
            "read_deal": customer.last_deal_at,
            "event_kind": kind,
            "actor": actor_id,
            "reason": reason,
        } | _due_parameters(customer, rules, at)
        moved: Customer | None = session.scalars(statement, parameters).one_or_none()
        if moved is not None:
            break
        session.refresh(customer)
        # Moved meanwhile, or put in another pool (whose rules and members were not checked).
        moved_away = pool_id is None and customer.pool_id != target_pool
        if customer.owner_id != expected or customer.deleted_at is not None or moved_away:
            raise conflict
    else:
        raise conflict
    if not logs_itself:
        log_one(
            session,
            customer_id=moved.id,
            kind=kind,
            from_user_id=expected,
            to_user_id=to_user_id,
            pool_id=target_pool,
            actor_id=actor_id,
            reason=reason,
            at=at,
            seq=moved.record_seq,
        )
    return moved


# A move retried this often without the row holding still (its grade edited over and over) gives up.
_MOVE_ATTEMPTS = 3


def _due_parameters(customer: Customer, rules: list[policy.RuleSpec] | None, now: datetime) -> dict[str, Any]:
    """The deadline of a customer moving to a new owner now (none when it goes back to a pool)."""
    due = None
    if rules is not None:
        held = policy.CustomerClock(
            grade=customer.grade,
            won=customer.won,
            locked=False,
            claimed_at=now,
            last_followup_at=customer.last_followup_at,
            last_deal_at=customer.last_deal_at,
        )
        due = policy.due_date(held, rules)
    return {
        "due_at": due.at if due else None,
        "due_rule_id": due.rule_id if due else None,
        "remind_at": due.remind_at if due else None,
    }


@cache
def _move_statement(releasing: bool, owned: bool) -> ReturningUpdate[Customer]:
    """The compare-and-set UPDATE of :func:`move_ownership`, one per kind of move, built once."""
    return (
        _move_update(Customer, releasing, owned)
        .returning(Customer)
        .execution_options(synchronize_session=False, populate_existing=True)
    )


@cache
def _move_and_log_statement(releasing: bool, owned: bool) -> ExecutableReturnsRows:
    """:func:`_move_statement` and the event it calls for as one PostgreSQL statement (a
    data-modifying ``WITH``): a round trip less on every claim. The event is appended only if the
    UPDATE applied, from the row it returns.

    Plain Core inside, read into a :class:`Customer` through ``from_statement``: an ORM entity
    aliased onto the ``WITH`` was seen to compile into a cartesian product under concurrent first use.
    """
    moved = _move_update(CUSTOMER, releasing, owned).returning(*CUSTOMER.c).cte("moved")
    logged = log(
        events(
            customer_id=moved.c.id,
            kind=bindparam("event_kind", type_=EVENT.c.kind.type),
            from_user_id=bindparam("old_owner", type_=Integer),
            to_user_id=moved.c.owner_id,
            pool_id=moved.c.pool_id,
            actor_id=bindparam("actor", type_=Integer),
            reason=bindparam("reason", type_=EVENT.c.reason.type),
            at=moved.c.updated_at,
            seq=moved.c.record_seq,
        )
    )
    row = select(*moved.c).add_cte(logged.cte("logged"))
    return select(Customer).from_statement(row).execution_options(populate_existing=True)


def _move_update(target: type[Customer] | Table, releasing: bool, owned: bool) -> Update:
    """The UPDATE of one move, on the mapped class (ORM) or on its table (Core)."""
    c = Customer
    instant = c.updated_at.type
    moved_at = bindparam("moved_at", type_=instant)
    owner_test = c.owner_id == bindparam("old_owner") if owned else c.owner_id.is_(None)
    as_read = (
        c.pool_id == bindparam("read_pool", type_=Integer),
        c.grade.is_not_distinct_from(bindparam("read_grade", type_=c.grade.type)),
        c.won == bindparam("read_won", type_=Boolean),
        c.last_followup_at.is_not_distinct_from(bindparam("read_followup", type_=instant)),
        c.last_deal_at.is_not_distinct_from(bindparam("read_deal", type_=instant)),
    )
    values = owner_values(
        bindparam("new_owner", type_=Integer), moved_at, releasing=releasing, previous_owner=c.owner_id
    ) | {
        "pool_id": bindparam("new_pool", type_=Integer),
        "due_at": bindparam("due_at", type_=instant),
        "due_rule_id": bindparam("due_rule_id", type_=Integer),
        "remind_at": bindparam("remind_at", type_=instant),
    }
    return (
        update(target)
        .where(c.id == bindparam("customer"), owner_test, c.deleted_at.is_(None), *as_read)
        .values(values)
    )


def add_customer(
    session: Session,
    values: dict[str, Any],
    *,
    pool_id: int,
    owner_id: int | None,
    actor_id: int,
    at: datetime,
) -> Customer:
    """A new customer, owned by ``owner_id`` or unowned in ``pool_id``, with its ``create`` event."""
    customer = Customer(
        **values,
        pool_id=pool_id,
        owner_id=owner_id,
        won=False,
        locked=False,
        claimed_at=at if owner_id is not None else None,
        created_by_id=actor_id,
        created_at=at,
        updated_at=at,
        record_seq=1,
    )
    session.add(customer)
    session.flush()
    log_one(
        session,
        customer_id=customer.id,
        kind=EventKind.CREATE,
        to_user_id=owner_id,
        pool_id=pool_id,
        actor_id=actor_id,
        at=at,
        seq=1,
    )
    return customer
