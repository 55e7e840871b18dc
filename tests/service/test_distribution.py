"""Batch distribution from a pool: capacity, strategies, filters, permissions (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from highseas import errors
from highseas.customers.models import Customer
from highseas.customers.service import CustomerInput, create_customer
from highseas.intake.distribution import Skipped, SkipReason, Strategy, distribute
from highseas.org.models import User
from highseas.ownership.models import EventKind, OwnershipEvent
from highseas.ownership.service import claim
from highseas.pools.models import Pool
from tests.conftest import Org
from tests.invariants import assert_invariants
from tests.service.test_concurrency import race

# What a racing claim or distribution may rightly be told.
CONFLICTS = {"already_owned", "capacity_full"}


def fill_pool(org: Org, pool: Pool, n: int, grade: str | None = None, region: str | None = None) -> None:
    for i in range(n):
        data = CustomerInput(name=f"线索{i}", grade=grade, region=region)
        org.run(create_customer, org.admin, data, pool_id=pool.id, in_pool=True)


def owners(org: Org) -> Counter[int | None]:
    with org.session() as s:
        return Counter(s.scalars(select(Customer.owner_id)))


def set_capacity(org: Org, user: User, capacity: int) -> None:
    with org.session() as s, s.begin():
        s.get(User, user.id).capacity = capacity  # type: ignore[union-attr]


def test_round_robin_hands_out_n_customers_with_one_assign_event_each(org: Org) -> None:
    fill_pool(org, org.company_pool, 7)
    result = org.run(distribute, org.admin, org.company_pool.id, [org.rep.id, org.other_rep.id], 5)
    assert (result.requested, result.matching, result.distributed) == (5, 5, 5)
    assert owners(org) == {org.rep.id: 3, org.other_rep.id: 2, None: 2}
    with org.session() as s:
        events = list(s.scalars(select(OwnershipEvent).where(OwnershipEvent.kind == EventKind.ASSIGN)))
    assert len(events) == 5
    assert {(e.actor_id, e.from_user_id, e.seq) for e in events} == {(org.admin.id, None, 2)}
    assert_invariants(org.engine)


def test_least_loaded_evens_out_what_people_already_own(org: Org) -> None:
    org.run(create_customer, org.rep, CustomerInput(name="已有一"))
    org.run(create_customer, org.rep, CustomerInput(name="已有二"))
    fill_pool(org, org.company_pool, 4)
    org.run(
        distribute, org.admin, org.company_pool.id, [org.rep.id, org.other_rep.id], 4, Strategy.LEAST_LOADED
    )
    assert owners(org) == {org.rep.id: 3, org.other_rep.id: 3}


def test_distribution_never_goes_past_capacity(org: Org) -> None:
    set_capacity(org, org.rep, 1)
    set_capacity(org, org.other_rep, 2)
    fill_pool(org, org.company_pool, 10)
    result = org.run(distribute, org.admin, org.company_pool.id, [org.rep.id, org.other_rep.id], 10)
    assert result.distributed == 3
    assert owners(org) == {org.rep.id: 1, org.other_rep.id: 2, None: 7}
    # Once everyone is full, nothing moves and the answer says why.
    again = org.run(distribute, org.admin, org.company_pool.id, [org.rep.id, org.other_rep.id], 10)
    assert again.distributed == 0
    assert again.skipped == [
        Skipped(org.rep.id, SkipReason.CAPACITY_FULL),
        Skipped(org.other_rep.id, SkipReason.CAPACITY_FULL),
    ]
    assert_invariants(org.engine)


def test_filters_pick_only_matching_customers(org: Org) -> None:
    fill_pool(org, org.company_pool, 3, grade="B", region="浙江杭州")
    fill_pool(org, org.company_pool, 3, grade="C", region="浙江杭州")
    result = org.run(
        distribute, org.admin, org.company_pool.id, [org.rep.id], 10, grade="B", region="浙江杭州"
    )
    assert (result.matching, result.distributed) == (3, 3)
    with org.session() as s:
        assert set(s.scalars(select(Customer.grade).where(Customer.owner_id == org.rep.id))) == {"B"}


def test_distribution_follows_the_rules_of_assign(org: Org) -> None:
    fill_pool(org, org.east_pool, 4)
    with pytest.raises(errors.Forbidden):  # a member who administers nothing hands out nothing
        org.run(distribute, org.rep, org.east_pool.id, [org.other_rep.id], 2)
    with pytest.raises(errors.Forbidden):
        org.run(distribute, org.rep, org.east_pool.id, [org.rep.id], 2)
    with pytest.raises(errors.NotFound):
        org.run(distribute, org.east_manager, org.east_pool.id, [org.west_rep.id], 2)
    with pytest.raises(errors.NotFound):
        org.run(distribute, org.west_manager, org.east_pool.id, [org.west_rep.id], 2)
    result = org.run(distribute, org.east_manager, org.east_pool.id, [org.rep.id, org.other_rep.id], 2)
    assert result.distributed == 2
    assert owners(org) == {org.rep.id: 1, org.other_rep.id: 1, None: 2}


@pytest.mark.parametrize(("count", "users"), [(0, [1]), (10_001, [1]), (1, []), (1, [1, 1])])
def test_a_distribution_must_name_a_sane_count_and_distinct_users(
    org: Org, count: int, users: list[int]
) -> None:
    with pytest.raises(errors.InvalidInput):
        org.run(distribute, org.admin, org.company_pool.id, users, count)


def test_distributions_racing_claims_never_overfill_anyone_nor_hand_out_a_customer_twice(org: Org) -> None:
    set_capacity(org, org.rep, 6)
    fill_pool(org, org.company_pool, 24)
    with org.session() as s:
        pool_ids = list(s.scalars(select(Customer.id).order_by(Customer.id)))

    def attempt(i: int) -> object:
        if i % 2:
            return org.run(claim, org.rep, pool_ids[i])
        targets = [org.rep.id, org.other_rep.id]
        return org.run(distribute, org.admin, org.company_pool.id, targets, 5, Strategy.LEAST_LOADED)

    results = race(8, attempt)
    assert all(not isinstance(r, errors.DomainError) or r.code in CONFLICTS for r in results), results
    counts = owners(org)
    assert counts[org.rep.id] <= 6
    assert_invariants(org.engine)
