"""Concurrency invariants with real threads, each on its own connection, released by a barrier.

On PostgreSQL the row locks and compare-and-set updates do the work; on SQLite (a file database,
several connections) ``BEGIN IMMEDIATE`` serialises writers. The same tests run on both.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from highseas import clock, errors
from highseas.auth.permissions import SYSTEM
from highseas.customers.models import Customer, FollowUp
from highseas.customers.service import CustomerInput, create_customer, log_followup
from highseas.db import make_engine, session_scope
from highseas.org.models import Role, User
from highseas.org.service import create_user
from highseas.ownership import service as ownership
from highseas.ownership.models import EventKind, OwnershipEvent
from highseas.ownership.sweep import sweep
from highseas.ownership.writer import one as single_writer
from highseas.pools.service import RuleInput, add_rule
from tests.conftest import PASSWORD, Org, an_import_checking_for_duplicates
from tests.invariants import assert_invariants

T = TypeVar("T")
DAY = timedelta(days=1)


def race(n: int, attempt: Callable[[int], T]) -> list[T | errors.DomainError]:
    """Run ``attempt(i)`` in ``n`` threads released together; domain errors are results too."""
    barrier = threading.Barrier(n)
    results: list[T | errors.DomainError | None] = [None] * n
    crashes: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = attempt(i)
        except errors.DomainError as refused:
            results[i] = refused
        except BaseException as crash:  # surfaced below: a crash is a test failure, not a refusal
            crashes.append(crash)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not crashes, crashes
    return results  # type: ignore[return-value]


def make_reps(org: Org, n: int, capacity: int | None = None) -> list[User]:
    with session_scope(org.engine) as s:
        return [
            create_user(
                s, SYSTEM, f"racer{i}", PASSWORD, Role.SALES, org.rep.department_id, capacity=capacity
            )
            for i in range(n)
        ]


def pool_customers(org: Org, n: int, grade: str | None = None) -> list[int]:
    with session_scope(org.engine) as s:
        return [
            create_customer(
                s, org.admin, CustomerInput(name=f"客户{i}", grade=grade), org.east_pool.id, True
            ).id
            for i in range(n)
        ]


def test_32_concurrent_claims_of_one_customer_one_wins(org: Org) -> None:
    reps = make_reps(org, 32)
    (customer_id,) = pool_customers(org, 1)
    results = race(32, lambda i: org.run(ownership.claim, reps[i], customer_id))
    winners = [r for r in results if isinstance(r, Customer)]
    assert len(winners) == 1
    assert all(isinstance(r, errors.AlreadyOwned) for r in results if r not in winners)
    with org.session() as s:
        claims = s.scalar(select(func.count()).where(OwnershipEvent.kind == EventKind.CLAIM))
        assert claims == 1
        assert s.scalar(select(Customer.owner_id).where(Customer.id == customer_id)) == winners[0].owner_id
    assert_invariants(org.engine)


def test_the_first_claims_of_a_new_server_all_succeed_at_once(org: Org) -> None:
    """Statements are built once per process and shared by every thread: when a new server's first
    claims arrive together, each must still run the one statement a claim is (an ORM alias on the
    PostgreSQL ``WITH`` of a move once compiled into a cartesian product under this race)."""
    reps = make_reps(org, 16)
    url = org.engine.url.render_as_string(hide_password=False)
    for _round in range(12):
        ids = pool_customers(org, 16)
        single_writer._move_statement.cache_clear()
        single_writer._move_and_log_statement.cache_clear()
        fresh = make_engine(url)  # its compiled-statement cache is empty, like a new server's
        try:
            results = race(16, functools.partial(_claim_on, fresh, reps, ids))
        finally:
            fresh.dispose()
        assert [r.owner_id if isinstance(r, Customer) else r for r in results] == [r.id for r in reps]
    assert_invariants(org.engine)


def _claim_on(engine: Engine, reps: list[User], ids: list[int], i: int) -> Customer:
    with session_scope(engine) as session:
        return ownership.claim(session, reps[i], ids[i])


def test_capacity_5_user_claiming_20_customers_at_once_gets_exactly_5(org: Org) -> None:
    (rep,) = make_reps(org, 1, capacity=5)
    ids = pool_customers(org, 20)
    results = race(20, lambda i: org.run(ownership.claim, rep, ids[i]))
    assert sum(isinstance(r, Customer) for r in results) == 5
    assert sum(isinstance(r, errors.CapacityFull) for r in results) == 15
    with org.session() as s:
        assert s.scalar(select(func.count()).where(Customer.owner_id == rep.id)) == 5
    assert_invariants(org.engine)


def test_concurrent_transfers_to_one_user_never_overrun_capacity(org: Org) -> None:
    reps = make_reps(org, 10)
    (target,) = make_reps_named(org, "target", capacity=3)
    ids = pool_customers(org, 10)
    for rep, customer_id in zip(reps, ids, strict=True):
        org.run(ownership.claim, rep, customer_id)
    results = race(10, lambda i: org.run(ownership.transfer, org.admin, ids[i], target.id))
    assert sum(isinstance(r, Customer) for r in results) == 3
    assert_invariants(org.engine)


def make_reps_named(org: Org, name: str, capacity: int) -> list[User]:
    with session_scope(org.engine) as s:
        return [create_user(s, SYSTEM, name, PASSWORD, Role.SALES, org.rep.department_id, capacity=capacity)]


def due_customers(org: Org, n: int) -> list[int]:
    """``n`` grade-C customers owned by ``org.rep`` and due right now (10-day rule, 10 days later)."""
    org.run(add_rule, SYSTEM, org.east_pool.id, RuleInput("no_followup", 10, ["C"]))
    ids = pool_customers(org, n, grade="C")
    for customer_id in ids:
        org.run(ownership.claim, org.rep, customer_id)
    clock.advance(10 * DAY)
    return ids


def test_two_sweeps_at_once_recycle_each_customer_once(org: Org) -> None:
    ids = due_customers(org, 40)

    def run_sweep(_: int) -> int:
        with session_scope(org.engine) as s:
            return sweep(s).recycled

    assert sorted(race(2, run_sweep)) == [0, 40]  # type: ignore[type-var]
    with org.session() as s:
        per_customer = s.execute(
            select(OwnershipEvent.customer_id, func.count())
            .where(OwnershipEvent.kind == EventKind.RECYCLE)
            .group_by(OwnershipEvent.customer_id)
        ).all()
    assert sorted(per_customer) == [(i, 1) for i in ids]
    assert_invariants(org.engine)


def test_a_sweep_racing_followups_never_recycles_a_followed_up_customer(org: Org) -> None:
    ids = due_customers(org, 12)

    def attempt(i: int) -> object:
        if i == 0:
            with session_scope(org.engine) as s:
                return sweep(s)
        return org.run(log_followup, org.rep, ids[i - 1], "call", "抢在回收之前")

    results = race(len(ids) + 1, attempt)
    with org.session() as s:
        followed_up = set(s.scalars(select(FollowUp.customer_id)))
        owners = dict(s.execute(select(Customer.id, Customer.owner_id).where(Customer.id.in_(ids))).all())
    for customer_id, result in zip(ids, results[1:], strict=True):
        if isinstance(result, FollowUp):
            assert owners[customer_id] == org.rep.id, "a customer was recycled after its follow-up landed"
        else:
            assert isinstance(result, errors.NotOwner) and customer_id not in followed_up
            assert owners[customer_id] is None
    assert_invariants(org.engine)


def test_a_followup_holding_the_row_wins_over_a_sweep_that_selected_it(org: Org) -> None:
    (customer_id,) = due_customers(org, 1)
    followup_session = org.session()
    log_followup(followup_session, org.rep, customer_id, "meeting", "会议中")  # holds the lock, not committed
    done: list[int] = []
    sweeper = threading.Thread(target=lambda: done.append(_sweep_count(org.engine)))
    sweeper.start()
    _wait_until_blocked(org.engine, sweeper)
    followup_session.commit()
    followup_session.close()
    sweeper.join(timeout=60)
    assert done == [0]
    with org.session() as s:
        assert s.scalar(select(Customer.owner_id).where(Customer.id == customer_id)) == org.rep.id


def _sweep_count(engine: Engine) -> int:
    with session_scope(engine) as s:
        return sweep(s).recycled


def _wait_until_blocked(engine: Engine, thread: threading.Thread) -> None:
    """Return once ``thread`` waits on a lock (PostgreSQL tells us; SQLite's wait is invisible,
    so there we give the thread a moment to reach its busy wait)."""
    if engine.dialect.name != "postgresql":
        thread.join(timeout=0.5)
        assert thread.is_alive(), "the thread should be waiting for the other transaction's lock"
        return
    query = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    for _ in range(600):
        with engine.connect() as connection:
            if connection.execute(query).scalar():
                return
        thread.join(timeout=0.05)
    pytest.fail("the thread never waited for the other transaction's lock")


def _needs_postgresql(org: Org) -> None:
    if org.engine.dialect.name != "postgresql":
        pytest.skip("SQLite: every writing transaction already holds the single writer lock")


def test_daily_claim_limit_holds_under_concurrent_claims(org: Org) -> None:
    from highseas.pools.service import PoolInput, update_pool

    org.run(
        update_pool,
        SYSTEM,
        org.east_pool.id,
        PoolInput(
            "East Leads", [], [org.rep.department_id or 0], [], reclaim_protection_days=7, daily_claim_limit=3
        ),
    )
    ids = pool_customers(org, 10)
    results = race(10, lambda i: org.run(ownership.claim, org.rep, ids[i]))
    assert sum(isinstance(r, Customer) for r in results) == 3
    assert sum(isinstance(r, errors.DailyLimit) for r in results) == 7


def test_concurrent_creates_of_one_real_customer_keep_exactly_one(org: Org) -> None:
    # Each round: four reps file the same new customer at once, by phone spelt four ways.
    spellings = ("1390000{:04d}", "+86 139-0000-{:04d}", "0086 1390000{:04d}", "139 0000 {:04d}")
    reps = make_reps(org, 4)
    for round_no in range(15):

        def attempt(i: int, round_no: int = round_no) -> Customer:
            data = CustomerInput(name=f"同一客户{round_no}-{i}", phone=spellings[i].format(round_no))
            return org.run(create_customer, reps[i], data, org.company_pool.id, True)

        results = race(4, attempt)
        assert sum(isinstance(r, Customer) for r in results) == 1, results
        assert all(isinstance(r, errors.DuplicateCustomer) for r in results if not isinstance(r, Customer))
    with org.session() as s:
        phones = s.scalars(select(Customer.phone_e164).where(Customer.phone_e164.like("+86139%"))).all()
    assert len(phones) == len(set(phones)) == 15


def test_a_create_during_an_import_waits_a_moment_then_answers_busy(
    org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = CustomerInput(name="导入期间新建", phone="13900001111")
    with (
        an_import_checking_for_duplicates(org.engine, monkeypatch),
        pytest.raises(errors.Busy, match="try again"),
    ):
        org.run(create_customer, org.rep, data, org.company_pool.id, True)
    # Nothing of the refused create was kept; once the import has committed, it goes through.
    with org.session() as s:
        assert s.scalar(select(func.count()).where(Customer.name == "导入期间新建")) == 0
    assert org.run(create_customer, org.rep, data, org.company_pool.id, True).phone_e164 == "+8613900001111"


def _days_to_drop(org: Org, customer_id: int) -> int:
    with org.session() as s:
        customer = s.get_one(Customer, customer_id)
        assert customer.due_at is not None and customer.claimed_at is not None
        return (customer.due_at - customer.claimed_at).days


def test_a_rule_edit_waits_for_a_claim_in_flight_then_dates_it_by_the_new_rule(org: Org) -> None:
    _needs_postgresql(org)
    org.run(add_rule, SYSTEM, org.company_pool.id, RuleInput("no_followup", 30, ["C"]))
    (customer_id,) = pool_customers_of(org, org.company_pool.id, 1)
    claiming = org.session()
    ownership.claim(claiming, org.rep, customer_id)  # read the 30-day rule; not committed yet
    _commit_once_the_other_waits(
        org, claiming, add_rule, SYSTEM, org.company_pool.id, RuleInput("no_followup", 10, ["C"])
    )
    # The edit recomputed the claimed customer once the claim had committed: its 10 days apply.
    assert _days_to_drop(org, customer_id) == 10


def test_a_claim_waiting_for_a_rule_edit_dates_the_customer_by_the_new_rule(org: Org) -> None:
    _needs_postgresql(org)
    org.run(add_rule, SYSTEM, org.company_pool.id, RuleInput("no_followup", 30, ["C"]))
    (customer_id,) = pool_customers_of(org, org.company_pool.id, 1)
    editing = org.session()
    add_rule(editing, SYSTEM, org.company_pool.id, RuleInput("no_followup", 10, ["C"]))  # not committed yet
    _commit_once_the_other_waits(org, editing, ownership.claim, org.rep, customer_id)
    assert _days_to_drop(org, customer_id) == 10


def _commit_once_the_other_waits(
    org: Org,
    holding: Session,
    other: Callable[..., object],
    *args: object,
    before_commit: Callable[[], object] | None = None,
) -> None:
    """Run ``other`` in its own transaction in a thread; once it waits for what ``holding`` holds,
    finish ``holding`` (``before_commit``, then commit) and check ``other`` then went through."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            org.run(other, *args)
        except BaseException as failure:  # surfaced below
            failures.append(failure)

    thread = threading.Thread(target=run)
    thread.start()
    _wait_until_blocked(org.engine, thread)
    if before_commit is not None:
        before_commit()
    holding.commit()
    holding.close()
    thread.join(timeout=60)
    assert not thread.is_alive() and failures == []


