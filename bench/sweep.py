"""Benchmark the recycle sweep against the cheapest SQL that does the same work.

What it measures
    One company pool with realistic recycle rules and ``--rows`` owned customers (grades A–E,
    90 days of claims, follow-ups and deals, some won, some locked), of which roughly a third are
    past their due date at the sweep instant. On identical copies of that data it times

    * the product: :func:`highseas.ownership.sweep.sweep` inside
      :func:`highseas.db.session_scope`, commit included — recycle lock, the recycling itself,
      the per-rule and per-owner counts of its report, the reminders that came due and the job
      stamp;
    * the floor: hand-written SQL that recycles the same customers — the nine columns the
      product sets — and appends the same ``recycle`` event for each, in one transaction.

    and prints ``ratio = sweep_s / floor_s`` (the target is ≤ 1.5) plus the process's peak
    memory (the target is < 300 MB: nothing is fetched into Python).

Why the floor is what it is
    Whatever the implementation, recycling has to find the due rows, lock them against a
    concurrent follow-up, rewrite each of them (and every index entry that changes) and append one
    event per row, atomically. On PostgreSQL that is one statement
    (``WITH due AS (SELECT … FOR UPDATE), moved AS (UPDATE … RETURNING …) INSERT … SELECT``); on
    SQLite, which has no row locks, it is ``BEGIN IMMEDIATE`` followed by one ``INSERT … SELECT``
    and one ``UPDATE`` over the same predicate. The floor therefore leaves out only what the
    product does on top of the recycling: the recycle lock, the counts of its report, the
    reminders and the job stamp. The ratio is the price of those, of SQLAlchemy and of the session.

Both contenders start from the same data: it is built once, snapshotted (SQLite: a copy of the
database file; PostgreSQL: ``CREATE TABLE … AS`` copies, restored into freshly truncated tables,
vacuumed, analysed and checkpointed before every run) and the runs alternate (product, floor,
floor, product, …). The best time of each is reported, and every run must recycle the same
customers and leave the same fingerprint of the customer table and of the event log. SQLite gets
no planner statistics unless ``--analyze`` is given, because HighSeas never gathers them there.
The time of each statement the product sends is logged, and the JSON reports the reminder
``INSERT`` separately (``sweep_reminders_s``) since it is work the floor does not do.

Data is generated with set-based SQL only (``generate_series`` on PostgreSQL, a recursive CTE on
SQLite) from a portable integer hash of the row number and ``--seed``, so both databases get the
same customers. Due dates are then materialised by the product's own
:func:`highseas.ownership.due.refresh_due_dates`.

Usage::

    .venv/bin/python bench/sweep.py --db sqlite --rows 1000000
    .venv/bin/python bench/sweep.py --db postgresql --rows 1000000
    .venv/bin/python bench/sweep.py --db postgresql://user@host/dbname --rows 100000

The last line of the output is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from harness import empty_schema, local_postgresql, log, peak_mb
from sqlalchemy import Connection, Engine, event, inspect, text
from sqlalchemy.engine import make_url

from highseas import clock
from highseas.auth.permissions import SYSTEM
from highseas.db import DAY_MICROS, make_engine, normalise_url, session_scope, to_micros
from highseas.org.models import Role
from highseas.org.service import create_department, create_user
from highseas.ownership.due import refresh_due_dates
from highseas.ownership.sweep import sweep
from highseas.pools.service import PoolInput, RuleInput, add_rule, create_pool
from highseas.schema import migrate

BENCH_DATABASE = "highseas_bench"
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
"""The sweep instant; the generated history ends here."""
HISTORY_DAYS = 90
SALES_USERS = 50
PASSWORD = "bench-password"
SECOND_MICROS = 1_000_000

RULES = (
    RuleInput("no_followup", 25, grades=["B"], only_not_won=True, remind_days_before=5),
    RuleInput("no_followup", 10, grades=["C", "D"], only_not_won=True, remind_days_before=3),
    RuleInput("no_followup", 40, grades=["E"], only_not_won=True),
    RuleInput("no_deal", 75, remind_days_before=7),
    RuleInput("no_repurchase", 180, remind_days_before=14),
)
"""A real company's rules: B, C–D and E customers drop without follow-ups, anyone not won drops
75 days after the claim, and a won customer drops 180 days after its last deal."""

SNAPSHOT_TABLES = ("customer", "ownership_event", "reminder")
"""The tables a run changes (with ``job_lock``, whose one stamp is reset by hand)."""


# --- data generation ------------------------------------------------------------------------------

_MOD = 2_147_483_648  # 2**31: keeps every intermediate product below 2**63 on both databases
_PRIMES = (2, 3, 5, 7, 11, 13, 17, 19, 23)


def _multiplier(prime: int, power: float) -> int:
    """An odd, irrational-looking multiplier below 2**31 (fractional part of a root of a prime)."""
    root = prime**power
    return int((root - math.floor(root)) * _MOD) | 1


def _hash(k: int) -> str:
    """SQL for the k-th pseudo-random integer in [0, 2**31) of row ``i``: a multiplicative hash of
    ``i + :salt`` followed by one multiply-and-fold round (portable: integer ``*``, ``/``, ``%``)."""
    first = f"(((i + :salt) * {_multiplier(_PRIMES[k], 1 / 2)}) % {_MOD})"
    return f"(({first} * {_multiplier(_PRIMES[k], 1 / 3)} + {first} / 65536) % {_MOD})"


def _uniform(k: int, size: int) -> str:
    """SQL for an integer uniform over [0, ``size``) drawn from the k-th hash."""
    return f"(({_hash(k)} / 256) * {size} / 8388608)"


def _won_per_mille() -> str:
    """Won customers per thousand, by grade: A 500, B 300, C 120, D 50, E 20."""
    return (
        "(CASE WHEN g < 10 THEN 500 WHEN g < 40 THEN 300 WHEN g < 65 THEN 120 "
        "WHEN g < 85 THEN 50 ELSE 20 END)"
    )


def customer_insert(dialect: str) -> str:
    """One ``INSERT … SELECT`` producing ``:rows`` owned customers.

    Per row: grade A 10 %, B 30 %, C 25 %, D 20 %, E 15 %; claimed uniformly over the last 90 days;
    90 % followed up since, skewed towards recent (a cubed uniform fraction of the time owned);
    won with a per-grade probability, the last deal of a won customer up to 270 days old; 3 %
    locked; owners spread over the sales users.
    """
    draws = ", ".join(
        (
            f"{_uniform(0, 100)} AS g",
            f"{_uniform(1, HISTORY_DAYS * 86_400)} AS age",
            f"{_uniform(2, 1000)} AS w",
            f"{_uniform(3, 1000)} AS f",
            f"{_uniform(4, 1000)} AS v",
            f"{_uniform(5, 270 * 86_400)} AS d",
            f"{_uniform(6, 1000)} AS l",
            f"{_uniform(7, SALES_USERS)} AS o",
        )
    )
    if dialect == "postgresql":
        rows = "generate_series(CAST(1 AS BIGINT), CAST(:rows AS BIGINT)) AS s(i)"
        prefix, json_list, json_object = "", "CAST('[]' AS JSON)", "CAST('{}' AS JSON)"
    else:
        rows = "s"
        prefix = "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :rows) "
        json_list, json_object = "'[]'", "'{}'"
    claimed = f"(:now - age * {SECOND_MICROS})"
    followup = f"(:now - (age * v * v * v / 1000000000) * {SECOND_MICROS})"
    won = f"(w < {_won_per_mille()})"
    return f"""
        INSERT INTO customer (
            name, company, phone, phone_e164, email, email_key, wechat, credit_code, grade, stage,
            region, industry, source, tags, custom_fields, pool_id, owner_id, won, locked,
            claimed_at, last_followup_at, last_deal_at, created_at, updated_at
        )
        {prefix}SELECT
            'Customer ' || i,
            'Company ' || i || ' Ltd.',
            '138 ' || (10000000 + i),
            '+86' || (13800000000 + i),
            'contact' || i || '@example.com',
            'contact' || i || '@example.com',
            'wx_' || i,
            '91310000' || (1000000000 + i),
            CASE WHEN g < 10 THEN 'A' WHEN g < 40 THEN 'B' WHEN g < 65 THEN 'C' WHEN g < 85 THEN 'D'
                 ELSE 'E' END,
            CASE WHEN {won} THEN 'customer' WHEN f >= 600 THEN 'opportunity' ELSE 'lead' END,
            'Region ' || (i % 31),
            'Industry ' || (i % 17),
            'import',
            {json_list},
            {json_object},
            :pool_id,
            :first_user_id + o,
            {won},
            (l < 30),
            {claimed},
            CASE WHEN f >= 100 THEN {followup} END,
            CASE WHEN {won} THEN :now - d * {SECOND_MICROS} END,
            {claimed} - (i % 120) * {DAY_MICROS},
            CASE WHEN f >= 100 THEN {followup} ELSE {claimed} END
        FROM (SELECT i, {draws} FROM {rows}) AS draws
    """


CLAIM_EVENTS = """
    INSERT INTO ownership_event (customer_id, kind, from_user_id, to_user_id, pool_id, actor_id, at, seq)
    SELECT id, 'claim', NULL, owner_id, pool_id, owner_id, claimed_at, 1 FROM customer
