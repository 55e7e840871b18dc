"""Customers, their follow-ups and deals."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from highseas.db import Base, Instant, value_enum

GRADES = ("A", "B", "C", "D", "E")


class Stage(enum.StrEnum):
    LEAD = "lead"
    OPPORTUNITY = "opportunity"
    CUSTOMER = "customer"


class FollowUpKind(enum.StrEnum):
    CALL = "call"
    VISIT = "visit"
    MESSAGE = "message"
    MEETING = "meeting"
    EMAIL = "email"


def _where_set(name: str, *columns: str) -> Index:
    """An index of the rows whose first column is set.

    Every lookup through these indexes compares that column (``phone_e164 = …``, ``due_at <= …``,
    ``owner_id = …``), which both databases know excludes null, so rows without a value need no
    entry: an imported lead has no owner, no due date and often no email or credit code, and a
    bulk import pays for each index entry of each row.
    """
    where = text(f"{columns[0]} IS NOT NULL")
    return Index(name, *columns, postgresql_where=where, sqlite_where=where)


class Customer(Base):
    """Owned by ``owner_id``, or — when that is null — sitting unowned in pool ``pool_id``.

    ``pool_id`` is never null: it is the pool the customer sits in or returns to, so a customer is
    always either owned or in exactly one pool. ``due_at``/``due_rule_id``/``remind_at`` materialise
    the earliest recycle deadline of an owned customer; they are null when no rule applies.
    """

    __tablename__ = "customer"
    __table_args__ = (
        _where_set("ix_customer_owner_due", "owner_id", "due_at"),
        Index("ix_customer_pool_owner", "pool_id", "owner_id"),
        _where_set("ix_customer_phone_e164", "phone_e164"),
        _where_set("ix_customer_email_key", "email_key"),
        _where_set("ix_customer_credit_code", "credit_code"),
        _where_set("ix_customer_company_key", "company_key"),
        _where_set("ix_customer_due_at", "due_at"),
        _where_set("ix_customer_remind_at", "remind_at"),
        _where_set("ix_customer_import_batch_id", "import_batch_id"),
        _where_set("ix_customer_merged_into_id", "merged_into_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    company: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    phone_e164: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    email_key: Mapped[str | None] = mapped_column(String(254))
    wechat: Mapped[str | None] = mapped_column(String(64))
    credit_code: Mapped[str | None] = mapped_column(String(18))
    # The company name as :func:`highseas.customers.contacts.company_key` reduces it, for dedup.
    company_key: Mapped[str | None] = mapped_column(String(200))
    grade: Mapped[str | None] = mapped_column(String(1))
    stage: Mapped[Stage] = mapped_column(value_enum(Stage), default=Stage.LEAD)
    region: Mapped[str | None] = mapped_column(String(100))
    industry: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str | None] = mapped_column(String(100))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    custom_fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    pool_id: Mapped[int] = mapped_column(ForeignKey("pool.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    previous_owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    won: Mapped[bool] = mapped_column(Boolean, default=False)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    claimed_at: Mapped[datetime | None] = mapped_column(Instant())
    released_at: Mapped[datetime | None] = mapped_column(Instant())
    last_followup_at: Mapped[datetime | None] = mapped_column(Instant())
    last_deal_at: Mapped[datetime | None] = mapped_column(Instant())
    due_at: Mapped[datetime | None] = mapped_column(Instant())
    due_rule_id: Mapped[int | None] = mapped_column(ForeignKey("recycle_rule.id", ondelete="SET NULL"))
    remind_at: Mapped[datetime | None] = mapped_column(Instant())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))
    created_at: Mapped[datetime] = mapped_column(Instant())
    updated_at: Mapped[datetime] = mapped_column(Instant())
    deleted_at: Mapped[datetime | None] = mapped_column(Instant())
    # Set with ``deleted_at`` when this record was merged into another: the one that lives on.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    # How many events, follow-ups and deals have been recorded for this customer. Each of them
    # takes the next number, so a timeline keeps the order recorded even when times tie (a frozen
    # clock, or a follow-up dated to the second of an event).
    record_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    def next_record_seq(self) -> int:
        """Call with the row locked (or compare-and-set): the sequence is per customer."""
        self.record_seq += 1
        return self.record_seq


class FollowUp(Base):
    __tablename__ = "followup"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[FollowUpKind] = mapped_column(value_enum(FollowUpKind))
    content: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(Instant())
    created_at: Mapped[datetime] = mapped_column(Instant())
    seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Deal(Base):
    __tablename__ = "deal"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    signed_at: Mapped[datetime] = mapped_column(Instant())
    repurchase: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(Instant())
    seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class CustomerPhone(Base):
    """A customer's phone after the first (which stays ``customer.phone``/``phone_e164``): the
    second column of 手机 + 座机, or the second number of a cell. Kept apart so that a one-phone
    lead, the common case of a large import, costs no extra row; dedup reads both."""

    __tablename__ = "customer_phone"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    phone: Mapped[str] = mapped_column(String(40))
    phone_e164: Mapped[str] = mapped_column(String(20), index=True)
    position: Mapped[int] = mapped_column(Integer)


class DismissedDuplicate(Base):
    """A pair of customers someone decided are two companies, though their names come close: they
    are no longer offered as possible duplicates. One row per pair, the lower id first."""

    __tablename__ = "dismissed_duplicate"
    __table_args__ = (
        Index("uq_dismissed_duplicate_pair", "customer_id", "other_id", unique=True),
        CheckConstraint("customer_id < other_id", name="ordered_pair"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    other_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(Instant())
