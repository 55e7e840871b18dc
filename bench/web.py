"""Benchmark the web pages: p95 server time of the pool page and the my-customers page.

What it measures, all in one run on one database
    * ``--rows`` customers (default 1,000,000) in one company pool with the seed's grade rules; one
      rep owns ``--owned`` of them (default 150, a full private pool) with due dates set by the
      product's own ``refresh_due_dates``.
    * One ``highseas serve`` process; a logged-in browser session (the login form, its session
      cookie). Timed from request to last byte, as a browser's network panel shows it:
        - the pool page ``GET /pool?grade=C``, following its "next page" keyset links page after
          page (50 customers a page), ``--pages`` times;
        - the my-customers page ``GET /mine`` and its next pages, ``--pages`` times in all.
    * The floor, measured the same way in the same run: ``GET /healthz`` (framework, connection
      and one ``SELECT 1``: what any page costs before it does anything). ``ratio`` is the slower
      page's p95 over the floor's p95. The target is an absolute p95 ≤ 150 ms for both pages.

Usage::

    .venv/bin/python bench/web.py --db postgresql --rows 1000000
    .venv/bin/python bench/web.py --db sqlite --rows 1000000

``--db postgresql`` uses the ``highseas_bench_web`` database on 127.0.0.1:5432 (created if missing,
its ``public`` schema emptied); ``--db sqlite`` a new file in a temporary directory; or pass a URL.
The last line of the output is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from harness import empty_schema, local_postgresql, log, percentile, servers
from sqlalchemy import Engine, text

from highseas.auth.permissions import SYSTEM
from highseas.customers.models import Customer
from highseas.db import make_engine, session_scope, to_micros
from highseas.org.models import Role
from highseas.org.service import create_department, create_user
from highseas.ownership.due import refresh_due_dates
from highseas.pools.service import PoolInput, RuleInput, add_rule, create_pool
from highseas.schema import migrate

BENCH_DATABASE = "highseas_bench_web"
PASSWORD = "bench-password-1"
TARGET_MS = 150.0
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_NEXT = re.compile(r'<a href="([^"]+)" rel="next">')


def database_url(db: str, workdir: Path) -> str:
    if db == "sqlite":
        return f"sqlite:///{workdir / 'bench-web.db'}"
    if db == "postgresql":
        return local_postgresql(BENCH_DATABASE)
    return db


def build(engine: Engine, rows: int, owned: int) -> None:
    """An empty schema, a team, a pool with grade rules, ``rows`` customers, ``owned`` of them the rep's."""
    if engine.dialect.name == "postgresql":
        empty_schema(engine)
    migrate(engine)
    with session_scope(engine) as s:
        team = create_department(s, SYSTEM, "Bench team")
        rep = create_user(s, SYSTEM, "bench-rep", PASSWORD, Role.SALES, team.id, "Bench rep", capacity=owned)
        pool = create_pool(s, SYSTEM, PoolInput("Bench pool", [], [team.id], []))
        for days, grades in ((25, ["B"]), (10, ["C", "D"]), (40, ["E"])):
            add_rule(s, SYSTEM, pool.id, RuleInput("no_followup", days, grades, True, 3))
        pool_id, rep_id = pool.id, rep.id
    now = datetime.now(UTC)
    series = (
        "generate_series(1, :rows) AS g(i)"
        if engine.dialect.name == "postgresql"
        else "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rows)"
        " SELECT i FROM n)"
    )
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO customer (name, company, grade, stage, region, industry, source, tags,"
                " custom_fields, pool_id, won, locked, record_seq, created_at, updated_at)"
                " SELECT 'Customer ' || i, 'Company ' || (i % 5000), substr('ABCDE', 1 + i % 5, 1), 'lead',"
                " 'Region ' || (i % 7), 'Industry ' || (i % 11), 'Source ' || (i % 3), '[]', '{}',"
                f" :pool, false, false, 1, :at, :at FROM {series}"
            ),
            {"pool": pool_id, "at": to_micros(now - timedelta(days=30)), "rows": rows},
        )
        # The rep's customers: claimed over the last three weeks, so their deadlines spread out.
        conn.execute(
            text(
                "UPDATE customer SET owner_id = :rep, claimed_at = :start + (id % 21) * 86400000000"
                " WHERE id <= :owned"
            ),
            {"rep": rep_id, "start": to_micros(now - timedelta(days=21)), "owned": owned},
        )
    with session_scope(engine) as s:
        refresh_due_dates(s, Customer.owner_id == rep_id)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))


def logged_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60, headers={"Accept-Language": "zh-CN"})
    form = client.get("/login")
    token = _CSRF.search(form.text)
    assert token, "the login page has no CSRF token"
    data = {"csrf_token": token.group(1), "username": "bench-rep", "password": PASSWORD, "next": "/mine"}
    assert client.post("/login", data=data).status_code == 303, "login failed"
    assert "hs_session" in client.cookies, "login failed"
    return client


def page_latencies(client: httpx.Client, first: str, pages: int) -> list[float]:
    """Follow the page's own "next page" links; start over at the first page when they run out."""
    latencies: list[float] = []
    path = first
    while len(latencies) < pages:
        began = time.perf_counter()
        response = client.get(path)
        latencies.append(time.perf_counter() - began)
        response.raise_for_status()
        found = _NEXT.search(response.text)
        path = found.group(1).replace("&amp;", "&") if found else first
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--db", default="postgresql", help="sqlite, postgresql, or a database URL")
    parser.add_argument("--rows", type=int, default=1_000_000, help="customers (default 1,000,000)")
    parser.add_argument("--owned", type=int, default=150, help="customers the rep owns (default 150)")
    parser.add_argument("--pages", type=int, default=300, help="requests timed per page kind (default 300)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="highseas-bench-web-") as workdir:
        url = database_url(args.db, Path(workdir))
        engine = make_engine(url)
        began = time.perf_counter()
        build(engine, args.rows, args.owned)
        log(f"built {args.rows:,} customers ({args.owned} owned) in {time.perf_counter() - began:.1f}s")
        engine.dispose()
        with servers(url) as (base,), closing(logged_in(base)) as client:
            page_latencies(client, "/pool?grade=C", 20)  # warm caches and connections
            page_latencies(client, "/mine", 20)
            pool = page_latencies(client, "/pool?grade=C", args.pages)
            mine = page_latencies(client, "/mine", args.pages)
            floor = [page_latencies(client, "/healthz", 1)[0] for _ in range(args.pages)]

    pool_p95, mine_p95, floor_p95 = (percentile(v, 95) * 1000 for v in (pool, mine, floor))
    figures = {
        "bench": "web",
        "db": engine.dialect.name,
        "rows": args.rows,
        "owned": args.owned,
        "pages": args.pages,
        "pool_p50_ms": round(percentile(pool, 50) * 1000, 2),
        "pool_p95_ms": round(pool_p95, 2),
        "mine_p50_ms": round(percentile(mine, 50) * 1000, 2),
        "mine_p95_ms": round(mine_p95, 2),
        "healthz_p95_ms": round(floor_p95, 2),
        "ratio": round(max(pool_p95, mine_p95) / floor_p95, 2),
        "target_ms": TARGET_MS,
        "meets_target": max(pool_p95, mine_p95) <= TARGET_MS,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
