"""Departments (the org tree), users and company-wide settings."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from highseas.db import Base, Instant, value_enum


class Role(enum.StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    SALES = "sales"


class Department(Base):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(value_enum(Role))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    # None means the company default (CompanySettings.default_capacity / default_lock_cap).
    capacity: Mapped[int | None] = mapped_column(Integer)
    lock_cap: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(Instant())


class CompanySettings(Base):
    """A single row (id 1) of company-wide settings."""

    __tablename__ = "company_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    default_capacity: Mapped[int] = mapped_column(Integer, default=100)
    default_lock_cap: Mapped[int] = mapped_column(Integer, default=10)
    won_counts_toward_capacity: Mapped[bool] = mapped_column(Boolean, default=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    default_pool_id: Mapped[int | None] = mapped_column(
        ForeignKey("pool.id", use_alter=True, name="fk_company_settings_default_pool_id_pool")
    )
