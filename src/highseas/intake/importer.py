"""Importing a CSV or XLSX file of leads into a pool, in the caller's one transaction.

1. The file's SHA-256 and the pool are the import's key: a file already imported into that pool
   returns its earlier batch and imports nothing.
2. Rows stream from the file through :class:`~highseas.intake.rows.RowCleaner` (the same checks
   and dedup keys as creating a customer): clean rows go to a staging table in bulk, bad rows to
   the report, each with its row number, column and reason.
3. Set-based SQL marks duplicates (against live customers, then within the file), inserts the rest
   as unowned customers of the pool with one ``import`` event each, and reports the duplicates and
   the possible duplicates (similar company names, :mod:`highseas.intake.similar`).

Everything happens in one transaction: an import killed half-way leaves nothing behind, and
running it again starts afresh.
"""

from __future__ import annotations

import csv
import hashlib
import json
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from highseas import clock, errors
from highseas.auth.audit import audit
from highseas.auth.permissions import Action, can, ensure, visible_pool
from highseas.customers.dedup import KEY_KINDS
from highseas.customers.service import hold_all_dedup_keys
from highseas.db import table_of
from highseas.intake import staging
from highseas.intake.mapping import header_rules
from highseas.intake.models import ImportBatch, ImportIssue, IssueKind
from highseas.intake.reader import CHUNK, Table, read_table
from highseas.intake.rows import Problem, RowCleaner
from highseas.intake.similar import possible_duplicates
from highseas.org.models import User
from highseas.pools.models import Pool
from highseas.pools.queries import get_pool

Progress = Callable[[int, int], None]
"""Called now and then with (done, total) while the file is read."""


@dataclass
class ImportResult:
    batch: ImportBatch
    already_imported: bool


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class _Report:
    """The report's rows, inserted in chunks."""

    def __init__(self, session: Session, batch_id: int) -> None:
        self.session = session
        self.batch_id = batch_id
        self.pending: list[dict[str, Any]] = []

    def add(self, issue: dict[str, Any]) -> None:
        self.pending.append(issue)
        if len(self.pending) >= staging.CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.session.execute(insert(table_of(ImportIssue)), self.pending)
            self.pending = []


def _spool() -> tempfile.SpooledTemporaryFile[str]:
    return tempfile.SpooledTemporaryFile(max_size=1 << 20, mode="w+", encoding="utf-8", newline="")


def _stage(
    session: Session, table: Table, cleaner: RowCleaner, report: _Report, progress: Progress | None
) -> tuple[int, int]:
    """Load the clean rows (and their phones after the first) into the staging tables and report
    the refused rows and the cells left out; returns how many rows the file has and how many of
    them were refused.

    On PostgreSQL the connection is busy with ``COPY`` until every row is read, so the report's
    rows and the further phones wait in spool files (memory stays flat however many there are)
    and are written after the load.
    """
    counted = bad = 0
    with _spool() as spool, _spool() as more:
        problems, phones = csv.writer(spool), csv.writer(more)

        def note(number: int, kind: IssueKind, found: list[Problem]) -> None:
            problems.writerows(
                (number, kind.value, p.column[:200], p.reason, json.dumps(dict(p.params), ensure_ascii=False))
                for p in found
            )

        def clean_rows() -> Iterator[tuple[Any, ...]]:
            nonlocal counted, bad
            for number, cells in table.rows:
                counted += 1
                cleaned = cleaner.clean(number, cells)
                if isinstance(cleaned, list):
                    bad += 1
                    note(number, IssueKind.INVALID, cleaned)
                else:
                    note(number, IssueKind.WARNING, cleaned.warnings)
                    phones.writerows(
                        (number, text, e164, position)
                        for position, (text, e164) in enumerate(cleaned.more_phones, start=1)
                    )
                    yield cleaned.staged
                if progress is not None and counted % staging.CHUNK == 0:
                    progress(table.position(), table.size)

        staging.create_staging(session)
        staging.load_staging(session, clean_rows())
        more.seek(0)
        staging.load_more_phones(session, csv.reader(more))
        spool.seek(0)
        for number, kind, column, reason, params in csv.reader(spool):
            report.add(
                {
                    "batch_id": report.batch_id,
                    "row_number": int(number),
                    "column_name": column,
                    "kind": kind,
                    "reason": reason,
                    "params": json.loads(params),
                }
            )
    report.flush()
    return counted, bad


