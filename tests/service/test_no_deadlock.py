"""No deadlock reaches a user: claims, releases, transfers, assigns and sweeps running together.

Real threads, each transaction on its own connection, for :data:`DURATION_S` seconds. Every
refusal must be a domain answer (already owned, capacity full…); any other exception — PostgreSQL's
``deadlock detected`` above all — is a server error a user would have seen. Time moves through the
injectable clock: each sweep first advances it, so owned customers keep coming due.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from highseas import clock, errors
from highseas.auth.permissions import SYSTEM
from highseas.customers.models import Customer
from highseas.customers.service import CustomerInput, create_customer
from highseas.db import session_scope
from highseas.org.models import Role, User
from highseas.org.service import create_user
from highseas.ownership import service as ownership
from highseas.ownership.sweep import run_sweep
from highseas.pools.service import RuleInput, add_rule
from tests.conftest import PASSWORD, Org
from tests.invariants import assert_invariants

DURATION_S = 60.0
WORKERS = 6
CUSTOMERS = 120
REPS = 6


@pytest.mark.postgresql_only
def test_claims_releases_transfers_assigns_and_sweeps_together_never_deadlock(org: Org) -> None:
    if org.engine.dialect.name != "postgresql":
        pytest.skip("SQLite: every writing transaction holds the single writer lock; nothing can deadlock")
    with session_scope(org.engine) as s:
        reps = [
            create_user(s, SYSTEM, f"busy{i}", PASSWORD, Role.SALES, org.rep.department_id, capacity=25)
            for i in range(REPS)
        ]
        for i in range(CUSTOMERS):
            create_customer(
                s, org.admin, CustomerInput(name=f"客户{i}", grade="C"), org.company_pool.id, True
            )
    org.run(add_rule, SYSTEM, org.company_pool.id, RuleInput("no_followup", 1))
    traffic = _Traffic(org, reps)
    threads = [threading.Thread(target=traffic.work, args=(seed,)) for seed in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DURATION_S + 120)
    assert not any(thread.is_alive() for thread in threads)
    assert traffic.server_errors == []
    # Every kind of move really happened, many times over.
    assert min(traffic.done[kind] for kind in _Traffic.KINDS) > 0, traffic.done
    assert traffic.recycled > 0
    assert_invariants(org.engine)


class _Traffic:
    KINDS = ("claim", "release", "transfer", "assign", "sweep")

    def __init__(self, org: Org, reps: list[User]) -> None:
        self.org = org
        self.reps = reps
        self.deadline = time.monotonic() + DURATION_S
        self.done: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.recycled = 0
        self.server_errors: list[str] = []
        self.lock = threading.Lock()

    def work(self, seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < self.deadline:
            kind = rng.choice(self.KINDS)
            try:
                getattr(self, kind)(rng)
            except errors.DomainError:
                with self.lock:
                    self.refused[kind] += 1
                continue
            except Exception as crash:  # what a user would see as a 500
                with self.lock:
                    self.server_errors.append(f"{kind}: {type(crash).__name__}: {crash}"[:300])
                continue
            with self.lock:
                self.done[kind] += 1

    def _some(self, rng: random.Random, owned: bool) -> Customer | None:
        with self.org.session() as s:
            condition = Customer.owner_id.is_not(None) if owned else Customer.owner_id.is_(None)
            ids = s.scalars(select(Customer.id).where(condition)).all()
            return s.get(Customer, rng.choice(ids)) if ids else None

    def claim(self, rng: random.Random) -> None:
        customer = self._some(rng, owned=False)
        if customer is not None:
            self.org.run(ownership.claim, rng.choice(self.reps), customer.id)

    def release(self, rng: random.Random) -> None:
        customer = self._some(rng, owned=True)
        if customer is not None and customer.owner_id is not None:
            owner = next((r for r in self.reps if r.id == customer.owner_id), None)
            if owner is not None:
                self.org.run(ownership.release, owner, customer.id, "换人跟进")

    def transfer(self, rng: random.Random) -> None:
        customer = self._some(rng, owned=True)
        if customer is not None:
            to = rng.choice(self.reps)
            self.org.run(ownership.transfer, self.org.east_manager, customer.id, to.id)

    def assign(self, rng: random.Random) -> None:
        customer = self._some(rng, owned=False)
        if customer is not None:
            self.org.run(ownership.assign, self.org.east_manager, customer.id, rng.choice(self.reps).id)

    def sweep(self, rng: random.Random) -> None:
        with self.lock:
            clock.advance(timedelta(hours=rng.randint(1, 12)))
        report = self.org.run(run_sweep, self.org.admin)
        with self.lock:
            self.recycled += report.recycled
