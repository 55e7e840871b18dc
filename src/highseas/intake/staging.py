"""The set-based half of an import: a staging table of clean rows, dedup over it, one INSERT.

Rows reach the staging table in bulk (PostgreSQL ``COPY``; SQLite ``executemany`` in chunks, inside
the import's transaction); every later step is one statement over the whole file, so a million
rows cost a handful of statements, never a round trip each.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import (
    ColumnElement,
    case,
    column,
    func,
    insert,
    literal,
    literal_column,
    not_,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from highseas.auth.models import AuditEvent
from highseas.auth.permissions import customer_contacts_hidden, visible_customers_clause
from highseas.customers.dedup import DEDUP_KEYS, KEY_KINDS, ensure_under_hit_limit
from highseas.customers.models import Customer
from highseas.db import Instant, is_postgresql, table_of, to_micros
from highseas.intake.rows import STAGED
from highseas.messages import N_
from highseas.org.models import User
from highseas.ownership.writer import log_imported
from highseas.pools.queries import viewer_parameters

STAGING = "intake_row"
MORE_PHONES = "intake_phone"
"""The phones of staged rows after their first: (row_no, phone, phone_e164, position)."""
CHUNK = 5_000

_TEXT_COLUMNS = ", ".join(f"{column} TEXT" for column in STAGED[1:])


# Memory the database may use for the import's sorts, hashes and pages, and no more: the server's
# (PostgreSQL ``work_mem``) or this process's (SQLite page cache, within the import's 300 MB).
POSTGRESQL_WORK_MEM = "128MB"
SQLITE_CACHE_KIB = 65_536


@contextmanager
def bulk_settings(session: Session) -> Iterator[None]:
    """Give the import's few big statements room, then restore the connection's settings.

    With PostgreSQL's default 4 MB of ``work_mem`` the in-file dedup's grouping and the possible
    duplicates' sort spill to disk; with SQLite's default 2 MB page cache the customer index inserts
    of a large import keep rereading pages from the operating system.
    """
    connection = session.connection()
    if is_postgresql(session):
        before = connection.exec_driver_sql("SELECT current_setting('work_mem')").scalar_one()
        setting = "SELECT set_config('work_mem', %(value)s, true)"
        connection.exec_driver_sql(setting, {"value": POSTGRESQL_WORK_MEM})
        yield
        # Only on success: the setting is local to the transaction, so a failed import's rollback
        # restores it (and an aborted transaction takes no more statements).
        connection.exec_driver_sql(setting, {"value": before})
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


def create_staging(session: Session) -> None:
    # A temporary table lives in this connection only; on PostgreSQL it goes with the transaction,
    # on SQLite :func:`drop_staging` removes it (a rollback removes it on both).
    suffix = " ON COMMIT DROP" if is_postgresql(session) else ""
    session.execute(
        text(
            f"CREATE TEMPORARY TABLE {STAGING} (row_no INTEGER PRIMARY KEY, {_TEXT_COLUMNS}, "
            f"existing_id INTEGER, dup_of_row INTEGER, dup_key TEXT){suffix}"
        )
    )
    session.execute(
        text(
            f"CREATE TEMPORARY TABLE {MORE_PHONES} (row_no INTEGER NOT NULL, phone TEXT NOT NULL, "
            f"phone_e164 TEXT NOT NULL, position INTEGER NOT NULL){suffix}"
        )
    )


def drop_staging(session: Session) -> None:
    if not is_postgresql(session):
        session.execute(text(f"DROP TABLE {STAGING}"))
        session.execute(text(f"DROP TABLE {MORE_PHONES}"))


def load_more_phones(session: Session, rows: Iterable[list[str]]) -> None:
    """Stage the phones of rows after their first, as ``(row_no, phone, phone_e164, position)``;
    only rows with several numbers have any, so this is a small table beside the rows."""
    statement = text(
        f"INSERT INTO {MORE_PHONES} (row_no, phone, phone_e164, position) "
        "VALUES (:row, :phone, :e164, :position)"
    )
    for chunk in _chunks(iter(tuple(row) for row in rows)):
        session.execute(
            statement,
            [
                {"row": int(r), "phone": phone, "e164": e164, "position": int(p)}
                for r, phone, e164, p in chunk
            ],
        )
    if _has_rows(session, MORE_PHONES):
        session.execute(text(f"CREATE INDEX ix_{MORE_PHONES}_e164 ON {MORE_PHONES} (phone_e164)"))
        session.execute(text(f"CREATE INDEX ix_{MORE_PHONES}_row ON {MORE_PHONES} (row_no)"))


def _has_rows(session: Session, table_name: str) -> bool:
    return bool(session.scalar(text(f"SELECT EXISTS (SELECT 1 FROM {table_name})")))


def _chunks(rows: Iterable[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


def load_staging(session: Session, rows: Iterable[tuple[Any, ...]]) -> None:
    """Stream clean rows (in :data:`STAGED` order) into the staging table."""
    columns = ", ".join(STAGED)
    if is_postgresql(session):
        driver = session.connection().connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor, cursor.copy(f"COPY {STAGING} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        session.execute(text(f"ANALYZE {STAGING}"))
        return
    cursor = session.connection().connection.driver_connection
    assert cursor is not None
    placeholders = ", ".join("?" * len(STAGED))
    statement = f"INSERT INTO {STAGING} ({columns}) VALUES ({placeholders})"
    for chunk in _chunks(rows):
        cursor.executemany(statement, chunk)


def mark_duplicates(session: Session) -> None:
    """Mark each staged row that matches a live customer, then each that repeats an earlier row.

    Against the database first: a row that is already a customer says which one. Within the file,
    the first row with a key is kept and later ones point at it. A phone is any of a customer's or
    a row's numbers: the first (in the customer and staging rows) or a further one (in
    ``customer_phone`` and :data:`MORE_PHONES`); the statements over further phones only run when
    there are any, so a file of one-phone leads pays nothing for them.
    """
    if not is_postgresql(session):
        # SQLite answers the correlated lookups below through these; PostgreSQL hashes instead.
        for key in DEDUP_KEYS:
            session.execute(text(f"CREATE INDEX ix_{STAGING}_{key} ON {STAGING} ({key})"))
    more_known = _has_rows(session, "customer_phone")
    more_staged = _has_rows(session, MORE_PHONES)
    for key in DEDUP_KEYS:
        match = f"c.{key} = {STAGING}.{key} AND c.deleted_at IS NULL"
        _mark_existing(session, key, f"{key} IS NOT NULL", f"FROM customer c WHERE {match}", "c.id")
        if key != "phone_e164":
            continue
        live = "JOIN customer c ON c.id = k.customer_id AND c.deleted_at IS NULL"
        if more_known:
            known = f"FROM customer_phone k {live} WHERE k.phone_e164 = {STAGING}.phone_e164"
            _mark_existing(session, key, "phone_e164 IS NOT NULL", known, "k.customer_id")
        if more_staged:
            live_first = "JOIN customer c ON c.phone_e164 = p.phone_e164 AND c.deleted_at IS NULL"
            staged = f"FROM {MORE_PHONES} p {live_first}"
            _mark_existing(session, key, "TRUE", f"{staged} WHERE p.row_no = {STAGING}.row_no", "c.id")
        if more_known and more_staged:
            both = f"FROM {MORE_PHONES} p JOIN customer_phone k ON k.phone_e164 = p.phone_e164 {live}"
            _mark_existing(session, key, "TRUE", f"{both} WHERE p.row_no = {STAGING}.row_no", "k.customer_id")
    for key in DEDUP_KEYS:
        if key == "phone_e164" and more_staged:
            _mark_repeated_phones(session)
            continue
        session.execute(
            text(
                f"UPDATE {STAGING} SET dup_of_row = f.first_row, dup_key = :key "
                f"FROM (SELECT {key} AS v, MIN(row_no) AS first_row FROM {STAGING} "
                f"WHERE existing_id IS NULL AND {key} IS NOT NULL GROUP BY {key} HAVING COUNT(*) > 1) f "
                f"WHERE {STAGING}.{key} = f.v AND {STAGING}.row_no > f.first_row "
                f"AND {STAGING}.existing_id IS NULL AND {STAGING}.dup_of_row IS NULL"
            ),
            {"key": key},
        )


def _mark_repeated_phones(session: Session) -> None:
    """Within the file, over every phone of every row: a later row with any number of an earlier
    one points at the first row that has it."""
    phones = (
        f"SELECT row_no, phone_e164 AS v FROM {STAGING} WHERE existing_id IS NULL AND phone_e164 IS NOT NULL "
        f"UNION ALL SELECT p.row_no, p.phone_e164 FROM {MORE_PHONES} p "
        f"JOIN {STAGING} s ON s.row_no = p.row_no WHERE s.existing_id IS NULL"
    )
    session.execute(text(f"CREATE TEMPORARY TABLE intake_all_phones AS {phones}"))
    session.execute(text("CREATE INDEX ix_intake_all_phones_v ON intake_all_phones (v)"))
    firsts = "SELECT v, MIN(row_no) AS first_row FROM intake_all_phones GROUP BY v HAVING COUNT(*) > 1"
    later = (
        f"SELECT a.row_no, MIN(f.first_row) AS first_row FROM intake_all_phones a JOIN ({firsts}) f "
        "ON a.v = f.v AND a.row_no > f.first_row GROUP BY a.row_no"
    )
    session.execute(
        text(
            f"UPDATE {STAGING} SET dup_of_row = d.first_row, dup_key = 'phone_e164' FROM ({later}) d "
            f"WHERE {STAGING}.row_no = d.row_no AND {STAGING}.existing_id IS NULL "
            f"AND {STAGING}.dup_of_row IS NULL"
        )
    )
    session.execute(text("DROP TABLE intake_all_phones"))


def _mark_existing(session: Session, key: str, staged_has_key: str, matches: str, customer_id: str) -> None:
    """Point each staged row not yet matched at the first live customer ``matches`` finds."""
    session.execute(
        text(
            f"UPDATE {STAGING} SET existing_id = (SELECT MIN({customer_id}) {matches}), dup_key = :key "
            f"WHERE existing_id IS NULL AND {staged_has_key} AND EXISTS (SELECT 1 {matches})"
        ),
        {"key": key},
    )


SAME_KEY = {
    "phone": N_("same phone"),
    "email": N_("same email"),
    "credit_code": N_("same credit code"),
    "company": N_("same company"),
}
"""The reason of a duplicate, by the key it shares (a message id)."""

_STAGED_HITS = table(STAGING, column("existing_id"), column("dup_key"))


def _json_object(
    session: Session, values: dict[str, ColumnElement[Any]], flags: dict[str, ColumnElement[bool]]
) -> ColumnElement[Any]:
    """A JSON object built in SQL from ``values`` and the booleans ``flags``."""
    if not is_postgresql(session):
        # SQLite has no booleans: a flag would be 1 or 0 in the object, not true or false.
        flags = {
            key: case((flag, func.json("true")), else_=func.json("false")) for key, flag in flags.items()
        }
    fields = values | flags
    pairs = [part for key, value in fields.items() for part in (literal_column(f"'{key}'"), value)]
    build = func.json_build_object if is_postgresql(session) else func.json_object
    return build(*pairs)


def audit_hits(session: Session, actor: User, *, batch_id: int, now: datetime) -> None:
    """One audit row per staged row that matched a live customer: the key kind, the customer, and
    whether the importer may see it (and its contacts). Refuses the import (``rate_limited``)
    when its hits on what the importer may not see take them past the limit of
    :mod:`highseas.customers.dedup`. Run after :func:`mark_duplicates`."""
    staged = _STAGED_HITS
    hits = staged.join(table_of(Customer), Customer.id == staged.c.existing_id)
    visible = visible_customers_clause(actor.role)
    revealing = not_(visible & not_(customer_contacts_hidden(actor.role)))
    parameters = viewer_parameters(session, actor)
    count = select(func.count()).select_from(hits).where(revealing)
    ensure_under_hit_limit(session, actor, session.scalar(count, parameters) or 0)
    kind = case(
        *((staged.c.dup_key == key, literal_column(f"'{label}'")) for key, label in KEY_KINDS.items())
    )
    values: dict[str, ColumnElement[Any]] = {
        "batch_id": literal_column(str(int(batch_id))),
        "customer_id": table_of(Customer).c.id,
        "key": kind,
    }
    detail = _json_object(session, values, {"visible": visible, "revealing": revealing})
    rows = select(literal_column("'dedup_hit'"), literal(actor.id), detail, literal(now, Instant()))
    columns = ["kind", "actor_id", "detail", "at"]
    session.execute(insert(table_of(AuditEvent)).from_select(columns, rows.select_from(hits)), parameters)


def insert_customers(session: Session, *, batch_id: int, pool_id: int, actor_id: int, now: datetime) -> int:
    """Insert the rows left after dedup as unowned customers of the pool, each with its ``import``
    event (the customer's record number 1); returns how many."""
    json_cast = "::json" if is_postgresql(session) else ""
    params = {
        "batch": batch_id,
        "pool": pool_id,
        "actor": actor_id,
        "now": to_micros(now),
        "no": False,
    }
    inserted = session.execute(
        text(
            "INSERT INTO customer (name, company, company_key, phone, phone_e164, email, email_key, wechat, "
            "credit_code, grade, stage, region, industry, source, tags, custom_fields, pool_id, won, "
            "locked, created_by_id, import_batch_id, created_at, updated_at, record_seq) "
            "SELECT name, company, company_key, phone, phone_e164, email, email_key, wechat, credit_code, "
            f"grade, 'lead', region, industry, source, tags{json_cast}, custom_fields{json_cast}, :pool, "
            f":no, :no, :actor, :batch, :now, :now, 1 FROM {STAGING} "
            "WHERE existing_id IS NULL AND dup_of_row IS NULL ORDER BY row_no"
        ),
        params,
    )
    log_imported(session, batch_id=batch_id, actor_id=actor_id, at=now)
    if _has_rows(session, MORE_PHONES):
        # Within a batch no two inserted customers share a phone (dedup saw to it), so a row's
        # first phone finds the customer inserted from it.
        session.execute(
            text(
                "INSERT INTO customer_phone (customer_id, phone, phone_e164, position) "
                f"SELECT c.id, p.phone, p.phone_e164, p.position FROM {MORE_PHONES} p "
                f"JOIN {STAGING} s ON s.row_no = p.row_no AND s.existing_id IS NULL AND s.dup_of_row IS NULL "
                "JOIN customer c ON c.import_batch_id = :batch AND c.phone_e164 = s.phone_e164 "
                "ORDER BY p.row_no, p.position"
            ),
            {"batch": batch_id},
        )
    return inserted.rowcount  # type: ignore[attr-defined, no-any-return]


def record_duplicates(session: Session, *, batch_id: int, columns: dict[str, str]) -> int:
    """One report row per duplicate; ``columns`` names the file's column of each key."""
    label = " ".join(f"WHEN '{key}' THEN :label_{key}" for key in DEDUP_KEYS)
    column = " ".join(f"WHEN '{key}' THEN :column_{key}" for key in DEDUP_KEYS)
    params: dict[str, Any] = {"batch": batch_id, "kind": "duplicate"}
    for key, name in KEY_KINDS.items():
        params[f"label_{key}"] = SAME_KEY[name]
        params[f"column_{key}"] = columns[name]
    recorded = session.execute(
        text(
            "INSERT INTO import_issue (batch_id, row_number, column_name, kind, reason, duplicate_of_row, "
            f"existing_customer_id) SELECT :batch, row_no, CASE dup_key {column} END, :kind, "
            f"CASE dup_key {label} END, dup_of_row, existing_id FROM {STAGING} "
            "WHERE existing_id IS NOT NULL OR dup_of_row IS NOT NULL"
        ),
        params,
    )
    return recorded.rowcount  # type: ignore[attr-defined, no-any-return]


def count_warned(session: Session, *, batch_id: int) -> int:
    """How many rows of the batch were imported with a cell left out (not those refused as
    duplicates after all)."""
    return (
        session.scalar(
            text(
                "SELECT COUNT(DISTINCT w.row_number) FROM import_issue w WHERE w.batch_id = :batch "
                "AND w.kind = 'warning' AND NOT EXISTS (SELECT 1 FROM import_issue d "
                "WHERE d.batch_id = :batch AND d.row_number = w.row_number AND d.kind = 'duplicate')"
            ),
            {"batch": batch_id},
        )
        or 0
    )
