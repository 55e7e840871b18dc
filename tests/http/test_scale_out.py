"""Real ``highseas serve`` processes on one PostgreSQL database: claims through HTTP from many
clients at once, tokens valid on every process, and the scheduled sweep in one process at a time."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import Engine, func, select

from highseas import clock
from highseas.auth.models import AuditEvent
from highseas.auth.permissions import SYSTEM
from highseas.customers.models import Customer
from highseas.customers.service import CustomerInput, create_customer
from highseas.db import session_scope
from highseas.org.models import Role
from highseas.org.service import create_user
from highseas.ownership import service as ownership
from highseas.pools.service import RuleInput, add_rule
from tests.conftest import PASSWORD, START, Org, build_org, reset_database
from tests.invariants import assert_invariants

SERVERS = 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def pg_org(postgresql_engine: Engine) -> Org:
    reset_database(postgresql_engine)
    return build_org(postgresql_engine)


@contextmanager
def running_servers(org: Org) -> Iterator[list[str]]:
    """Three server processes with the clock frozen at the tests' start instant and a sweep
    scheduled every 1.2 s (they wake every second)."""
    url = org.engine.url.render_as_string(hide_password=False)
    env = os.environ | {"HIGHSEAS_DATABASE_URL": url, "HIGHSEAS_NOW": START.isoformat()}
    ports = [_free_port() for _ in range(SERVERS)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "highseas", "serve", "--port", str(port), "--sweep-minutes", "0.02"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for port in ports
    ]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for base, process in zip(bases, processes, strict=True):
            _wait_until_serving(base, process)
        yield bases
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


@pytest.fixture
def servers(pg_org: Org) -> Iterator[list[str]]:
    with running_servers(pg_org) as bases:
        yield bases


def _wait_until_serving(base: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if process.poll() is not None:
            pytest.fail(f"server exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        threading.Event().wait(0.1)
    pytest.fail(f"{base} never answered /healthz")


def _login(base: str, username: str) -> dict[str, str]:
    response = httpx.post(f"{base}/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _pool_customers(org: Org, n: int) -> list[int]:
    with session_scope(org.engine) as s:
        return [
            create_customer(s, org.admin, CustomerInput(name=f"客户{i}"), org.east_pool.id, True).id
            for i in range(n)
        ]


def test_32_clients_claiming_one_customer_get_one_200_and_31_already_owned(
    pg_org: Org, servers: list[str]
) -> None:
    with session_scope(pg_org.engine) as s:
        names = [
            create_user(s, SYSTEM, f"client{i}", PASSWORD, Role.SALES, pg_org.rep.department_id).username
            for i in range(32)
        ]
    (customer_id,) = _pool_customers(pg_org, 1)
    headers = [_login(servers[i % SERVERS], name) for i, name in enumerate(names)]
    barrier = threading.Barrier(32)
    results: list[tuple[int, str]] = [(0, "")] * 32

    def claim(i: int) -> None:
        with httpx.Client(base_url=servers[i % SERVERS], headers=headers[i], timeout=60) as client:
            barrier.wait()
            response = client.post(f"/api/v1/customers/{customer_id}/claim")
            code = response.json()["error"]["code"] if response.status_code != 200 else ""
            results[i] = (response.status_code, code)

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(results) == [(200, "")] + [(409, "already_owned")] * 31
    assert_invariants(pg_org.engine)


def test_claims_spread_over_three_servers_keep_every_invariant(pg_org: Org, servers: list[str]) -> None:
    ids = _pool_customers(pg_org, 30)
    reps = ["rep", "other_rep", "east_mgr"]
    tokens = {name: _login(servers[0], name) for name in reps}  # a token from one server works on all

    def claim_all(worker: int) -> None:
        name = reps[worker % len(reps)]
        with httpx.Client(base_url=servers[worker % SERVERS], headers=tokens[name], timeout=60) as client:
            for customer_id in ids:
                response = client.post(f"/api/v1/customers/{customer_id}/claim")
                assert response.status_code in (200, 409), response.text

    threads = [threading.Thread(target=claim_all, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with pg_org.session() as s:
        assert (
            s.scalar(select(func.count()).where(Customer.id.in_(ids), Customer.owner_id.is_not(None))) == 30
        )
    for base in servers:
        assert httpx.get(f"{base}/api/v1/me", headers=tokens["rep"]).status_code == 200
    assert_invariants(pg_org.engine)


def test_the_scheduled_sweep_runs_in_one_server_at_a_time(pg_org: Org) -> None:
    org = pg_org
    org.run(add_rule, SYSTEM, org.east_pool.id, RuleInput("no_followup", 1))
    ids = _pool_customers(org, 5)
    clock.set_now(START - timedelta(days=2))
    for customer_id in ids:
        org.run(ownership.claim, org.rep, customer_id)  # due one day before the servers' START
    with running_servers(org):
        for _ in range(100):
            if _scheduled_sweeps(org):
                break
            threading.Event().wait(0.1)
        # Let every server wake a few more times: with their clock frozen, the interval since
        # the first sweep never passes, so no process may sweep again.
        threading.Event().wait(3)
    sweeps = _scheduled_sweeps(org)
    assert len(sweeps) == 1
    assert sweeps[0].detail["recycled"] == 5
    with org.session() as s:
        assert s.scalar(select(func.count()).where(Customer.owner_id.is_not(None))) == 0
    assert_invariants(org.engine)


def _scheduled_sweeps(org: Org) -> list[AuditEvent]:
    with org.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.kind == "scheduled_sweep")))
