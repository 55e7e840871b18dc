"""Upgrading a populated database of revision 0006 to this version's revisions (0007: public custom
fields per pool and the per-user audit index; 0008: audit_event by username, which the login
limits ask; 0011: merged customers, dismissed possible duplicates and company keys computed
again) keeps every row, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, func, insert, inspect, select, text
from sqlalchemy.orm import Session

from highseas.auth.models import AuditEvent, LoginFailure
from highseas.customers.models import Customer, DismissedDuplicate
from highseas.db import make_engine
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
