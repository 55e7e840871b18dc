"""Engine, declarative base and the transaction scope.

The transaction owner is whoever calls :func:`session_scope` (a CLI command, a job, later an HTTP
request); services only flush. On SQLite every transaction opens with ``BEGIN IMMEDIATE``: SQLite has
no ``SELECT … FOR UPDATE``, so taking the single writer lock up front is what makes a capacity count
and the write that depends on it one atomic step, exactly as the row locks do on PostgreSQL.
"""

from __future__ import annotations

import enum
import json
import os
import select
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import BigInteger, Engine, Enum, MetaData, Table, create_engine, event, exc
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

DEFAULT_DATABASE_URL = "sqlite:///./highseas.db"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
DAY_MICROS = 86_400_000_000


def to_micros(value: datetime) -> int:
    if value.tzinfo is None:
        raise ValueError("instants must be timezone-aware")
    return (value - EPOCH) // MICROSECOND


def from_micros(value: int) -> datetime:
    return EPOCH + value * MICROSECOND


class Instant(TypeDecorator[datetime]):
    """A UTC instant stored as integer microseconds since the Unix epoch.

    A due date is ``base + N × 24 h``; with integers that arithmetic and its comparisons are the
    same plain SQL on SQLite and PostgreSQL, and range scans on the index stay cheap.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> int | None:
        return None if value is None else to_micros(value)

    def process_result_value(self, value: int | None, dialect: Dialect) -> datetime | None:
        return None if value is None else from_micros(value)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


def database_url() -> str:
    return os.environ.get("HIGHSEAS_DATABASE_URL", DEFAULT_DATABASE_URL)


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the psycopg 3 driver for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    url = normalise_url(url or database_url())
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60}, json_deserializer=_json_loads, **kwargs)
        event.listen(engine, "connect", _prepare_sqlite_connection)
        event.listen(engine, "begin", _begin_immediate)
        return engine
    # A server runs up to 40 requests at once in worker threads; with SQLAlchemy's default of 5
    # pooled connections every request beyond the fifth opened a PostgreSQL connection of its own
    # and closed it again, which cost more than the request.
    engine = create_engine(url, pool_size=POOLED_CONNECTIONS, json_deserializer=_json_loads, **kwargs)
    event.listen(engine, "checkout", _drop_if_closed_by_server)
    return engine


POOLED_CONNECTIONS = 20


def _drop_if_closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Refuse a pooled connection the server has hung up on (a restart, an administrator's
    ``pg_terminate_backend``), so that the pool opens a new one instead of failing the request.

    An idle connection receives nothing unless the server is going away, and then its socket turns
    readable: one local ``poll`` finds that out, where SQLAlchemy's ``pool_pre_ping`` would spend a
    round trip to the server on every request.
    """
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN)
    if poller.poll(0):
        raise exc.DisconnectionError("the server closed this pooled connection")


def read_only_engine(engine: Engine) -> Engine:
    """The engine for requests that only read: on PostgreSQL their statements run without
    ``BEGIN`` and ``COMMIT``, two round trips fewer on every such request.

    Under READ COMMITTED every statement of a transaction reads its own snapshot anyway, so reads
    see exactly what they would inside one. SQLite keeps its transactions (they cost no round trip).
    """
    if engine.dialect.name != "postgresql":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


_EMPTY_JSON: dict[str | bytes, Callable[[], Any]] = {"[]": list, b"[]": list, "{}": dict, b"{}": dict}


def _json_loads(text: str | bytes) -> Any:
    # Most customers have no tags and no custom fields: a page of 50 would otherwise run the JSON
    # parser 100 times for "[]" and "{}", a fifth of the page's CPU.
    empty = _EMPTY_JSON.get(text)
    return empty() if empty is not None else json.loads(text)


def _prepare_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # Hand transaction control to SQLAlchemy's "begin" event below instead of the driver's
    # implicit, deferred BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_immediate(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def session_scope(engine: Engine) -> AbstractContextManager[Session]:
    """One transaction: commit when the block ends, roll back if it raises."""
    return committed(sessionmaker(engine, expire_on_commit=False)())


@contextmanager
def committed(session: Session) -> Iterator[Session]:
    """Commit ``session`` when the block ends, roll it back if the block raises; close it either way."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def value_enum(enum_class: type[enum.Enum]) -> Enum:
    """Store an enum by its value ("no_followup"), the same text the API and raw SQL use."""
    return Enum(
        enum_class,
        native_enum=False,
        length=16,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def table_of(model: type[Base]) -> Table:
    """The Core table behind a mapped class, for set-based statements."""
    return cast(Table, model.__table__)