"""

PAST_REMINDERS = f"""
    INSERT INTO reminder (customer_id, user_id, rule_id, due_at, created_at)
    SELECT id, owner_id, due_rule_id, due_at, remind_at FROM customer
    WHERE owner_id IS NOT NULL AND remind_at <= :now - {DAY_MICROS}
"""
"""Reminders an earlier (daily) sweep has already sent, so today's sweep only adds the new ones."""

DUE = "owner_id IS NOT NULL AND due_at <= :now AND NOT locked AND deleted_at IS NULL"


# --- the floor ------------------------------------------------------------------------------------

FLOOR_POSTGRESQL = f"""
    WITH due AS (
        SELECT id, owner_id, pool_id, due_rule_id FROM customer WHERE {DUE} FOR UPDATE
    ), moved AS (
        UPDATE customer SET owner_id = NULL, previous_owner_id = due.owner_id, released_at = :now,
            claimed_at = NULL, due_at = NULL, due_rule_id = NULL, remind_at = NULL, updated_at = :now,
            record_seq = customer.record_seq + 1
        FROM due WHERE customer.id = due.id
        RETURNING due.id, due.owner_id, due.pool_id, due.due_rule_id, customer.record_seq
    )
    INSERT INTO ownership_event
        (customer_id, kind, from_user_id, to_user_id, pool_id, actor_id, rule_id, at, seq)
    SELECT id, 'recycle', owner_id, NULL, pool_id, NULL, due_rule_id, :now, record_seq FROM moved
"""