def import_file(
    session: Session,
    actor: User,
    pool_id: int,
    path: Path,
    *,
    file_name: str | None = None,
    mapping: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    pool = importable_pool(session, actor, pool_id)
    rules = header_rules(mapping)
    digest = file_sha256(path)
    earlier = session.scalars(
        select(ImportBatch).where(ImportBatch.pool_id == pool.id, ImportBatch.file_sha256 == digest)
    ).first()
    if earlier is not None:
        return ImportResult(earlier, already_imported=True)
    table = read_table(path, rules.is_header)
    columns = rules.columns(table.header)
    now = clock.now()
    batch = ImportBatch(
        pool_id=pool.id,
        actor_id=actor.id,
        file_name=(file_name or path.name)[:255],
        file_sha256=digest,
        created_at=now,
    )
    session.add(batch)
    session.flush()
    with staging.bulk_settings(session):
        report = _Report(session, batch.id)
        batch.rows, batch.invalid = _stage(session, table, RowCleaner(columns, pool.source), report, progress)
        if progress is not None:
            progress(table.size, table.size)
        hold_all_dedup_keys(session)  # from here to the commit, nobody else files a customer
        staging.mark_duplicates(session)
        staging.audit_hits(session, actor, batch_id=batch.id, now=now)
        batch.imported = staging.insert_customers(
            session, batch_id=batch.id, pool_id=pool.id, actor_id=actor.id, now=now
        )
        batch.duplicates = staging.record_duplicates(
            session,
            batch_id=batch.id,
            columns={label: columns.column_of(label) for label in KEY_KINDS.values()},
        )
        for issue in possible_duplicates(session, actor, batch.id, columns.column_of("company")):
            report.add(issue)
            batch.possible_duplicates += 1
        report.flush()
        batch.warnings = staging.count_warned(session, batch_id=batch.id)
        staging.drop_staging(session)
    audit(
        session,
        "import",
        actor_id=actor.id,
        batch_id=batch.id,
        pool_id=pool.id,
        file_name=batch.file_name,
        rows=batch.rows,
        imported=batch.imported,
        duplicates=batch.duplicates,
        invalid=batch.invalid,
        warnings=batch.warnings,
        possible_duplicates=batch.possible_duplicates,
    )
    session.flush()
    return ImportResult(batch, already_imported=False)


def get_batch(session: Session, actor: User, batch_id: int) -> ImportBatch:
    """A batch its importer, an admin or a pool admin may read; anyone else gets ``not_found``."""
    batch = session.get(ImportBatch, batch_id)
    if batch is None or not (batch.actor_id == actor.id or _administers(session, actor, batch.pool_id)):
        raise errors.NotFound(f"no import {batch_id}")
    return batch


def _administers(session: Session, actor: User, pool_id: int) -> bool:
    return can(session, actor, Action.IMPORT, get_pool(session, pool_id))


def importable_pool(session: Session, actor: User, pool_id: int) -> Pool:
    """The pool, when the actor may import into it (its pool admins and the admins); ``not_found``
    when they may not see it."""
    pool = visible_pool(session, actor, pool_id)
    ensure(
        session,
        actor,
        Action.IMPORT,
        pool,
        doing=f"import into pool {pool.name!r}: only an admin or its pool admins may",
    )
    return pool


def preview_import(
    session: Session, actor: User, pool_id: int, path: Path, mapping: dict[str, str] | None = None
) -> Preview:
    """What an import of the file into the pool would read (see :func:`preview_file`), for whoever
    may import into it; nothing is saved."""
    importable_pool(session, actor, pool_id)
    return preview_file(path, mapping)


@dataclass
class Preview:
    """What an import of a file would read: each column with the field it feeds (None: kept as a
    custom field; "ignore": dropped) and the first data rows as they stand in the file."""

    columns: list[tuple[str, str | None]]
    rows: list[tuple[int, list[str]]]


def preview_file(path: Path, mapping: dict[str, str] | None = None, rows: int = 5) -> Preview:
    """The header and first rows of a file, read as :func:`import_file` would: for a person to
    check the column mapping before importing."""
    rules = header_rules(mapping)
    table = read_table(path, rules.is_header)
    rules.columns(table.header)  # refuses a file whose columns give no name or company
    first = [row for _, row in zip(range(rows), table.rows, strict=False)]
    return Preview([(cell, rules.field_of(cell)) for cell in table.header], first)
