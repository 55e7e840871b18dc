"""Benchmark the HTTP API on PostgreSQL: concurrent claims and pool-list pages, each beside its floor.

What it measures, all in one run on one database
    * Claims: ``--clients`` client processes (default 16) each claim random unowned customers of
      one pool through ``POST /api/v1/customers/{id}/claim`` for ``--seconds``, spread over
      ``--servers`` ``highseas serve`` processes. Reported: successful claims per second and the
      p50/p99 latency of every claim request (409s included). Afterwards the event log must show
      zero double claims and no user above their capacity.
    * The claim floor: the same claim transaction — lock the user row, count what they own,
      compare-and-set the customer's owner, append the claim event — issued directly through
      psycopg by as many processes, no HTTP, no ORM. ``claims_ratio`` is HTTP rate / floor rate
      (the target is ≥ 0.25).
    * Pool list: p95 of ``GET /api/v1/customers?view=pool&grade=C&limit=50`` following the keyset
      cursor page after page, over ``--rows`` customers (default 1,000,000), beside the p95 of
      ``GET /healthz`` measured the same way (the framework's own floor). ``list_ratio`` is their
      quotient (the target is ≤ 3).

Usage::

    .venv/bin/python bench/api.py --db postgresql --rows 1000000

The last line of the output is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import random
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg
from harness import empty_schema, local_postgresql, percentile, servers
from sqlalchemy import Engine, text

from highseas.auth.permissions import SYSTEM
from highseas.db import make_engine, normalise_url, session_scope, to_micros
from highseas.org.models import Role
from highseas.org.service import create_department, create_user
from highseas.pools.service import PoolInput, create_pool
from highseas.schema import migrate

BENCH_DATABASE = "highseas_bench_api"
PASSWORD = "bench-password-1"
CAPACITY = 100_000


def database_url(db: str) -> str:
    if db == "postgresql":
        return local_postgresql(BENCH_DATABASE)
    if not db.startswith("postgresql"):
        raise SystemExit("bench/api.py measures PostgreSQL: pass --db postgresql or a postgresql:// URL")
    return db


def build(engine: Engine, rows: int, clients: int) -> tuple[int, list[str]]:
    """An empty schema, ``clients`` reps in one team, one pool of ``rows`` unowned customers."""
    empty_schema(engine)
    migrate(engine)
    with session_scope(engine) as s:
        team = create_department(s, SYSTEM, "Bench team")
        create_user(s, SYSTEM, "bench-admin", PASSWORD, Role.ADMIN, team.id)
        reps = [
            create_user(s, SYSTEM, f"rep{i:02d}", PASSWORD, Role.SALES, team.id, capacity=CAPACITY)
            for i in range(clients)
        ]
        pool = create_pool(s, SYSTEM, PoolInput("Bench pool", [], [team.id], []))
        pool_id, usernames = pool.id, [r.username for r in reps]
    now = to_micros(datetime.now(UTC))
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO customer (name, grade, stage, tags, custom_fields, pool_id, won, locked,"
                " created_at, updated_at)"
                " SELECT 'Customer ' || i, substr('ABCDE', 1 + i % 5, 1), 'lead', '[]', '{}',"
                " :pool, false, false, :now, :now FROM generate_series(1, :rows) AS i"
            ),
            {"pool": pool_id, "now": now, "rows": rows},
        )
        conn.execute(
            text(
                "INSERT INTO ownership_event (customer_id, kind, pool_id, at)"
                " SELECT id, 'create', pool_id, created_at FROM customer"
            )
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return pool_id, usernames


def _login(base: str, username: str) -> dict[str, str]:
    response = httpx.post(f"{base}/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


class KeepAlive:
    """One persistent HTTP/1.1 connection from the standard library.

    The clients share the machine with the servers and the database: a client that costs a
    tenth of what httpx costs per request leaves the cores to what is being measured.
    """

    def __init__(self, base: str, headers: dict[str, str] | None = None) -> None:
        url = urlsplit(base)
        self.connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=120)
        self.headers = headers or {}

    def request(self, method: str, path: str) -> tuple[int, bytes]:
        self.connection.request(method, path, headers=self.headers)
        response = self.connection.getresponse()
        return response.status, response.read()


def http_claimer(args: tuple[str, str, int, float, int, Any]) -> tuple[int, list[float]]:
    base, username, rows, seconds, seed, start = args
    rng = random.Random(seed)
    client = KeepAlive(base, _login(base, username))
    won, latencies = 0, []
    start.wait()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        began = time.perf_counter()
        status, body = client.request("POST", f"/api/v1/customers/{rng.randint(1, rows)}/claim")
        latencies.append(time.perf_counter() - began)
        if status == 200:
            won += 1
        elif status != 409:
            raise RuntimeError(f"claim answered {status}: {body.decode()}")
    return won, latencies


FLOOR_CLAIM = (
    "SELECT id FROM user_account WHERE id = %(user)s FOR UPDATE",
    "SELECT count(*) FROM customer WHERE owner_id = %(user)s AND deleted_at IS NULL",
    "UPDATE customer SET owner_id = %(user)s, claimed_at = %(now)s, updated_at = %(now)s"
    " WHERE id = %(customer)s AND owner_id IS NULL AND deleted_at IS NULL RETURNING pool_id",
)


def floor_claimer(args: tuple[str, int, int, float, int, Any]) -> int:
    url, user_id, rows, seconds, seed, start = args
    rng = random.Random(seed)
    won = 0
    with psycopg.connect(url) as conn:
        start.wait()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            params = {"user": user_id, "now": to_micros(datetime.now(UTC)), "customer": rng.randint(1, rows)}
            with conn.transaction():
                conn.execute(FLOOR_CLAIM[0], params)
                owned = conn.execute(FLOOR_CLAIM[1], params).fetchone()
                moved = conn.execute(FLOOR_CLAIM[2], params).fetchone()
                if owned is not None and owned[0] < CAPACITY and moved is not None:
                    conn.execute(
                        "INSERT INTO ownership_event (customer_id, kind, to_user_id, pool_id, actor_id, at)"
                        " VALUES (%(customer)s, 'claim', %(user)s, %(pool)s, %(user)s, %(now)s)",
                        params | {"pool": moved[0]},
                    )
                    won += 1
    return won


def run_parallel(worker: Any, jobs: list[tuple[Any, ...]]) -> list[Any]:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        # Every client logs in and connects before the gun: on 2 cores, 16 processes still starting
        # up would take CPU from the measured run (a fixed pause is not always long enough).
        start = manager.Barrier(len(jobs) + 1, timeout=300)
        with ctx.Pool(len(jobs)) as pool:
            pending = pool.map_async(worker, [(*job, start) for job in jobs])
            start.wait()
            return list(pending.get())


def check_claims(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        doubles = conn.execute(
            text(
                "SELECT count(*) FROM (SELECT customer_id FROM ownership_event WHERE kind = 'claim'"
                " GROUP BY customer_id HAVING count(*) > 1) d"
            )
        ).scalar_one()
        over = conn.execute(
            text(
                "SELECT count(*) FROM (SELECT owner_id FROM customer WHERE owner_id IS NOT NULL"
                " GROUP BY owner_id HAVING count(*) > :cap) o"
            ),
            {"cap": CAPACITY},
        ).scalar_one()
        claimed = conn.execute(text("SELECT count(*) FROM customer WHERE owner_id IS NOT NULL")).scalar_one()
    return {"double_claims": int(doubles), "capacity_overruns": int(over), "owned": int(claimed)}


def reset_claims(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE customer SET owner_id = NULL, claimed_at = NULL WHERE owner_id IS NOT NULL")
        )
        conn.execute(text("DELETE FROM ownership_event WHERE kind = 'claim'"))


def page_latencies(base: str, headers: dict[str, str], pages: int) -> list[float]:
    client = KeepAlive(base, headers)
    latencies, cursor = [], None
    for _ in range(pages):
        path = "/api/v1/customers?view=pool&grade=C&limit=50" + (f"&cursor={cursor}" if cursor else "")
        began = time.perf_counter()
        status, body = client.request("GET", path)
        latencies.append(time.perf_counter() - began)
        if status != 200:
            raise RuntimeError(f"list answered {status}: {body.decode()}")
        cursor = json.loads(body)["next_cursor"]
    return latencies


def healthz_latencies(base: str, count: int) -> list[float]:
    client = KeepAlive(base)
    latencies = []
    for _ in range(count):
        began = time.perf_counter()
        status, _body = client.request("GET", "/healthz")
        latencies.append(time.perf_counter() - began)
        if status != 200:
            raise RuntimeError(f"healthz answered {status}")
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--db", default="postgresql", help="postgresql, or a postgresql:// URL")
    parser.add_argument("--rows", type=int, default=1_000_000, help="customers in the pool")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--servers", type=int, default=2, help="highseas serve processes")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each claim phase")
    parser.add_argument("--pages", type=int, default=300, help="list pages (and healthz calls) to time")
    args = parser.parse_args()

    url = database_url(args.db)
    engine = make_engine(url)
    began = time.perf_counter()
    _pool_id, usernames = build(engine, args.rows, args.clients)
    print(
        f"built {args.rows:,} customers and {args.clients} reps in {time.perf_counter() - began:.1f}s",
        flush=True,
    )

    driver_url = normalise_url(url).replace("postgresql+psycopg", "postgresql")
    user_ids = list(range(2, 2 + args.clients))  # the admin is user 1
    floor_jobs = [(driver_url, uid, args.rows, args.seconds, i) for i, uid in enumerate(user_ids)]
    floor_won = sum(run_parallel(floor_claimer, floor_jobs))
    floor_checks = check_claims(engine)
    floor_rate = floor_won / args.seconds
    print(f"floor: {floor_won} claims in {args.seconds}s = {floor_rate:.0f}/s {floor_checks}", flush=True)
    reset_claims(engine)

    with servers(url, args.servers) as bases:
        jobs = [
            (bases[i % len(bases)], name, args.rows, args.seconds, 100 + i)
            for i, name in enumerate(usernames)
        ]
        results = run_parallel(http_claimer, jobs)
        http_won = sum(won for won, _ in results)
        latencies = [lat for _, lats in results for lat in lats]
        checks = check_claims(engine)
        http_rate = http_won / args.seconds
        print(f"http: {http_won} claims in {args.seconds}s = {http_rate:.0f}/s {checks}", flush=True)

        member = _login(bases[0], usernames[0])
        page_latencies(bases[0], member, 20)  # warm caches and connections
        healthz_latencies(bases[0], 20)
        pages = page_latencies(bases[0], member, args.pages)
        health = healthz_latencies(bases[0], args.pages)

    list_p95, health_p95 = percentile(pages, 95), percentile(health, 95)
    figures = {
        "bench": "api",
        "db": "postgresql",
        "rows": args.rows,
        "clients": args.clients,
        "servers": args.servers,
        "claims_per_s": round(http_rate, 1),
        "claim_p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "claim_p99_ms": round(percentile(latencies, 99) * 1000, 2),
        "floor_claims_per_s": round(floor_rate, 1),
        "claims_ratio": round(http_rate / floor_rate, 3),
        "double_claims": checks["double_claims"],
        "capacity_overruns": checks["capacity_overruns"],
        "list_p95_ms": round(list_p95 * 1000, 2),
        "healthz_p95_ms": round(health_p95 * 1000, 2),
        "list_ratio": round(list_p95 / health_p95, 2),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
