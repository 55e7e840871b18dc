"""Importing a CSV, XLSX, XLS or ODS file of leads into a pool, in the caller's one transaction.

1. The pool, the file's SHA-256 and the SHA-256 of the effective column mapping are the import's
   key: a file already imported into that pool with that mapping returns its earlier batch and
   imports nothing; a corrected mapping reads the file again.
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
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
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
from highseas.intake.mapping import CUSTOM, ColumnMap, HeaderRules, header_rules, no_naming_column
from highseas.intake.models import ImportBatch, ImportIssue, IssueKind
from highseas.intake.reader import CHUNK, Table, read_table
from highseas.intake.remembered import (
    remember_mapping,
    rules_for,
    set_value_maps,
    value_maps,
)
from highseas.intake.rows import Problem, RowCleaner, grade_of
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
    remembered: bool = False  # the columns were read by the mapping confirmed for this header row


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def mapping_sha256(rules: HeaderRules, maps: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """The SHA-256 of the mapping as it acts: the overrides by header key, less those that restate
    a default, and the company's value maps, as canonical JSON. The default mapping without value
    maps hashes as the batches did before the mapping was part of the key; a corrected mapping or
    value map gives another key, so the file is read again."""
    defaults = header_rules()
    effective: dict[str, object] = {
        key: field for key, field in rules.explicit.items() if (defaults.field_of(key) or CUSTOM) != field
    }
    if maps and any(maps.values()):
        # A header key has no punctuation (header_key), so this key is never a header's.
        effective[":values"] = {field: dict(values) for field, values in maps.items() if values}
    canonical = json.dumps(effective, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


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
    value_map: Mapping[str, Mapping[str, str | None]] | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import the file into the pool. ``mapping`` (header -> field) is the person's choice over
    the mapping remembered for this header row, and is remembered in turn; ``value_map`` is saved
    into the company's value maps before the rows are read."""
    pool = importable_pool(session, actor, pool_id)
    rules = header_rules(mapping)
    if value_map:
        set_value_maps(session, actor, value_map)
    digest = file_sha256(path)
    table = read_table(path, rules.is_header)
    rules, remembered = rules_for(session, table.header, mapping or {})
    maps = value_maps(session)
    mapping_digest = mapping_sha256(rules, maps)
    earlier = session.scalars(
        select(ImportBatch).where(
            ImportBatch.pool_id == pool.id,
            ImportBatch.file_sha256 == digest,
            ImportBatch.mapping_sha256 == mapping_digest,
        )
    ).first()
    if earlier is not None:
        return ImportResult(earlier, already_imported=True)
    columns = rules.columns(table.header)
    if mapping:
        remember_mapping(session, actor, pool.id, table.header, _confirmed(table.header, rules))
    now = clock.now()
    batch = ImportBatch(
        pool_id=pool.id,
        actor_id=actor.id,
        file_name=(file_name or path.name)[:255],
        file_sha256=digest,
        mapping_sha256=mapping_digest,
        created_at=now,
    )
    session.add(batch)
    session.flush()
    with staging.bulk_settings(session):
        report = _Report(session, batch.id)
        batch.rows, batch.invalid = _stage(
            session, table, RowCleaner(columns, pool.source, value_maps=maps), report, progress
        )
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
    return ImportResult(batch, already_imported=False, remembered=remembered)


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


def _confirmed(header: list[str], rules: HeaderRules) -> dict[str, str]:
    """Every named column's field, as the person confirmed it: what is remembered."""
    return {cell: field for cell, field in zip(header, rules.fields_of(header), strict=True) if cell.strip()}


PREVIEW_ROWS = 5
VALUE_SCAN_ROWS = 500
"""Rows read for the distinct values a person may map (the grade labels of the CRM left)."""


@dataclass
class Preview:
    """What an import of a file would read: each column with the field it feeds ("custom": kept
    as a custom field; "ignore": dropped), the first data rows as they stand in the file, whether
    a remembered mapping applied, and by field the values found that need the company's value map
    (with their target when it has one)."""

    columns: list[tuple[str, str]]
    rows: list[tuple[int, list[str]]]
    remembered: bool = False
    values: dict[str, dict[str, str | None]] = field(default_factory=dict)
    problem: str | None = None
    """Why an import of the file read this way would be refused (no column for a name or a
    company), for the person to choose a field before importing."""


def _grades_to_map(
    columns: ColumnMap, scanned: list[tuple[int, list[str]]], known: Mapping[str, str]
) -> dict[str, str | None]:
    positions = columns.fields.get("grade", ())
    found: dict[str, str | None] = {}
    for _, cells in scanned:
        for position in positions:
            value = cells[position].strip() if position < len(cells) else ""
            if value and value not in found and grade_of(value) is None:
                found[value] = known.get(value)
    return found


def preview_file(
    path: Path,
    mapping: Mapping[str, str] | None = None,
    rows: int = PREVIEW_ROWS,
    *,
    rules_of: Callable[[list[str]], tuple[HeaderRules, bool]] | None = None,
    known_values: Mapping[str, Mapping[str, str]] | None = None,
) -> Preview:
    """The header and first rows of a file, read as :func:`import_file` would: for a person to
    check the column mapping before importing. ``rules_of`` gives the rules for the header found
    (the remembered mapping under the explicit one); ``known_values`` the company's value maps."""
    rules = header_rules(mapping)
    table = read_table(path, rules.is_header)
    remembered = False
    if rules_of is not None:
        rules, remembered = rules_of(table.header)
    columns = rules.columns(table.header, require_naming=False)
    problem = None if columns.names_a_customer else no_naming_column(table.header).message
    scanned = [row for _, row in zip(range(max(rows, VALUE_SCAN_ROWS)), table.rows, strict=False)]
    grades = _grades_to_map(columns, scanned, (known_values or {}).get("grade", {}))
    fields = rules.fields_of(table.header)
    return Preview(
        list(zip(table.header, fields, strict=True)),
        scanned[:rows],
        remembered,
        {"grade": grades} if grades else {},
        problem,
    )


def preview_import(
    session: Session,
    actor: User,
    pool_id: int,
    path: Path,
    mapping: dict[str, str] | None = None,
    value_map: Mapping[str, Mapping[str, str | None]] | None = None,
) -> Preview:
    """What an import of the file into the pool would read (see :func:`preview_file`), for whoever
    may import into it; only ``value_map``, when given, is saved (the company's value maps)."""
    importable_pool(session, actor, pool_id)
    if value_map:
        set_value_maps(session, actor, value_map)
    explicit = mapping or {}
    return preview_file(
        path,
        explicit,
        rules_of=lambda header: rules_for(session, header, explicit),
        known_values=value_maps(session),
    )
