"""The writer of a merge: two records of one real customer become one (see
:mod:`highseas.customers.merge`, which decides and holds the locks)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from highseas.customers.models import Customer
from highseas.ownership.models import EventKind
from highseas.ownership.writer.rows import log_one


def merge_ownership(
    session: Session,
    survivor: Customer,
    merged: Customer,
    *,
    survivor_owner_id: int | None,
    actor_id: int | None,
    at: datetime,
) -> None:
    """The merged record leaves its owner (it is deleted, nobody's customer any more) and the
    survivor keeps its owner or takes ``survivor_owner_id`` (the merged record's owner, with the
    time they got it); one ``merge`` event on each.

    Call with both rows locked and the receiving owner's row locked where capacity was counted.
    """
    merged_owner, held_since = merged.owner_id, merged.claimed_at
    merged.owner_id = None
    merged.locked = False
    merged.claimed_at = None
    merged.updated_at = at
    log_one(
        session,
        customer_id=merged.id,
        kind=EventKind.MERGE,
        from_user_id=merged_owner,
        pool_id=merged.pool_id,
        actor_id=actor_id,
        at=at,
        seq=merged.next_record_seq(),
    )
    survivor_owner = survivor.owner_id
    if survivor_owner_id != survivor_owner:
        # Only ever an unowned survivor taking the merged record's owner, who has had this real
        # customer since they got that record: their clock goes on (merging a pool duplicate into
        # a customer about to drop must not start its deadline afresh).
        survivor.owner_id = survivor_owner_id
        survivor.claimed_at = held_since or at
    survivor.updated_at = at
    log_one(
        session,
        customer_id=survivor.id,
        kind=EventKind.MERGE,
        from_user_id=survivor_owner,
        to_user_id=survivor.owner_id,
        pool_id=survivor.pool_id,
        actor_id=actor_id,
        at=at,
        seq=survivor.next_record_seq(),
    )
