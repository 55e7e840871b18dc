"""The demo company: built through the services, it shows what a user would check first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rich.console import Console
from sqlalchemy import Engine, exists, func, select

from highseas import clock, errors
from highseas.auth.passwords import verify_password
from highseas.customers.models import Customer, Deal, FollowUp
from highseas.db import session_scope
from highseas.demo import DEMO_PASSWORD, load_demo
from highseas.org.models import CompanySettings, Role, User
from highseas.ownership.models import EventKind, OwnershipEvent
from highseas.ownership.sweep import sweep
from highseas.pools.models import Pool, RecycleRule
from tests.conftest import START, build_org

DAYS = 30


def small_demo(engine: Engine) -> str:
    return load_demo(engine, reps=4, customers=60, days=DAYS, seed=7, console=Console(quiet=True))


def test_every_customer_is_owned_by_an_active_user_within_capacity_or_sits_in_a_pool(engine: Engine) -> None:
    small_demo(engine)
    with session_scope(engine) as s:
        customers = list(s.scalars(select(Customer)))
        pools = set(s.scalars(select(Pool.id)))
        default_capacity = s.get_one(CompanySettings, 1).default_capacity
        assert len(customers) == 60
        assert all(c.pool_id in pools for c in customers)
        owned = [c for c in customers if c.owner_id is not None]
        assert 0 < len(owned) < len(customers)
        for owner_id, n in s.execute(
            select(Customer.owner_id, func.count())
            .where(Customer.owner_id.is_not(None))
            .group_by(Customer.owner_id)
        ):
            owner = s.get_one(User, owner_id)
            assert owner.active and owner.role is Role.SALES
            assert n <= (owner.capacity if owner.capacity is not None else default_capacity)
        assert len({c.phone_e164 for c in customers}) == len(customers)


def test_the_event_log_replays_to_every_current_owner_and_pool(engine: Engine) -> None:
    small_demo(engine)
    with session_scope(engine) as s:
        replayed: dict[int, tuple[int | None, int]] = {}
        events = list(s.scalars(select(OwnershipEvent).order_by(OwnershipEvent.id)))
        assert [e.at for e in events] == sorted(e.at for e in events)  # the history was played in order
        for event in events:
            assert (event.customer_id in replayed) == (event.kind is not EventKind.CREATE)
            if event.kind is not EventKind.CREATE:
                assert event.from_user_id == replayed[event.customer_id][0]
            replayed[event.customer_id] = (event.to_user_id, event.pool_id)
        current = {c.id: (c.owner_id, c.pool_id) for c in s.scalars(select(Customer))}
        assert replayed == current


def test_history_shows_claims_recycles_and_follow_ups_and_ends_now(engine: Engine) -> None:
    small_demo(engine)
    assert clock.now() == START  # the caller's frozen clock is given back
    with session_scope(engine) as s:
        recycles = list(s.scalars(select(OwnershipEvent).where(OwnershipEvent.kind == EventKind.RECYCLE)))
        assert recycles and all(e.rule_id is not None and e.actor_id is None for e in recycles)
        kinds = set(s.scalars(select(OwnershipEvent.kind).distinct()))
        assert {EventKind.CREATE, EventKind.CLAIM, EventKind.RECYCLE} <= kinds
        assert (s.scalar(select(func.count()).select_from(FollowUp)) or 0) > 0
        times = s.execute(select(func.min(OwnershipEvent.at), func.max(OwnershipEvent.at))).one()
        assert START - timedelta(days=DAYS) <= times[0] and times[1] <= START
        assert (s.scalar(select(func.max(FollowUp.at))) or START) <= START
        has_deal = exists().where(Deal.customer_id == Customer.id)
        assert s.scalar(select(func.count()).where(Customer.won != has_deal)) == 0
        assert sweep(s, START, dry_run=True).recycled == 0  # nothing overdue is left lying around
        assert (s.scalar(select(func.count()).where(Customer.due_at <= START)) or 0) == 0


def test_accounts_pools_and_rules_are_the_ones_the_summary_promises(engine: Engine) -> None:
    summary = small_demo(engine)
    assert DEMO_PASSWORD in summary and "admin" in summary
    with session_scope(engine) as s:
        users = list(s.scalars(select(User)))
        assert all(verify_password(u.password_hash, DEMO_PASSWORD) for u in users)
        assert all(u.username in summary for u in users)
        assert [u.role for u in users].count(Role.SALES) == 4
        assert s.get_one(CompanySettings, 1).default_capacity == 150
        company_pool = s.scalars(select(Pool).where(Pool.name == "公司公海")).one()
        rules = {
            (r.kind.value, r.days, r.grades)
            for r in s.scalars(select(RecycleRule).where(RecycleRule.pool_id == company_pool.id))
        }
        assert rules == {
            ("no_followup", 25, "B"),
            ("no_followup", 10, "CD"),
            ("no_followup", 40, "E"),
            ("no_deal", 90, None),
            ("no_repurchase", 180, None),
        }
        for pool in s.scalars(select(Pool).where(Pool.source.is_not(None))):
            sources = set(s.scalars(select(Customer.source).where(Customer.pool_id == pool.id)))
            assert sources <= {pool.source}


def test_a_database_that_already_has_users_is_refused_and_left_alone(engine: Engine) -> None:
    build_org(engine)
    with pytest.raises(errors.InvalidInput) as refused:
        small_demo(engine)
    assert refused.value.field == "database"
    assert clock.now() == START
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == 0
        assert s.scalar(select(func.count()).select_from(Pool)) == 2


def test_a_company_without_reps_or_history_is_refused_before_anything_is_written(engine: Engine) -> None:
    for sizes, field in (({"reps": 0, "days": 30}, "reps"), ({"reps": 4, "days": 0}, "days")):
        with pytest.raises(errors.InvalidInput) as refused:
            load_demo(engine, customers=60, seed=7, console=Console(quiet=True), **sizes)
        assert refused.value.field == field
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(User)) == 0
