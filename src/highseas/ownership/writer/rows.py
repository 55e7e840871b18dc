"""What every writer of ownership builds from: the event rows and the owner columns of a move."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Insert,
    Select,
    insert,
    literal,
    null,
    select,
)
from sqlalchemy.orm import Session

from highseas.customers.models import Customer
from highseas.db import table_of
from highseas.ownership.models import OwnershipEvent

CUSTOMER = table_of(Customer)
EVENT = table_of(OwnershipEvent)
INSERT_EVENT = insert(EVENT)
EVENT_COLUMNS = ["customer_id", "kind", "from_user_id", "to_user_id", "pool_id", "actor_id"]
EVENT_COLUMNS += ["rule_id", "reason", "at", "seq"]


def events(**columns: Any) -> Select[Any]:
    """The SELECT of event rows: each column a SQL expression over the moved rows, or a value the
    same for all (typed as its event column, so an instant becomes microseconds); absent ones null."""
    return select(*(typed(columns.get(name), name) for name in EVENT_COLUMNS))


def typed(value: Any, column: str) -> ColumnElement[Any]:
    if isinstance(value, ColumnElement):
        return value
    return null() if value is None else literal(value, EVENT.c[column].type)


def log(rows: Select[Any]) -> Insert:
    return insert(EVENT).from_select(EVENT_COLUMNS, rows)


def owner_values(
    to_user: Any, at: ColumnElement[Any], *, releasing: bool, previous_owner: Any
) -> dict[str, Any]:
    """The customer columns every move sets: the owner and the clock of the rules."""
    values: dict[str, Any] = {
        "owner_id": to_user,
        "locked": False,
        "updated_at": at,
        "record_seq": Customer.record_seq + 1,
    }
    if releasing:
        values |= {"previous_owner_id": previous_owner, "released_at": at, "claimed_at": None}
        values |= {"due_at": None, "due_rule_id": None, "remind_at": None}
    else:
        values |= {"claimed_at": at}
    return values


def log_one(session: Session, **event: Any) -> None:
    # A Core INSERT rather than an ORM object: nothing reads the event back in the same
    # transaction, and the unit of work would cost a claim more than the statement itself.
    session.execute(INSERT_EVENT, {name: event.get(name) for name in EVENT_COLUMNS})
