"""Shared fixtures: every data-layer test runs on SQLite and on PostgreSQL.

PostgreSQL is found at ``HIGHSEAS_TEST_POSTGRESQL_URL`` (default: the local server's ``test``
database). When it cannot be reached its tests skip and say why, unless
``HIGHSEAS_REQUIRE_POSTGRESQL=1`` (set by CI) turns that into a failure.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from argon2 import PasswordHasher
from openpyxl import Workbook
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from highseas import clock
from highseas.auth import passwords
from highseas.auth.permissions import SYSTEM
from highseas.customers import service as customers_service
from highseas.db import make_engine, session_scope
from highseas.models import Base
from highseas.org.models import Role, User
from highseas.org.service import create_department, create_user
from highseas.pools.models import Pool
from highseas.pools.service import PoolInput, create_pool
from highseas.schema import ensure_required_rows, migrate

T = TypeVar("T")
PG_URL = os.environ.get("HIGHSEAS_TEST_POSTGRESQL_URL", "postgresql://postgres@127.0.0.1:5432/test")
PG_REQUIRED = os.environ.get("HIGHSEAS_REQUIRE_POSTGRESQL") == "1"
START = datetime.fromisoformat("2026-03-02T09:00:00+08:00")
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing() -> Iterator[None]:
    """Argon2id at its lowest cost: the tests create hundreds of users, none of them real."""
    original = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = original


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    clock.set_now(START)
    yield
    clock.set_now(None)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "highseas.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgresql_engine() -> Iterator[Engine]:
    engine = make_engine(PG_URL)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    except Exception as exc:  # any connection failure means "no PostgreSQL here"
        if PG_REQUIRED:
            raise
        pytest.skip(
            f"PostgreSQL not reachable at {PG_URL} ({type(exc).__name__}); set HIGHSEAS_TEST_POSTGRESQL_URL"
        )
    migrate(engine)
    yield engine
    engine.dispose()


def reset_database(engine: Engine) -> None:
    """Empty every table, as if freshly initialised."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        else:
            connection.execute(text("UPDATE company_settings SET default_pool_id = NULL"))
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())
    ensure_required_rows(engine)


@contextmanager
def fresh_database(
    request: pytest.FixtureRequest, sqlite_template: Path, directory: Path
) -> Iterator[Engine]:
    """An empty, migrated database of the kind the fixture is parametrised with."""
    if request.param == "sqlite":
        path = directory / "highseas.db"
        shutil.copy(sqlite_template, path)
        engine = make_engine(f"sqlite:///{path}")
        yield engine
        engine.dispose()
    else:
        engine = request.getfixturevalue("postgresql_engine")
        reset_database(engine)
        yield engine


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    with fresh_database(request, sqlite_template, tmp_path) as database:
        yield database


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_engine(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """One database per test module, for modules whose tests share one populated company."""
    with fresh_database(request, sqlite_template, tmp_path_factory.mktemp("module")) as database:
        yield database


@dataclass
class Org:
    """A small company with the personas every permission test needs.

    HQ ├─ East ─ East Team A      HQ pool "Company" (members: HQ, i.e. everyone in the tree)
       └─ West                   pool "East Leads" (members: East subtree)
    """

    engine: Engine
    admin: User
    east_manager: User
    west_manager: User
    rep: User
    other_rep: User
    west_rep: User
    outsider: User
    company_pool: Pool
    east_pool: Pool

    def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call a service in its own committed transaction, as one request would."""
        with session_scope(self.engine) as session:
            return fn(session, *args, **kwargs)

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)


def build_org(engine: Engine) -> Org:
    with session_scope(engine) as s:
        hq = create_department(s, SYSTEM, "HQ")
        east = create_department(s, SYSTEM, "East", hq.id)
        team_a = create_department(s, SYSTEM, "East Team A", east.id)
        west = create_department(s, SYSTEM, "West", hq.id)
        people = {
            "admin": create_user(s, SYSTEM, "admin", PASSWORD, Role.ADMIN, hq.id, "管理员"),
            "east_manager": create_user(s, SYSTEM, "east_mgr", PASSWORD, Role.MANAGER, east.id, "王经理"),
            "west_manager": create_user(s, SYSTEM, "west_mgr", PASSWORD, Role.MANAGER, west.id, "赵经理"),
            "rep": create_user(s, SYSTEM, "rep", PASSWORD, Role.SALES, team_a.id, "张伟"),
            "other_rep": create_user(s, SYSTEM, "other_rep", PASSWORD, Role.SALES, team_a.id, "李娜"),
            "west_rep": create_user(s, SYSTEM, "west_rep", PASSWORD, Role.SALES, west.id, "陈静"),
            "outsider": create_user(s, SYSTEM, "outsider", PASSWORD, Role.SALES, None, "外部"),
        }
        company_pool = create_pool(s, SYSTEM, PoolInput("Company", [], [hq.id], []))
        east_pool = create_pool(
            s, SYSTEM, PoolInput("East Leads", [], [east.id], [], reclaim_protection_days=7)
        )
    return Org(engine=engine, company_pool=company_pool, east_pool=east_pool, **people)


@pytest.fixture
def org(engine: Engine) -> Org:
    return build_org(engine)


@contextmanager
def an_import_checking_for_duplicates(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Hold every dedup key, as an import does from its dedup check to its commit, with creates
    waiting only 50 ms for it. PostgreSQL only: on SQLite a writer waits for the import's lock."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite: a writer waits for the import's single writer lock instead")
    monkeypatch.setattr(customers_service, "IMPORT_WAIT_MS", 50)
    with session_scope(engine) as importing:
        customers_service.hold_all_dedup_keys(importing)
        yield


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    """A real workbook of ``rows``, as Excel would upload it."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