def pool_customers_of(org: Org, pool_id: int, n: int) -> list[int]:
    with session_scope(org.engine) as s:
        data = [CustomerInput(name=f"规则客户{i}", grade="C") for i in range(n)]
        return [create_customer(s, org.admin, d, pool_id, True).id for d in data]


def test_a_rule_edit_waits_for_a_transaction_that_released_then_follows_up_without_deadlock(org: Org) -> None:
    # One transaction doing several things, as the demo's simulated day does: a release locks a
    # customer row, then a follow-up reads the rules. A rule edit arriving between the two must
    # wait for the whole transaction, not hold the rules while waiting for the released row.
    _needs_postgresql(org)
    org.run(add_rule, SYSTEM, org.company_pool.id, RuleInput("no_followup", 30, ["C"]))
    released, followed = pool_customers_of(org, org.company_pool.id, 2)
    for customer_id in (released, followed):
        org.run(ownership.claim, org.rep, customer_id)
    working = org.session()
    ownership.release(working, org.rep, released, "不再跟进")
    _commit_once_the_other_waits(
        org,
        working,
        add_rule,
        SYSTEM,
        org.company_pool.id,
        RuleInput("no_followup", 10, ["C"]),
        before_commit=lambda: log_followup(working, org.rep, followed, "call", "聊了预算"),
    )
    assert _days_to_drop_from_followup(org, followed) == 10


def _days_to_drop_from_followup(org: Org, customer_id: int) -> int:
    with org.session() as s:
        customer = s.get_one(Customer, customer_id)
        assert customer.due_at is not None and customer.last_followup_at is not None
        return (customer.due_at - customer.last_followup_at).days