FLOOR_SQLITE_EVENTS = f"""
    INSERT INTO ownership_event
        (customer_id, kind, from_user_id, to_user_id, pool_id, actor_id, rule_id, at, seq)
    SELECT id, 'recycle', owner_id, NULL, pool_id, NULL, due_rule_id, :now, record_seq + 1
    FROM customer WHERE {DUE}
"""

FLOOR_SQLITE_UPDATE = f"""
    UPDATE customer SET owner_id = NULL, previous_owner_id = owner_id, released_at = :now,
        claimed_at = NULL, due_at = NULL, due_rule_id = NULL, remind_at = NULL, updated_at = :now,
        record_seq = record_seq + 1
    WHERE {DUE}
"""

CUSTOMER_FINGERPRINT = """
    SELECT count(*), count(owner_id), sum(coalesce(owner_id, 0)), sum(coalesce(previous_owner_id, 0)),
        count(released_at), sum(coalesce(released_at, 0) % 1000003), count(claimed_at),
        sum(coalesce(due_at, 0) % 1000003), sum(coalesce(due_rule_id, 0)), count(remind_at),
        sum(updated_at % 1000003), sum(record_seq)
    FROM customer
"""

EVENT_FINGERPRINT = """
    SELECT count(*), sum(customer_id), sum(coalesce(from_user_id, 0)), count(to_user_id), sum(pool_id),
        count(actor_id), sum(coalesce(rule_id, 0)), min(at), max(at)
    FROM ownership_event WHERE kind = 'recycle'
"""


# --- databases ------------------------------------------------------------------------------------


@contextmanager
def timed(label: str) -> Iterator[Callable[[], float]]:
    """Log how long the block took; the yielded function returns the elapsed seconds."""
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - start
    end.append(time.perf_counter())
    log(f"{label}: {end[0] - start:.2f} s")


class Target(Protocol):
    """A database the benchmark builds once and then restores before every measured run."""

    dialect: str

    def build_engine(self) -> Engine: ...

    def snapshot(self) -> None: ...

    def fresh(self) -> Engine: ...

    def close(self) -> None: ...


