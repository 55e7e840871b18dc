"""The recycle lock: one holder at a time for the sweep and for bulk due-date changes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from highseas import errors
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
