"""Import batches and what each found wrong with its rows."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from highseas.db import Base, Instant, value_enum


class ImportBatch(Base):
    """One file imported into one pool, in one transaction.

    ``(pool_id, file_sha256, mapping_sha256)`` is the import's key: the same file imported into the
    same pool with the same column mapping again finds this row and imports nothing, while a
    corrected mapping reads the file afresh.
    """

    __tablename__ = "import_batch"
    __table_args__ = (
        UniqueConstraint(
            "pool_id", "file_sha256", "mapping_sha256", name="uq_import_batch_pool_file_mapping"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("pool.id"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    # SHA-256 of the effective column mapping as canonical JSON (importer.mapping_sha256).
    mapping_sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    invalid: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    # Rows imported without one of their values (a phone without area code, an unknown grade…).
    warnings: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    possible_duplicates: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(Instant())


class IssueKind(enum.StrEnum):
    INVALID = "invalid"  # the row was not imported: a value is malformed
    DUPLICATE = "duplicate"  # the row was not imported: it is a customer already known
    POSSIBLE_DUPLICATE = "possible"  # imported, but its company looks like another's: a person decides
    WARNING = "warning"  # imported without this cell's value: it could not be read


class ImportIssue(Base):
    """A row of the import report: the file's row number, the column at fault and why."""

    __tablename__ = "import_issue"
    __table_args__ = (Index("ix_import_issue_batch_row", "batch_id", "row_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id"))
    row_number: Mapped[int] = mapped_column(Integer)
    column_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[IssueKind] = mapped_column(value_enum(IssueKind))
    # A message id (English, translated for whoever reads the report) filled in from ``params``.
    reason: Mapped[str] = mapped_column(Text)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    duplicate_of_row: Mapped[int | None] = mapped_column(Integer)
    existing_customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    score: Mapped[int | None] = mapped_column(Integer)


class RememberedMapping(Base):
    """The column mapping a person confirmed for files with this header row: the next file with
    the same header (by :func:`highseas.intake.mapping.header_hash`) is read the same way."""

    __tablename__ = "import_mapping"

    id: Mapped[int] = mapped_column(primary_key=True)
    header_hash: Mapped[str] = mapped_column(String(64), unique=True)
    header: Mapped[list[str]] = mapped_column(JSON)
    mapping: Mapped[dict[str, str]] = mapped_column(JSON)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(Instant())


class ImportValueMap(Base):
    """A value another CRM writes and the value HighSeas files for it, per field (the company's
    grade labels: 重要客户 → A)."""

    __tablename__ = "import_value_map"
    __table_args__ = (UniqueConstraint("field", "source_value", name="uq_import_value_map_field_source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    field: Mapped[str] = mapped_column(String(40))
    source_value: Mapped[str] = mapped_column(String(100))
    target_value: Mapped[str] = mapped_column(String(100))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(Instant())