class SqliteTarget:
    """A database file; each run gets a byte-for-byte copy of the built one.

    HighSeas never runs ``ANALYZE`` on SQLite, so by default neither does the benchmark: the
    planner works without statistics, as it does in production. ``analyze`` gathers them into the
    copy the runs start from.
    """

    dialect = "sqlite"

    def __init__(self, path: Path, workdir: Path, analyze: bool = False) -> None:
        self.path = path
        self.analyze = analyze
        self.template = workdir / "template.db"
        self.run_path = workdir / "run.db"
        self._build = make_engine(f"sqlite:///{path}")
        self._run: Engine | None = None

    def build_engine(self) -> Engine:
        return self._build

    def snapshot(self) -> None:
        self._build.dispose()
        with closing(sqlite3.connect(self.path)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copyfile(self.path, self.template)
        if self.analyze:
            with closing(sqlite3.connect(self.template)) as connection:
                connection.execute("ANALYZE")
                connection.commit()

    def fresh(self) -> Engine:
        self._dispose_run()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.run_path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.template, self.run_path)
        self._run = make_engine(f"sqlite:///{self.run_path}")
        with self._run.connect() as connection:  # open the pooled connection outside the timings
            connection.execute(text("SELECT 1"))
            connection.rollback()
        return self._run

    def _dispose_run(self) -> None:
        if self._run is not None:
            self._run.dispose()
            self._run = None

    def close(self) -> None:
        self._dispose_run()
        self._build.dispose()


class PostgresqlTarget:
    """A database whose changed tables are copied aside once and copied back before every run
    (into truncated tables, then ``VACUUM ANALYZE`` and a checkpoint), so every run sees the same
    compact, analysed tables with nothing left to flush."""

    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)

    def build_engine(self) -> Engine:
        return self.engine

    def snapshot(self) -> None:
        with self.engine.begin() as connection:
            for table in SNAPSHOT_TABLES:
                connection.execute(text(f"DROP TABLE IF EXISTS bench_snapshot_{table}"))
                connection.execute(text(f"CREATE TABLE bench_snapshot_{table} AS SELECT * FROM {table}"))

    def fresh(self) -> Engine:
        with self.engine.begin() as connection:
            # CASCADE empties whatever else points at customers (follow-ups, deals, import
            # reports); the benchmark's company has none of them.
            connection.execute(text(f"TRUNCATE {', '.join(SNAPSHOT_TABLES)} CASCADE"))
            for table in SNAPSHOT_TABLES:
                connection.execute(
                    text(f"INSERT INTO {table} SELECT * FROM bench_snapshot_{table} ORDER BY id")
                )
            connection.execute(text("UPDATE job_lock SET last_run_at = NULL"))
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f"VACUUM ANALYZE {', '.join(SNAPSHOT_TABLES)}, job_lock"))
            connection.execute(text("CHECKPOINT"))
        return self.engine

    def close(self) -> None:
        self.engine.dispose()


def _require_empty(engine: Engine, url: str) -> None:
    tables = inspect(engine).get_table_names()
    if tables:
        sys.exit(f"{url} is not empty ({len(tables)} tables); the benchmark needs an empty database")


def open_target(db: str, workdir: Path, analyze: bool = False) -> Target:
    """``sqlite``: a new file in ``workdir``; ``postgresql``: the ``highseas_bench`` database,
    created if missing and emptied; a URL: that database, which must be empty. ``analyze`` only
    matters on SQLite (PostgreSQL tables are always vacuumed and analysed, as autovacuum would)."""
    if db == "sqlite":
        return SqliteTarget(workdir / "highseas.db", workdir, analyze)
    if db == "postgresql":
        target = PostgresqlTarget(local_postgresql(BENCH_DATABASE))
        empty_schema(target.engine)
        return target
    url = make_url(normalise_url(db))
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            sys.exit("a SQLite URL must name a database file")
        path = Path(url.database)
        if path.exists() and path.stat().st_size > 0:
            sys.exit(f"{path} exists; the benchmark needs an empty database")
        return SqliteTarget(path, workdir, analyze)
    if url.get_backend_name() != "postgresql":
        sys.exit(f"unsupported database {url.get_backend_name()!r}: use SQLite or PostgreSQL")
    target = PostgresqlTarget(db)
    _require_empty(target.engine, url.render_as_string(hide_password=True))
    return target


# --- building the data ----------------------------------------------------------------------------


@dataclass
class Built:
    generate_s: float
    refresh_s: float
    due: int
    events: int
    reminders: int


