"""Upgrading a database of revision 0006 that holds audit and login rows: every row stays, and the
index the login limits ask (audit_event by username) exists. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, insert, inspect, select, text

from highseas.auth.models import AuditEvent, LoginFailure
from highseas.db import make_engine
from highseas.schema import alembic_config
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
