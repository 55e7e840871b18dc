"""Appending to the ownership event log (never updated, never deleted)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from highseas import clock
from highseas.db import table_of
from highseas.ownership.models import EventKind, OwnershipEvent

_insert_event = insert(table_of(OwnershipEvent))


def record_event(
    session: Session,
    *,
    customer_id: int,
    kind: EventKind,
    pool_id: int,
    from_user_id: int | None,
    to_user_id: int | None,
    actor_id: int | None,
    reason: str | None = None,
    seq: int,
    rule_id: int | None = None,
    at: datetime | None = None,
) -> None:
    # A Core INSERT rather than an ORM object: nothing reads the event back in the same
    # transaction, and the unit of work would cost a claim more than the statement itself.
    session.execute(
        _insert_event,
        {
            "customer_id": customer_id,
            "kind": kind,
            "from_user_id": from_user_id,
            "to_user_id": to_user_id,
            "pool_id": pool_id,
            "actor_id": actor_id,
            "reason": reason,
            "rule_id": rule_id,
            "at": at or clock.now(),
            "seq": seq,
        },
    )