def create_company(engine: Engine, rows: int) -> tuple[int, int]:
    """A sales department of 50 reps, one company pool and its rules, through the services.
    Returns the pool id and the first sales user's id (the reps' ids are consecutive)."""
    with session_scope(engine) as session:
        department = create_department(session, SYSTEM, "Sales")
        admin = create_user(session, SYSTEM, "admin", PASSWORD, Role.ADMIN, department.id)
        reps = [
            create_user(session, SYSTEM, f"rep{n:02d}", PASSWORD, Role.SALES, department.id, capacity=rows)
            for n in range(SALES_USERS)
        ]
        ids = [rep.id for rep in reps]
        if ids != list(range(ids[0], ids[0] + SALES_USERS)):
            raise RuntimeError(f"expected consecutive user ids, got {ids}")
        pool = create_pool(
            session,
            SYSTEM,
            PoolInput(
                name="Company pool",
                member_user_ids=[],
                member_department_ids=[department.id],
                admin_user_ids=[admin.id],
            ),
        )
        for rule in RULES:
            add_rule(session, SYSTEM, pool.id, rule)
        return pool.id, ids[0]


def build(target: Target, rows: int, seed: int) -> Built:
    engine = target.build_engine()
    now = to_micros(NOW)
    with timed("schema (highseas.schema.migrate)"):
        migrate(engine)
    with timed(f"company: 1 pool, {len(RULES)} rules, {SALES_USERS + 1} users (argon2 hashing)"):
        pool_id, first_user_id = create_company(engine, rows)
    with timed("generate") as generate:
        with timed(f"  {rows:,} customers (one INSERT … SELECT)"), engine.begin() as connection:
            params = {"rows": rows, "salt": seed * 104_729 % _MOD, "now": now}
            params |= {"pool_id": pool_id, "first_user_id": first_user_id}
            connection.execute(text(customer_insert(target.dialect)), params)
        with timed("  due dates (highseas.ownership.due.refresh_due_dates)") as refresh:
            with session_scope(engine) as session:
                refresh_due_dates(session)
            refresh_s = refresh()
        with timed("  claim events and past reminders"), engine.begin() as connection:
            events = connection.execute(text(CLAIM_EVENTS)).rowcount
            reminders = connection.execute(text(PAST_REMINDERS), {"now": now}).rowcount
        generate_s = generate()
    with engine.connect() as connection:
        due = connection.scalar(text(f"SELECT count(*) FROM customer WHERE {DUE}"), {"now": now}) or 0
    log(f"due at {NOW.isoformat()}: {due:,} of {rows:,} ({due / rows:.1%})")
    log(f"history: {events:,} claim events, {reminders:,} reminders already sent")
    with timed("snapshot"):
        target.snapshot()
    return Built(generate_s, refresh_s, due, events, reminders)


# --- the measured runs ----------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    recycled: int
    reminded: int
    fingerprint: tuple[tuple[int, ...], tuple[int, ...]]
    statements: list[tuple[str, float]] = field(default_factory=list)
    """(SQL, seconds) of each statement the product sent, to show where its time goes."""

    def seconds_in(self, prefix: str) -> float:
        return sum(seconds for sql, seconds in self.statements if sql.startswith(prefix))


def fingerprint(engine: Engine) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """What a run leaves behind: aggregates of the recycled columns and of the recycle events."""
    with engine.connect() as connection:
        customers = connection.execute(text(CUSTOMER_FINGERPRINT)).one()
        events = connection.execute(text(EVENT_FINGERPRINT)).one()
    return tuple(int(v or 0) for v in customers), tuple(int(v or 0) for v in events)


