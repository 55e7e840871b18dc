"""The append-only ownership event log, owner reminders and the recycle job lock."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from highseas.db import Base, Instant, value_enum


class EventKind(enum.StrEnum):
    CREATE = "create"
    IMPORT = "import"
    CLAIM = "claim"
    RELEASE = "release"
    ASSIGN = "assign"
    TRANSFER = "transfer"
    RECYCLE = "recycle"
    # Two records of one real customer became one: on the merged record (leaving its owner) and on
    # the one that lives on (keeping its owner, or taking the merged one's).
    MERGE = "merge"


class OwnershipEvent(Base):
    """One row per ownership change; never updated or deleted.

    ``to_user_id`` null means the customer went (or stayed) unowned in ``pool_id``.
    """

    __tablename__ = "ownership_event"
    __table_args__ = (
        Index("ix_ownership_event_customer", "customer_id", "id"),
        Index("ix_ownership_event_actor_kind_at", "actor_id", "kind", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    kind: Mapped[EventKind] = mapped_column(value_enum(EventKind))
    from_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    to_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    pool_id: Mapped[int] = mapped_column(ForeignKey("pool.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("recycle_rule.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(Instant())
    seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # see Customer.record_seq


class Reminder(Base):
    """The owner was told that ``customer_id`` drops at ``due_at``; one per customer and due date."""

    __tablename__ = "reminder"
    # One index that answers "was this owner told of this due date?" by itself: with a separate
    # user_id index SQLite's planner (without statistics) scans every reminder of the owner.
    __table_args__ = (Index("ix_reminder_customer_due_user", "customer_id", "due_at", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("recycle_rule.id", ondelete="SET NULL"))
    due_at: Mapped[datetime] = mapped_column(Instant())
    created_at: Mapped[datetime] = mapped_column(Instant())


class JobLock(Base):
    """A row per background job; holding its row lock is holding the job (see ``recycle_lock``)."""

    __tablename__ = "job_lock"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_run_at: Mapped[datetime | None] = mapped_column(Instant())
    note: Mapped[str | None] = mapped_column(Text)
