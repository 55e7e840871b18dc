"""Revision 0007 (public custom fields per pool, the per-user audit index) keeps every row."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.orm import Session

from highseas.auth.models import AuditEvent
from highseas.db import make_engine
from highseas.pools.models import Pool
from highseas.schema import alembic_config, migrate


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database with no schema at all; PostgreSQL's is the shared test database, left at head."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    engine = request.getfixturevalue("postgresql_engine")
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    try:
        yield engine
    finally:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        migrate(engine)


def test_upgrading_a_populated_database_from_0006_keeps_every_row(empty_engine: Engine) -> None:
    engine = empty_engine
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