@contextmanager
def statement_times(engine: Engine) -> Iterator[list[tuple[str, float]]]:
    """Collect (SQL, seconds) for each statement sent on ``engine`` inside the block."""
    times: list[tuple[str, float]] = []
    started: list[float] = []

    def before(*_: Any) -> None:
        started.append(time.perf_counter())

    def after(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        times.append((" ".join(statement.split()), time.perf_counter() - started.pop()))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield times
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def run_product(engine: Engine) -> Run:
    with statement_times(engine) as statements:
        start = time.perf_counter()
        with session_scope(engine) as session:
            report = sweep(session, NOW)
        seconds = time.perf_counter() - start
    return Run(seconds, report.recycled, report.reminded, fingerprint(engine), statements)


def _floor_statements(connection: Connection, params: dict[str, Any]) -> int:
    if connection.dialect.name == "postgresql":
        return int(connection.execute(text(FLOOR_POSTGRESQL), params).rowcount)
    logged = connection.execute(text(FLOOR_SQLITE_EVENTS), params).rowcount
    moved = connection.execute(text(FLOOR_SQLITE_UPDATE), params).rowcount
    if logged != moved:
        raise AssertionError(f"floor logged {logged} events for {moved} recycled customers")
    return int(moved)


def run_floor(engine: Engine) -> Run:
    start = time.perf_counter()
    with engine.begin() as connection:  # on SQLite make_engine's "begin" hook issues BEGIN IMMEDIATE
        recycled = _floor_statements(connection, {"now": to_micros(NOW)})
    seconds = time.perf_counter() - start
    return Run(seconds, recycled, 0, fingerprint(engine))


CONTENDERS: dict[str, Callable[[Engine], Run]] = {"sweep": run_product, "floor": run_floor}


def measure(target: Target, repeat: int) -> dict[str, list[Run]]:
    """``repeat`` runs of each, alternating which goes first, each on freshly restored data."""
    runs: dict[str, list[Run]] = {name: [] for name in CONTENDERS}
    for round_ in range(repeat):
        order = ("sweep", "floor") if round_ % 2 == 0 else ("floor", "sweep")
        for name in order:
            with timed(f"round {round_ + 1}: restore data for {name}"):
                engine = target.fresh()
            run = CONTENDERS[name](engine)
            runs[name].append(run)
            log(
                f"round {round_ + 1}: {name} {run.seconds:.3f} s — recycled {run.recycled:,}"
                + (f", reminded {run.reminded:,}" if name == "sweep" else "")
            )
            for sql, seconds in run.statements:
                if seconds >= 0.01:
                    log(f"    {seconds:8.3f} s  {sql[:100]}")
    return runs


def check_same_work(runs: dict[str, list[Run]], expected_due: int) -> int:
    """Every run recycled the customers due and left the same data; returns the events written."""
    every = [run for name in runs for run in runs[name]]
    recycled = {run.recycled for run in every}
    prints = {run.fingerprint for run in every}
    if recycled != {expected_due}:
        raise AssertionError(f"recycled counts differ: {recycled}, {expected_due} were due")
    if len(prints) != 1:
        raise AssertionError(f"runs left different data behind: {prints}")
    events = next(iter(prints))[1][0]
    if events != expected_due:
        raise AssertionError(f"{events} recycle events for {expected_due} recycled customers")
    if len({run.reminded for run in runs["sweep"]}) != 1:
        raise AssertionError("the product's runs sent different numbers of reminders")
    log(f"checked: every run recycled {expected_due:,} customers and wrote {events:,} recycle events")
    return events


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--db",
        default="sqlite",
        help="sqlite (a new file in a temp dir), postgresql (the local highseas_bench database) or a URL",
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="owned customers (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=1, help="varies the generated data (default 1)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each contender (default 2)")
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="SQLite: gather planner statistics (ANALYZE) before the runs; HighSeas itself never does",
    )
    args = parser.parse_args(argv)
    if args.rows < 1 or args.repeat < 1 or args.seed < 0:
        parser.error("--rows and --repeat must be positive, --seed not negative")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    clock.set_now(NOW)
    with tempfile.TemporaryDirectory(prefix="highseas-bench-") as workdir:
        target = open_target(args.db, Path(workdir), args.analyze)
        analyzed = args.analyze or target.dialect == "postgresql"
        try:
            log(
                f"benchmark: recycle sweep, {target.dialect}, {args.rows:,} customers, seed {args.seed}"
                + (", planner statistics gathered" if analyzed else ", no planner statistics (as shipped)")
            )
            built = build(target, args.rows, args.seed)
            runs = measure(target, args.repeat)
        finally:
            target.close()
    events = check_same_work(runs, built.due)
    best_sweep = min(runs["sweep"], key=lambda run: run.seconds)
    sweep_s = best_sweep.seconds
    floor_s = min(run.seconds for run in runs["floor"])
    log(f"best: sweep {sweep_s:.3f} s, floor {floor_s:.3f} s, ratio {sweep_s / floor_s:.2f}")
    result = {
        "bench": "sweep",
        "db": target.dialect,
        "rows": args.rows,
        "seed": args.seed,
        "analyzed": analyzed,
        "recycled": built.due,
        "events": events,
        "reminded": runs["sweep"][0].reminded,
        "sweep_s": round(sweep_s, 3),
        "floor_s": round(floor_s, 3),
        "ratio": round(sweep_s / floor_s, 3),
        "sweep_reminders_s": round(best_sweep.seconds_in("INSERT INTO reminder"), 3),
        "sweep_runs": [round(run.seconds, 3) for run in runs["sweep"]],
        "floor_runs": [round(run.seconds, 3) for run in runs["floor"]],
        "peak_mb": round(peak_mb(), 1),
        "generate_s": round(built.generate_s, 2),
        "refresh_s": round(built.refresh_s, 2),
    }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
