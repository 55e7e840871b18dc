"""Benchmark importing a lead file (CSV or XLSX) against the database's own bulk load of the rows
the import writes.

What it measures
    ``--rows`` generated leads in one file (Chinese names, companies and regions; mobiles in the
    spellings people type, some numeric cells in the XLSX; landlines in a second phone column, some
    with an extension; a few cells with two numbers; grade labels as WukongCRM and yudao write them,
    ``A（重点客户）``; ~40 % with an email; ~5 % repeating an earlier lead's mobile in another
    spelling; ~3 % malformed: a short phone, a broken email or grade ``Z``), imported into an empty
    pool by :func:`highseas.intake.importer.import_file` inside :func:`highseas.db.session_scope`,
    commit included: reading and decoding the file, validating and normalising every row, staging,
    dedup against the database and within the file, the customers and their ``import`` events, the
    report and the possible duplicates.

The floor
    The customer rows and the ``ownership_event`` rows the import wrote, every column as written,
    loaded into the same tables (with their indexes and foreign keys) of an emptied database
    through the database's bulk path: PostgreSQL ``COPY`` of the customers, then ``COPY`` of the
    events; SQLite ``executemany`` of both in one transaction. No reading of a lead file, no
    validation, no dedup: the least that writing these rows costs. It runs once per run, after the
    first import, from the rows that import wrote (an XLSX import of the same leads writes the same
    rows; the script checks the counts).

    ``ratio = floor_s / import_s``: the share of the floor's speed the import reaches, so **higher
    is better** (1.0 would be an import as fast as the bulk load). The other benchmarks in this
    directory use their own direction. ``xlsx_vs_csv = xlsx rows/s / csv rows/s``.

Each contender starts from an empty, freshly migrated database (SQLite: a copy of one template
file; PostgreSQL: the intake tables truncated, vacuumed and checkpointed). ``peak_mb`` is the
process's peak resident memory read right after an import; with ``--format both`` the XLSX figure
is the peak of the whole run so far. The generated files are cached under the system's temporary
directory by format, rows and seed (the XLSX file of a million rows takes minutes to write).

Usage::

    .venv/bin/python bench/import.py --db sqlite --rows 1000000 --format both
    .venv/bin/python bench/import.py --db postgresql --rows 1000000 --format both
    .venv/bin/python bench/import.py --db postgresql://user@host/dbname --rows 100000 --format xlsx

``--db postgresql`` uses the ``highseas_bench_import`` database on ``127.0.0.1:5432`` (or the one
``--pg-database`` names; created if missing, its ``public`` schema emptied). Rows per second count
the file's leads, for the floor too. The last line of the output is one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import pickle
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness import cached_file, empty_schema, local_postgresql, log, peak_mb
from openpyxl import Workbook
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url

from highseas import clock
from highseas.auth.permissions import SYSTEM
from highseas.customers.models import Customer
from highseas.db import make_engine, normalise_url, session_scope
from highseas.intake.importer import import_file
from highseas.intake.models import ImportBatch
from highseas.org.models import Role, User
from highseas.org.service import create_user
from highseas.ownership.models import OwnershipEvent
from highseas.pools.service import PoolInput, create_pool
from highseas.schema import migrate

BENCH_DATABASE = "highseas_bench_import"
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
PASSWORD = "bench-password"
RESET_TABLES = ("import_issue", "ownership_event", "customer", "import_batch", "audit_event")
HEADER = ("姓名", "手机", "电话", "公司", "邮箱", "客户等级", "地区", "行业", "来源")
FORMATS = ("csv", "xlsx")
GENERATOR = 2  # bump when the leads change: the cached files are named after it

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
    ("福州", "福建", "0591"),
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
# The option labels of WukongCRM's 客户级别 (and yudao's, with a space before the bracket).
GRADE_LABELS = {"A": "重点客户", "B": "普通客户", "C": "非优先客户", "D": "一般客户", "E": "低价值客户"}
EXTENSIONS = ("-{}", "转{}", " ext. {}")
_BRAND_SPACE = len(BRAND) ** 4
_BRAND_STEP = 7_368_787  # coprime with len(BRAND) ** 4: row i gets brand (i * step) mod space, all distinct


def _brand(i: int) -> str:
    j = (i * _BRAND_STEP) % _BRAND_SPACE
    n = len(BRAND)
    return BRAND[j % n] + BRAND[j // n % n] + BRAND[j // n**2 % n] + BRAND[j // n**3 % n]


def _mobile(i: int) -> str:
    """A distinct 11-digit mobile per row (13x…)."""
    return str(13_000_000_000 + (i * 48_271) % 1_000_000_000)


def _landline(i: int, area: str) -> str:
    """A distinct 8-digit local number per row (2…–7…: libphonenumber's valid ones), with its area code."""
    return f"{area}-{(i * 7_919) % 60_000_000 + 20_000_000}"


def _spelled(mobile: str, rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.85:
        return mobile
    if kind < 0.90:
        return f"+86 {mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"
    if kind < 0.95:
        return f"0086 {mobile}"
    return f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}"


def _grade(rng: random.Random) -> str:
    """Mostly a letter; a quarter as WukongCRM's labels, some as yudao's; a tenth left empty."""
    letter = GRADES[rng.randrange(5)]
    draw = rng.random()
    if draw < 0.60:
        return letter
    if draw < 0.85:
        return f"{letter}（{GRADE_LABELS[letter]}）"
    if draw < 0.90:
        return f"{letter} （{GRADE_LABELS[letter]}）"
    return ""


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
            mobile = _spelled(_mobile(rng.randrange(i)), rng)
        elif draw < 0.10:  # no mobile, only the office line
            mobile = ""
        else:
            mobile = _spelled(_mobile(i), rng)
        landline = _landline(i, area) if not mobile or rng.random() < 0.25 else ""
        if landline and rng.random() < 0.15:
            landline += EXTENSIONS[rng.randrange(len(EXTENSIONS))].format(8000 + rng.randrange(1000))
        if mobile and rng.random() < 0.02:  # two numbers in one cell, as people type them
            mobile = f"{mobile}/{_landline(i, area)}"
            landline = ""
        email = f"lead{i}@{_brand(i).encode('utf-8').hex()[:8]}.com.cn" if rng.random() < 0.4 else ""
        grade = _grade(rng)
        bad = rng.random()
        if bad < 0.01:
            mobile = (mobile or landline)[:5]
        elif bad < 0.02:
            email = f"lead{i}@"
        elif bad < 0.03:
            grade = "Z"
        region = city if city == province else province + city
        source = SOURCES[rng.randrange(len(SOURCES))]
        yield (name, mobile, landline, company, email, grade, region, industry, source)


def write_csv(path: Path, rows: int, seed: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(leads(rows, seed))


def write_xlsx(path: Path, rows: int, seed: int) -> None:
    """The same leads as an XLSX workbook, streamed (openpyxl's write-only mode); a plain mobile is
    a number cell now and then, as when someone typed it into Excel."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("线索")
    sheet.append(HEADER)
    for n, lead in enumerate(leads(rows, seed)):
        mobile = lead[1]
        if n % 10 == 3 and mobile.isdigit():
            sheet.append([lead[0], int(mobile), *lead[2:]])
        else:
            sheet.append(list(lead))
    book.save(path)


def leads_file(fmt: str, rows: int, seed: int) -> Path:
    """The generated file, written once per format, rows, seed and generator version."""
    write = write_csv if fmt == "csv" else write_xlsx
    name = f"highseas-bench-leads-v{GENERATOR}-{rows}-{seed}.{fmt}"

    def build(path: Path) -> None:
        start = time.perf_counter()
        write(path, rows, seed)
        megabytes = path.stat().st_size / 1e6
        log(f"generated {rows:,} leads as {fmt} ({megabytes:.1f} MB) in {time.perf_counter() - start:.1f} s")

    return cached_file(name, build)


# --- databases ------------------------------------------------------------------------------------


class Database:
    """An empty, migrated database with one admin and one pool; :meth:`fresh` empties it again."""

    def __init__(self, db: str, workdir: Path, pg_database: str = BENCH_DATABASE) -> None:
        if db == "postgresql":
            db = local_postgresql(pg_database)
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


FLOOR_TABLES = ("customer", "ownership_event")  # in the order the foreign keys need
PICKLED_ROWS = 10_000


@dataclass
class Written:
    """The rows an import wrote, dumped to files for the floor to load: the import's batch (which
    the customers refer to, loaded before the clock starts) and each of :data:`FLOOR_TABLES`."""

    batch: list[tuple[Any, ...]]
    files: dict[str, Path]
    columns: dict[str, list[str]]
    counts: dict[str, int]


def _columns(table: str) -> list[str]:
    model = {"customer": Customer, "ownership_event": OwnershipEvent, "import_batch": ImportBatch}[table]
    return [column.name for column in model.__table__.columns]


def dump_written(database: Database, workdir: Path) -> Written:
    """What the last import wrote: PostgreSQL ``COPY … TO`` files, SQLite pickled chunks of rows."""
    assert database.engine is not None
    columns = {table: _columns(table) for table in FLOOR_TABLES}
    files: dict[str, Path] = {}
    counts: dict[str, int] = {}
    with database.engine.connect() as connection:
        batch_columns = ", ".join(_columns("import_batch"))
        batch = [tuple(row) for row in connection.execute(text(f"SELECT {batch_columns} FROM import_batch"))]
        driver = connection.connection.driver_connection
        assert driver is not None
        for table in FLOOR_TABLES:
            files[table] = workdir / f"{table}.rows"
            listed = ", ".join(columns[table])
            counts[table] = connection.scalar(text(f"SELECT COUNT(*) FROM {table}")) or 0
            with files[table].open("wb") as out:
                if database.dialect == "postgresql":
                    with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({listed}) TO STDOUT") as copy:
                        for block in copy:
                            out.write(block)
                else:
                    cursor = driver.execute(f"SELECT {listed} FROM {table} ORDER BY id")
                    while chunk := cursor.fetchmany(PICKLED_ROWS):
                        pickle.dump(chunk, out)
    return Written(batch, files, columns, counts)


def _pickled(path: Path) -> Iterator[tuple[Any, ...]]:
    with path.open("rb") as file:
        while True:
            try:
                yield from pickle.load(file)
            except EOFError:
                return


def run_floor(database: Database, written: Written) -> tuple[float, dict[str, int]]:
    engine = database.fresh()
    batch_columns = _columns("import_batch")
    with engine.begin() as connection:
        marks = ", ".join(f":{c}" for c in batch_columns)
        insert_batch = text(f"INSERT INTO import_batch ({', '.join(batch_columns)}) VALUES ({marks})")
        connection.execute(
            insert_batch, [dict(zip(batch_columns, row, strict=True)) for row in written.batch]
        )
    start = time.perf_counter()
    with engine.begin() as connection:
        driver = connection.connection.driver_connection
        assert driver is not None
        for table in FLOOR_TABLES:
            listed = ", ".join(written.columns[table])
            if database.dialect == "postgresql":
                copy_in = f"COPY {table} ({listed}) FROM STDIN"
                with (
                    written.files[table].open("rb") as file,
                    driver.cursor() as cursor,
                    cursor.copy(copy_in) as copy,
                ):
                    while block := file.read(1 << 20):
                        copy.write(block)
            else:
                marks = ", ".join("?" * len(written.columns[table]))
                driver.executemany(
                    f"INSERT INTO {table} ({listed}) VALUES ({marks})", _pickled(written.files[table])
                )
    seconds = time.perf_counter() - start
    with engine.connect() as connection:
        loaded = {
            table: connection.scalar(text(f"SELECT COUNT(*) FROM {table}")) or 0 for table in FLOOR_TABLES
        }
    if loaded != written.counts:
        raise AssertionError(f"the floor loaded {loaded}, the import wrote {written.counts}")
    return seconds, loaded


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--db",
        default="sqlite",
        help="sqlite (a new file in a temp dir), postgresql (the local highseas_bench_import database) "
        "or a URL of an empty database",
    )
    parser.add_argument(
        "--pg-database",
        default=BENCH_DATABASE,
        help=f"the local database --db postgresql uses (default {BENCH_DATABASE})",
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="leads in the file (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=1, help="varies the generated leads (default 1)")
    parser.add_argument(
        "--format",
        choices=(*FORMATS, "both"),
        default="csv",
        help="the file to import: csv, xlsx, or both (CSV, then XLSX, one JSON line)",
    )
    args = parser.parse_args(argv)
    if args.rows < 1 or args.seed < 0:
        parser.error("--rows must be positive, --seed not negative")
    return args


@dataclass
class Run:
    fmt: str
    seconds: float
    counts: dict[str, int]
    peak: float


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    clock.set_now(NOW)
    formats = FORMATS if args.format == "both" else (args.format,)
    paths = {fmt: leads_file(fmt, args.rows, args.seed) for fmt in formats}
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="highseas-bench-import-") as directory:
        workdir = Path(directory)
        database = Database(args.db, workdir, args.pg_database)
        try:
            for fmt in formats:
                log(f"benchmark: import, {database.dialect}, {fmt}, {args.rows:,} leads, seed {args.seed}")
                seconds, counts = run_import(database, paths[fmt])
                runs.append(Run(fmt, seconds, counts, peak_mb()))
                log(f"import ({fmt}): {seconds:.2f} s, {counts}, peak {runs[-1].peak:.0f} MB")
                if runs[0].counts != counts:
                    raise AssertionError(f"the {fmt} file gave {counts}, the csv file {runs[0].counts}")
                if len(runs) == 1:
                    written = dump_written(database, workdir)
                    floor_s, loaded = run_floor(database, written)
                    log(f"floor: {floor_s:.2f} s, {loaded} rows loaded")
        finally:
            database.close()
    print(json.dumps(result(args, database.dialect, runs, floor_s)), flush=True)


def result(args: argparse.Namespace, dialect: str, runs: list[Run], floor_s: float) -> dict[str, object]:
    head: dict[str, object] = {"bench": "import", "db": dialect, "format": args.format, "rows": args.rows}
    head |= {"seed": args.seed, **runs[0].counts, "floor_s": round(floor_s, 3)}
    head["floor_rows_per_s"] = round(args.rows / floor_s)
    rate: Callable[[Run], float] = lambda run: args.rows / run.seconds  # noqa: E731 - one use per run
    if len(runs) == 1:
        (run,) = runs
        return head | {
            "import_s": round(run.seconds, 3),
            "ratio": round(floor_s / run.seconds, 3),
            "import_rows_per_s": round(rate(run)),
            "peak_mb": round(run.peak, 1),
        }
    csv_run, xlsx_run = runs
    return head | {
        "csv_import_s": round(csv_run.seconds, 3),
        "xlsx_import_s": round(xlsx_run.seconds, 3),
        "csv_ratio": round(floor_s / csv_run.seconds, 3),
        "xlsx_ratio": round(floor_s / xlsx_run.seconds, 3),
        "xlsx_vs_csv": round(rate(xlsx_run) / rate(csv_run), 3),
        "csv_rows_per_s": round(rate(csv_run)),
        "xlsx_rows_per_s": round(rate(xlsx_run)),
        "csv_peak_mb": round(csv_run.peak, 1),
        "xlsx_peak_mb": round(xlsx_run.peak, 1),
    }


if __name__ == "__main__":
    main()
