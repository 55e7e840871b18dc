"""Benchmark importing a lead file against the database's own bulk load of the same rows.

What it measures
    ``--rows`` generated leads in one CSV file (Chinese names, companies and regions; mobiles in
    the spellings people type, some landlines; ~40 % with an email; ~5 % repeating an earlier
    lead's phone in another spelling; ~3 % malformed: a short phone, a broken email or a grade
    outside A–E), imported into an empty pool by :func:`highseas.intake.importer.import_file`
    inside :func:`highseas.db.session_scope`, commit included: reading and decoding the file,
    validating and normalising every row, staging, dedup against the database and within the file,
    the customers and their ``import`` events, the report and the possible duplicates.

The floor
    The same file read with the same ``csv`` module and loaded, every row as it stands, into the
    same ``customer`` table (with its indexes) through the database's own bulk path: PostgreSQL
    ``COPY``, SQLite ``executemany`` in one transaction. No validation, no normalisation, no dedup,
    no events: the least any import of this file must cost. ``ratio = import_s / floor_s``.

Each contender starts from an empty, freshly migrated database (SQLite: a copy of one template
file; PostgreSQL: the intake tables truncated, vacuumed and checkpointed), the import first, so
that ``peak_mb`` (the process's peak resident memory, read right after the import) is the
import's own; the generator and the floor stream too.

Usage::

    .venv/bin/python bench/import.py --db sqlite --rows 1000000
    .venv/bin/python bench/import.py --db postgresql --rows 1000000
    .venv/bin/python bench/import.py --db postgresql://user@host/dbname --rows 100000

``--db postgresql`` uses the ``highseas_bench_import`` database on ``127.0.0.1:5432`` (created if
missing, its ``public`` schema emptied). The last line of the output is one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from harness import empty_schema, local_postgresql, log, peak_mb
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url

from highseas import clock
from highseas.auth.permissions import SYSTEM
from highseas.customers.models import Customer
from highseas.db import make_engine, normalise_url, session_scope, to_micros
from highseas.intake.importer import import_file
from highseas.org.models import Role, User
from highseas.org.service import create_user
from highseas.ownership.models import OwnershipEvent
from highseas.pools.service import PoolInput, create_pool
from highseas.schema import migrate

BENCH_DATABASE = "highseas_bench_import"
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
PASSWORD = "bench-password"
RESET_TABLES = ("import_issue", "ownership_event", "customer", "import_batch", "audit_event")
HEADER = ("姓名", "手机", "公司", "邮箱", "等级", "地区", "行业", "来源")

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅鑫宇浩然子轩欣怡佳琪思雨俊博文"
CITIES = (
    ("杭州", "浙江", "0571"),
    ("宁波", "浙江", "0574"),
    ("苏州", "江苏", "0512"),
    ("南京", "江苏", "025"),
    ("上海", "上海", "021"),
    ("北京", "北京", "010"),
    ("广州", "广东", "020"),
    ("深圳", "广东", "0755"),
    ("成都", "四川", "028"),
    ("武汉", "湖北", "027"),
    ("西安", "陕西", "029"),
    ("长沙", "湖南", "0731"),
    ("合肥", "安徽", "0551"),
    ("厦门", "福建", "0592"),
    ("青岛", "山东", "0532"),
)
BRAND = "云帆明远海辰华信鼎盛博瑞恒达嘉禾天成金鹏宏图锦程新创汇智启航星河瑞丰聚源通达卓越蓝海同心东方"
BRAND += "安泰和润永昌德信中联优品众诚佳美润华凯旋盛世"
INDUSTRIES = (
    ("科技", "软件"),
    ("信息技术", "软件"),
    ("机械", "制造"),
    ("电子", "制造"),
    ("贸易", "批发零售"),
    ("咨询", "服务"),
    ("教育科技", "教育"),
    ("医疗器械", "医疗"),
    ("物流", "物流"),
    ("建材", "建筑"),
)
SUFFIXES = ("有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司")
SOURCES = ("展会", "官网表单", "百度推广", "抖音", "名单采购", "转介绍")
GRADES = "ABCDE"
_BRAND_SPACE = len(BRAND) ** 4
_BRAND_STEP = 7_368_787  # coprime with len(BRAND) ** 4: row i gets brand (i * step) mod space, all distinct


def _brand(i: int) -> str:
    j = (i * _BRAND_STEP) % _BRAND_SPACE
    n = len(BRAND)
    return BRAND[j % n] + BRAND[j // n % n] + BRAND[j // n**2 % n] + BRAND[j // n**3 % n]


def _mobile(i: int) -> str:
    """A distinct 11-digit mobile per row (13x…)."""
    return str(13_000_000_000 + (i * 48_271) % 1_000_000_000)


def _spelled(mobile: str, rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.85:
        return mobile
    if kind < 0.90:
        return f"+86 {mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"
    if kind < 0.95:
        return f"0086 {mobile}"
    return f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}"


def leads(rows: int, seed: int) -> Iterator[tuple[str, ...]]:
    """The generated rows; ``malformed`` and ``duplicate`` rows are marked by the draw alone."""
    rng = random.Random(seed)
    if rows > _BRAND_SPACE:
        raise SystemExit(f"at most {_BRAND_SPACE:,} rows: company names would repeat")
    for i in range(rows):
        city, province, area = CITIES[rng.randrange(len(CITIES))]
        word, industry = INDUSTRIES[rng.randrange(len(INDUSTRIES))]
        company = f"{city}{_brand(i)}{word}{SUFFIXES[rng.randrange(len(SUFFIXES))]}"
        name = SURNAMES[rng.randrange(len(SURNAMES))] + "".join(rng.sample(GIVEN, rng.choice((1, 2))))
        draw = rng.random()
        if draw < 0.05 and i > 0:  # a lead seen before: an earlier row's mobile, spelled anew
            phone = _spelled(_mobile(rng.randrange(i)), rng)
        elif draw < 0.10:
            phone = f"({area}) {(i * 7_919) % 90_000_000 + 10_000_000:08d}"
        else:
            phone = _spelled(_mobile(i), rng)
        email = f"lead{i}@{_brand(i).encode('utf-8').hex()[:8]}.com.cn" if rng.random() < 0.4 else ""
        grade = GRADES[rng.randrange(5)]
        bad = rng.random()
        if bad < 0.01:
            phone = phone[:5]
        elif bad < 0.02:
            email = f"lead{i}@"
        elif bad < 0.03:
            grade = "Z"
        region = city if city == province else province + city
        yield (name, phone, company, email, grade, region, industry, SOURCES[rng.randrange(len(SOURCES))])


def write_file(path: Path, rows: int, seed: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(leads(rows, seed))


# --- databases ------------------------------------------------------------------------------------


class Database:
    """An empty, migrated database with one admin and one pool; :meth:`fresh` empties it again."""

    def __init__(self, db: str, workdir: Path) -> None:
        if db == "postgresql":
            db = local_postgresql(BENCH_DATABASE)
        url = make_url(normalise_url("sqlite:///" + str(workdir / "highseas.db") if db == "sqlite" else db))
        self.dialect = url.get_backend_name()
        if self.dialect not in ("sqlite", "postgresql"):
            sys.exit(f"unsupported database {self.dialect!r}: use SQLite or PostgreSQL")
        self.url = url.render_as_string(hide_password=False)
        self.template = workdir / "template.db"
        engine = make_engine(self.url)
        if self.dialect == "postgresql":
            empty_schema(engine)
        migrate(engine)
        with session_scope(engine) as session:
            self.admin_id = create_user(session, SYSTEM, "admin", PASSWORD, Role.ADMIN, name="管理员").id
            self.pool_id = create_pool(session, SYSTEM, PoolInput("展会线索", [], [], [], source="展会")).id
        engine.dispose()
        if self.dialect == "sqlite":
            shutil.copyfile(url.database or "", self.template)
        self.engine: Engine | None = None

    def fresh(self) -> Engine:
        if self.engine is not None:
            self.engine.dispose()
        if self.dialect == "sqlite":
            path = Path(make_url(self.url).database or "")
            for suffix in ("-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(self.template, path)
            self.engine = make_engine(self.url)
            return self.engine
        self.engine = make_engine(self.url)
        with self.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {', '.join(RESET_TABLES)} RESTART IDENTITY CASCADE"))
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f"VACUUM ANALYZE {', '.join(RESET_TABLES)}"))
            connection.execute(text("CHECKPOINT"))
        return self.engine

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()


# --- the contenders -------------------------------------------------------------------------------


def run_import(database: Database, path: Path) -> tuple[float, dict[str, int]]:
    engine = database.fresh()
    start = time.perf_counter()
    with session_scope(engine) as session:
        admin = session.get(User, database.admin_id)
        assert admin is not None
        batch = import_file(session, admin, database.pool_id, path).batch
    seconds = time.perf_counter() - start
    counts = {
        "rows": batch.rows,
        "imported": batch.imported,
        "duplicates": batch.duplicates,
        "invalid": batch.invalid,
        "possible_duplicates": batch.possible_duplicates,
    }
    with session_scope(engine) as session:
        customers = session.scalar(select(func.count()).select_from(Customer))
        events = session.scalar(select(func.count()).select_from(OwnershipEvent))
    if not customers == events == batch.imported:
        raise AssertionError(f"{customers} customers and {events} events for {batch.imported} imported")
    return seconds, counts


FLOOR_COLUMNS = (
    "name, phone, company, email, grade, region, industry, source, pool_id, stage, tags, custom_fields, "
    "won, locked, created_at, updated_at, record_seq"
)


def _floor_rows(path: Path, pool_id: int) -> Iterator[tuple[object, ...]]:
    now = to_micros(NOW)
    with path.open(encoding="utf-8", newline="") as file:
        reader = csv.reader(file)
        next(reader)
        for row in reader:
            yield (*row, pool_id, "lead", "[]", "{}", False, False, now, now, 1)


def run_floor(database: Database, path: Path) -> tuple[float, int]:
    engine = database.fresh()
    start = time.perf_counter()
    with engine.begin() as connection:
        driver = connection.connection.driver_connection
        assert driver is not None
        rows = _floor_rows(path, database.pool_id)
        if database.dialect == "postgresql":
            with driver.cursor() as cursor, cursor.copy(f"COPY customer ({FLOOR_COLUMNS}) FROM STDIN") as c:
                for row in rows:
                    c.write_row(row)
        else:
            marks = ", ".join("?" * len(FLOOR_COLUMNS.split(", ")))
            driver.executemany(f"INSERT INTO customer ({FLOOR_COLUMNS}) VALUES ({marks})", rows)
    seconds = time.perf_counter() - start
    with engine.connect() as connection:
        loaded = connection.scalar(text("SELECT COUNT(*) FROM customer")) or 0
    return seconds, loaded


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--db",
        default="sqlite",
        help="sqlite (a new file in a temp dir), postgresql (the local highseas_bench_import database) "
        "or a URL of an empty database",
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="leads in the file (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=1, help="varies the generated leads (default 1)")
    args = parser.parse_args(argv)
    if args.rows < 1 or args.seed < 0:
        parser.error("--rows must be positive, --seed not negative")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    clock.set_now(NOW)
    with tempfile.TemporaryDirectory(prefix="highseas-bench-import-") as directory:
        workdir = Path(directory)
        path = workdir / "leads.csv"
        start = time.perf_counter()
        write_file(path, args.rows, args.seed)
        megabytes = path.stat().st_size / 1e6
        log(f"generated {args.rows:,} leads ({megabytes:.1f} MB) in {time.perf_counter() - start:.1f} s")
        database = Database(args.db, workdir)
        try:
            log(f"benchmark: import, {database.dialect}, {args.rows:,} leads, seed {args.seed}")
            import_s, counts = run_import(database, path)
            import_peak = peak_mb()
            log(f"import: {import_s:.2f} s, {counts}, peak {import_peak:.0f} MB")
            floor_s, loaded = run_floor(database, path)
            log(f"floor: {floor_s:.2f} s, {loaded:,} rows loaded")
        finally:
            database.close()
    result = {
        "bench": "import",
        "db": database.dialect,
        "rows": args.rows,
        "seed": args.seed,
        **counts,
        "import_s": round(import_s, 3),
        "floor_s": round(floor_s, 3),
        "ratio": round(import_s / floor_s, 3),
        "import_rows_per_s": round(args.rows / import_s),
        "floor_rows_per_s": round(args.rows / floor_s),
        "peak_mb": round(import_peak, 1),
    }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
