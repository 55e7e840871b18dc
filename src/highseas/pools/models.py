"""Pools (公海), their members and admins, and their recycle rules."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from highseas.db import Base, Instant, value_enum


class Pool(Base):
    __tablename__ = "pool"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    source: Mapped[str | None] = mapped_column(String(100))
    hide_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    reclaim_protection_days: Mapped[int] = mapped_column(Integer, default=0)
    daily_claim_limit: Mapped[int | None] = mapped_column(Integer)
    # The custom field keys shown while the pool hides contact details; the others are hidden too.
    public_custom_fields: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    created_at: Mapped[datetime] = mapped_column(Instant())


class PoolMemberUser(Base):
    __tablename__ = "pool_member_user"

    pool_id: Mapped[int] = mapped_column(ForeignKey("pool.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True, index=True)


class PoolMemberDepartment(Base):
    """A department member includes every user of its sub-departments."""

    __tablename__ = "pool_member_department"

    pool_id: Mapped[int] = mapped_column(ForeignKey("pool.id", ondelete="CASCADE"), primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), primary_key=True, index=True)


class PoolAdmin(Base):
    __tablename__ = "pool_admin"

    pool_id: Mapped[int] = mapped_column(ForeignKey("pool.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True, index=True)


class RuleKind(enum.StrEnum):
    NO_FOLLOWUP = "no_followup"
    NO_DEAL = "no_deal"
    NO_REPURCHASE = "no_repurchase"


class RecycleRule(Base):
    """Applies to the owned customers whose home pool is ``pool_id``."""

    __tablename__ = "recycle_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("pool.id", ondelete="CASCADE"), index=True)
    kind: Mapped[RuleKind] = mapped_column(value_enum(RuleKind))
    days: Mapped[int] = mapped_column(Integer)
    # Sorted grade letters such as "CD", or None for every grade; a string keeps the grade test a
    # portable LIKE in the set-based due-date SQL.
    grades: Mapped[str | None] = mapped_column(String(5))
    only_not_won: Mapped[bool] = mapped_column(Boolean, default=False)
    remind_days_before: Mapped[int | None] = mapped_column(Integer)
