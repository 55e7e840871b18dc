"""Upgrading a populated database of revision 0006 to this version's revisions (0007: public custom
fields per pool and the per-user audit index; 0008: audit_event by username, which the login
limits ask; 0009: remembered import mappings and value maps; 0010: further phones, import
warnings and report parameters; 0011: merged customers, dismissed possible duplicates and company
keys computed again; 0012: the import key covers the column mapping) keeps every row, on SQLite
and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, func, insert, inspect, select, text
from sqlalchemy.orm import Session

from highseas.auth.models import AuditEvent, LoginFailure
from highseas.customers.models import Customer, CustomerPhone, DismissedDuplicate
from highseas.db import make_engine
from highseas.intake.importer import mapping_sha256
from highseas.intake.mapping import header_rules
from highseas.intake.models import ImportBatch, ImportIssue, ImportValueMap, RememberedMapping
from highseas.intake.report import report_rows
from highseas.org.models import User
from highseas.pools.models import Pool
from highseas.schema import alembic_config, migrate
from tests.conftest import PG_REQUIRED, PG_URL, START

SCHEMA = "migration_check"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    # A schema of its own: the tests' PostgreSQL schema stays at the newest revision meanwhile.
    owner = make_engine(PG_URL)
    try:
        with owner.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    except Exception as exc:  # any connection failure means "no PostgreSQL here"
        owner.dispose()
        if PG_REQUIRED:
            raise
        pytest.skip(f"PostgreSQL not reachable at {PG_URL} ({type(exc).__name__})")
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={SCHEMA}"})
    yield engine
    engine.dispose()
    with owner.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {SCHEMA} CASCADE"))
    owner.dispose()


def test_upgrading_from_0006_keeps_every_audit_and_login_row(empty_database: Engine) -> None:
    config = alembic_config(empty_database)
    command.upgrade(config, "0006")
    events = [
        {
            "kind": kind,
            "username": "rep",
            "address": "192.0.2.10",
            "detail": {"n": i},
            "at": START + timedelta(minutes=i),
        }
        for i, kind in enumerate(["login", "login_failed", "logout", "export"])
    ]
    failures = [
        {"username": "rep", "address": "203.0.113.9", "at": START + timedelta(seconds=i)} for i in range(3)
    ]
    with empty_database.begin() as connection:
        connection.execute(insert(AuditEvent.__table__), events)
        connection.execute(insert(LoginFailure.__table__), failures)

    command.upgrade(config, "head")

    with empty_database.connect() as connection:
        kept_events = connection.execute(
            select(
                AuditEvent.kind, AuditEvent.username, AuditEvent.address, AuditEvent.detail, AuditEvent.at
            ).order_by(AuditEvent.id)
        ).all()
        kept_failures = connection.execute(
            select(LoginFailure.username, LoginFailure.address, LoginFailure.at).order_by(LoginFailure.id)
        ).all()
    assert [tuple(row) for row in kept_events] == [tuple(e.values()) for e in events]
    assert [tuple(row) for row in kept_failures] == [tuple(f.values()) for f in failures]
    indexes = {
        index["name"]: index["column_names"] for index in inspect(empty_database).get_indexes("audit_event")
    }
    assert indexes["ix_audit_event_username_at"] == ["username", "at"]


def test_upgrading_from_0006_keeps_every_pool_and_gives_it_no_public_fields(empty_database: Engine) -> None:
    engine = empty_database
    command.upgrade(alembic_config(engine), "0006")
    with engine.begin() as connection:
        for n in range(3):
            connection.execute(
                text(
                    "INSERT INTO pool (name, hide_contact, reclaim_protection_days, created_at) "
                    "VALUES (:name, :hide, 0, 0)"
                ),
                {"name": f"pool {n}", "hide": n == 0},
            )
            connection.execute(
                text("INSERT INTO audit_event (kind, detail, at) VALUES ('login', '{}', :at)"), {"at": n}
            )
    migrate(engine)
    with Session(engine) as session:
        pools = session.scalars(select(Pool).order_by(Pool.id))
        assert [(p.name, p.hide_contact, p.public_custom_fields) for p in pools] == [
            ("pool 0", True, []),
            ("pool 1", False, []),
            ("pool 2", False, []),
        ]
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 3
    indexes = {index["name"] for index in inspect(engine).get_indexes("audit_event")}
    assert "ix_audit_event_actor_at" in indexes


def test_upgrading_from_0008_keeps_every_import_batch_under_the_empty_mapping_with_nothing_remembered(
    empty_database: Engine,
) -> None:
    engine = empty_database
    command.upgrade(alembic_config(engine), "0008")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO user_account (username, name, password_hash, role, active, capacity, lock_cap, "
                "created_at) VALUES ('ops', '运营', 'x', 'admin', :yes, 0, 0, 0)"
            ),
            {"yes": True},
        )
        connection.execute(
            text(
                "INSERT INTO pool (name, hide_contact, reclaim_protection_days, created_at) "
                "VALUES ('展会', :no, 0, 0)"
            ),
            {"no": False},
        )
        for n in range(3):
            connection.execute(
                text(
                    "INSERT INTO import_batch (pool_id, actor_id, file_name, file_sha256, rows, imported, "
                    "invalid, duplicates, possible_duplicates, created_at) "
                    "VALUES (1, 1, :name, :sha, 2, 1, 1, 0, 0, :at)"
                ),
                {"name": f"展会线索{n}.xls", "sha": f"{n:064x}", "at": n},
            )
    migrate(engine)
    with Session(engine) as session:
        batches = session.scalars(select(ImportBatch).order_by(ImportBatch.id))
        assert [(b.file_name, b.file_sha256, b.rows, b.mapping_sha256) for b in batches] == [
            (f"展会线索{n}.xls", f"{n:064x}", 2, mapping_sha256(header_rules())) for n in range(3)
        ]
        assert session.scalar(select(func.count()).select_from(RememberedMapping)) == 0
        assert session.scalar(select(func.count()).select_from(ImportValueMap)) == 0
    constraints = {
        u["name"]: u["column_names"] for u in inspect(engine).get_unique_constraints("import_batch")
    }
    assert constraints == {"uq_import_batch_pool_file_mapping": ["pool_id", "file_sha256", "mapping_sha256"]}
    uniques = {
        u["name"]: u["column_names"] for u in inspect(engine).get_unique_constraints("import_value_map")
    }
    assert uniques["uq_import_value_map_field_source"] == ["field", "source_value"]


def test_upgrading_from_0008_keeps_every_import_and_customer_and_gives_them_no_warnings(
    empty_database: Engine,
) -> None:
    """0010: ``customer_phone`` (empty: every customer keeps its one phone), ``import_batch.warnings``
    and ``import_issue.params``; the reasons stored before stay readable in the report."""
    engine = empty_database
    config = alembic_config(engine)
    command.upgrade(config, "0008")
    with engine.begin() as connection:
        run = connection.execute
        run(
            text(
                "INSERT INTO user_account (id, username, name, password_hash, role, active, created_at) "
                "VALUES (1, 'admin', '管理员', 'x', 'admin', :yes, 0)"
            ),
            {"yes": True},
        )
        run(
            text(
                "INSERT INTO pool (id, name, hide_contact, reclaim_protection_days, created_at) "
                "VALUES (1, 'P', :no, 0, 0)"
            ),
            {"no": False},
        )
        run(
            text(
                "INSERT INTO import_batch (id, pool_id, actor_id, file_name, file_sha256, rows, imported, "
                "invalid, duplicates, possible_duplicates, created_at) "
                "VALUES (1, 1, 1, 'old.csv', 'abc', 2, 1, 1, 0, 0, 0)"
            )
        )
        run(
            text(
                "INSERT INTO import_issue (batch_id, row_number, column_name, kind, reason) "
                "VALUES (1, 3, '手机', 'invalid', 'phone: ''12'' is not a possible phone number')"
            )
        )
        run(
            text(
                "INSERT INTO customer (name, phone, phone_e164, stage, tags, custom_fields, pool_id, won, "
                "locked, import_batch_id, created_at, updated_at) VALUES ('张伟', '13800138000', "
                "'+8613800138000', 'lead', '[]', '{}', 1, :no, :no, 1, 0, 0)"
            ),
            {"no": False},
        )

    command.upgrade(config, "head")

    with Session(engine) as session:
        batch = session.get(ImportBatch, 1)
        assert batch is not None and (batch.rows, batch.imported, batch.invalid, batch.warnings) == (
            2,
            1,
            1,
            0,
        )
        issue = session.scalars(select(ImportIssue)).one()
        assert (issue.reason, issue.params) == ("phone: '12' is not a possible phone number", {})
        admin = session.get(User, 1)
        assert admin is not None
        assert [row[3] for row in report_rows(session, admin, batch)] == [issue.reason]
        customer = session.scalars(select(Customer)).one()
        assert (customer.phone, customer.phone_e164) == ("13800138000", "+8613800138000")
        assert session.scalar(select(func.count()).select_from(CustomerPhone)) == 0
    indexes = {index["name"] for index in inspect(engine).get_indexes("customer_phone")}
    assert {"ix_customer_phone_phone_e164", "ix_customer_phone_customer_id"} <= indexes


def test_upgrading_from_0008_recomputes_company_keys_and_keeps_every_customer(empty_database: Engine) -> None:
    """0011: company keys fold traditional characters and English legal forms, a person's name
    loses its key, a name that reads as an organisation gains one; nothing else changes."""
    engine = empty_database
    command.upgrade(alembic_config(engine), "0008")
    # (name, company, company_key as the earlier version computed it)
    rows = [
        ("王总", "鴻海精密工業股份有限公司", "鴻海精密工業"),
        ("李娜", "李娜", "李娜"),
        ("广州联创化工有限公司", None, None),
        ("Mr. Smith", "Acme Trading Company Limited", "acmetradingcompany"),
        ("张伟", "杭州云帆科技有限公司", "杭州云帆科技"),
    ]
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO pool (name, hide_contact, reclaim_protection_days, created_at) "
                "VALUES ('Company', false, 0, 0)"
            )
        )
        for name, company, key in rows:
            connection.execute(
                text(
                    "INSERT INTO customer (name, company, company_key, stage, tags, custom_fields, pool_id, "
                    "won, locked, created_at, updated_at, record_seq) VALUES (:name, :company, :key, 'lead', "
                    "'[]', '{}', 1, false, false, 0, 0, 0)"
                ),
                {"name": name, "company": company, "key": key},
            )
    migrate(engine)
    with Session(engine) as session:
        kept = session.execute(
            select(Customer.name, Customer.company, Customer.company_key, Customer.merged_into_id).order_by(
                Customer.id
            )
        ).all()
        assert session.scalar(select(func.count()).select_from(DismissedDuplicate)) == 0
    assert kept == [
        ("王总", "鴻海精密工業股份有限公司", "鸿海精密工业", None),
        ("李娜", "李娜", None, None),
        ("广州联创化工有限公司", None, "广州联创化工", None),
        ("Mr. Smith", "Acme Trading Company Limited", "acmetrading", None),
        ("张伟", "杭州云帆科技有限公司", "杭州云帆科技", None),
    ]
    indexes = {index["name"] for index in inspect(engine).get_indexes("dismissed_duplicate")}
    assert "uq_dismissed_duplicate_pair" in indexes
