"""Claim, release, assign, transfer, deactivate, lock: the rules every ownership path obeys."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from highseas import clock, errors
from highseas.auth.permissions import SYSTEM
from highseas.customers.models import Customer
from highseas.customers.service import CustomerInput, create_customer, log_followup
from highseas.org.models import CompanySettings, User
from highseas.ownership import service as ownership
from highseas.ownership import writer
from highseas.ownership.deactivation import deactivate_user
from highseas.ownership.models import EventKind, OwnershipEvent
from highseas.pools.service import PoolInput, update_pool
from tests.conftest import Org


def pool_customer(
    org: Org, name: str = "上海云帆科技", pool_id: int | None = None, **fields: object
) -> Customer:
    return org.run(
        create_customer,
        org.admin,
        CustomerInput(name=name, **fields),
        pool_id=pool_id,
        in_pool=True,  # type: ignore[arg-type]
    )


def set_capacity(org: Org, user: User, capacity: int | None) -> None:
    def change(session):  # type: ignore[no-untyped-def]
        session.get(User, user.id).capacity = capacity

    org.run(change)


def events_of(org: Org, customer_id: int) -> list[OwnershipEvent]:
    with org.session() as s:
        query = (
            select(OwnershipEvent)
            .where(OwnershipEvent.customer_id == customer_id)
            .order_by(OwnershipEvent.id)
        )
        return list(s.scalars(query))


def test_claim_makes_the_caller_owner_and_logs_one_event(org: Org) -> None:
    customer = pool_customer(org)
    claimed = org.run(ownership.claim, org.rep, customer.id)
    assert claimed.owner_id == org.rep.id
    assert claimed.claimed_at == clock.now()
    kinds = [(e.kind, e.from_user_id, e.to_user_id, e.actor_id) for e in events_of(org, customer.id)]
    assert kinds == [
        (EventKind.CREATE, None, None, org.admin.id),
        (EventKind.CLAIM, None, org.rep.id, org.rep.id),
    ]


def test_second_claim_of_an_owned_customer_is_already_owned(org: Org) -> None:
    customer = pool_customer(org)
    org.run(ownership.claim, org.rep, customer.id)
    with pytest.raises(errors.AlreadyOwned):
        org.run(ownership.claim, org.other_rep, customer.id)
    with pytest.raises(errors.AlreadyOwned):
        org.run(ownership.claim, org.rep, customer.id)


def test_non_member_who_cannot_see_the_pool_gets_not_found(org: Org) -> None:
    customer = pool_customer(org, pool_id=org.east_pool.id)
    with pytest.raises(errors.NotFound):
        org.run(ownership.claim, org.west_rep, customer.id)
    with pytest.raises(errors.NotFound):
        org.run(ownership.claim, org.outsider, customer.id)


def test_owned_customer_is_not_found_for_someone_outside_its_pool(org: Org) -> None:
    customer = pool_customer(org, pool_id=org.east_pool.id)
    org.run(ownership.claim, org.rep, customer.id)
    with pytest.raises(errors.NotFound):
        org.run(ownership.claim, org.west_rep, customer.id)


def test_manager_who_sees_a_pool_but_is_not_member_gets_not_pool_member(org: Org) -> None:
    customer = pool_customer(org, pool_id=org.east_pool.id)
    with pytest.raises(errors.NotPoolMember):
        org.run(ownership.claim, org.admin, customer.id)  # admins see every pool but belong to none by name


def test_capacity_caps_claims(org: Org) -> None:
    set_capacity(org, org.rep, 2)
    ids = [pool_customer(org, f"客户{i}").id for i in range(3)]
    org.run(ownership.claim, org.rep, ids[0])
    org.run(ownership.claim, org.rep, ids[1])
    with pytest.raises(errors.CapacityFull):
        org.run(ownership.claim, org.rep, ids[2])


def test_won_customers_free_capacity_when_the_company_says_so(org: Org) -> None:
    from highseas.customers.service import record_deal

    set_capacity(org, org.rep, 1)
    first, second = pool_customer(org, "甲").id, pool_customer(org, "乙").id
    org.run(ownership.claim, org.rep, first)
    org.run(record_deal, org.rep, first, __import__("decimal").Decimal("100"))
    with pytest.raises(errors.CapacityFull):
        org.run(ownership.claim, org.rep, second)

    def exclude_won(session):  # type: ignore[no-untyped-def]
        session.get(CompanySettings, 1).won_counts_toward_capacity = False

    org.run(exclude_won)
    assert org.run(ownership.claim, org.rep, second).owner_id == org.rep.id


def test_release_needs_a_reason_and_returns_to_the_home_pool(org: Org) -> None:
    customer = pool_customer(org, pool_id=org.east_pool.id)
    org.run(ownership.claim, org.rep, customer.id)
    with pytest.raises(errors.InvalidInput) as refused:
        org.run(ownership.release, org.rep, customer.id, "  ")
    assert refused.value.field == "reason"
    released = org.run(ownership.release, org.rep, customer.id, "not interested this quarter")
    assert (released.owner_id, released.pool_id, released.due_at) == (None, org.east_pool.id, None)
    assert events_of(org, customer.id)[-1].reason == "not interested this quarter"


def test_release_into_a_pool_the_owner_cannot_see_is_not_found(org: Org) -> None:
    from highseas.pools.service import create_pool

    secret = org.run(create_pool, SYSTEM, PoolInput("VIP", [org.west_rep.id], [], []))
    customer = pool_customer(org)
    org.run(ownership.claim, org.rep, customer.id)
    with pytest.raises(errors.NotFound):  # a pool the rep cannot see answers like a missing one
        org.run(ownership.release, org.rep, customer.id, "wrong team", secret.id)
    moved = org.run(ownership.release, org.rep, customer.id, "east should try", org.east_pool.id)
    assert moved.pool_id == org.east_pool.id


def test_only_the_owner_releases(org: Org) -> None:
    customer = pool_customer(org)
    org.run(ownership.claim, org.rep, customer.id)
    with pytest.raises(errors.NotOwner):
        org.run(ownership.release, org.east_manager, customer.id, "manager cleanup")
    with pytest.raises(errors.NotFound):
        org.run(ownership.release, org.other_rep, customer.id, "not mine")


def test_previous_owner_cannot_reclaim_inside_protection_window(org: Org) -> None:
    customer = pool_customer(org, pool_id=org.east_pool.id)  # 7 days of protection
    org.run(ownership.claim, org.rep, customer.id)
    org.run(ownership.release, org.rep, customer.id, "parking it")
    with pytest.raises(errors.ReclaimProtected):
        org.run(ownership.claim, org.rep, customer.id)
    clock.advance(timedelta(days=7) - timedelta(seconds=1))
    with pytest.raises(errors.ReclaimProtected):
        org.run(ownership.claim, org.rep, customer.id)
    clock.advance(timedelta(seconds=1))
    assert org.run(ownership.claim, org.rep, customer.id).owner_id == org.rep.id


def test_protection_does_not_stop_other_reps(org: Org) -> None:
    customer = pool_customer(org, pool_id=org.east_pool.id)
    org.run(ownership.claim, org.rep, customer.id)
    org.run(ownership.release, org.rep, customer.id, "parking it")
    assert org.run(ownership.claim, org.other_rep, customer.id).owner_id == org.other_rep.id


def test_daily_claim_limit_counts_from_local_midnight(org: Org) -> None:
    east_team = [org.rep.department_id or 0]
    data = PoolInput("East Leads", [], east_team, [], reclaim_protection_days=7, daily_claim_limit=2)
    org.run(update_pool, SYSTEM, org.east_pool.id, data)
    ids = [pool_customer(org, f"线索{i}", pool_id=org.east_pool.id).id for i in range(4)]
    clock.set_now(clock.parse_instant("2026-03-02T23:30:00+08:00"))
    org.run(ownership.claim, org.rep, ids[0])
    org.run(ownership.claim, org.rep, ids[1])
    with pytest.raises(errors.DailyLimit):
        org.run(ownership.claim, org.rep, ids[2])
    clock.set_now(clock.parse_instant("2026-03-03T00:00:00+08:00"))  # midnight in Asia/Shanghai
    assert org.run(ownership.claim, org.rep, ids[2]).owner_id == org.rep.id


def test_assign_by_manager_within_subtree_respects_capacity(org: Org) -> None:
    set_capacity(org, org.rep, 1)
    first, second = pool_customer(org, "甲").id, pool_customer(org, "乙").id
    assert org.run(ownership.assign, org.east_manager, first, org.rep.id).owner_id == org.rep.id
    with pytest.raises(errors.CapacityFull):
        org.run(ownership.assign, org.east_manager, second, org.rep.id)
    with pytest.raises(errors.NotFound):  # rep is outside the west manager's subtree: not visible
        org.run(ownership.assign, org.west_manager, second, org.rep.id)
    with pytest.raises(errors.Forbidden):  # a rep may not hand themselves a customer past the claim rules
        org.run(ownership.assign, org.other_rep, second, org.other_rep.id)
    assert events_of(org, first)[-1].kind == EventKind.ASSIGN


def test_transfer_needs_a_manager_over_both_users(org: Org) -> None:
    customer = pool_customer(org)
    org.run(ownership.claim, org.rep, customer.id)
    with pytest.raises(errors.NotFound):  # west_rep is outside the east manager's subtree
        org.run(ownership.transfer, org.east_manager, customer.id, org.west_rep.id)
    with pytest.raises(errors.NotFound):
        org.run(ownership.transfer, org.west_manager, customer.id, org.west_rep.id)
    with pytest.raises(errors.Forbidden):  # reps do not transfer, not even their own customers
        org.run(ownership.transfer, org.rep, customer.id, org.rep.id)
    moved = org.run(ownership.transfer, org.east_manager, customer.id, org.other_rep.id)
    assert moved.owner_id == org.other_rep.id
    last = events_of(org, customer.id)[-1]
    assert (last.kind, last.from_user_id, last.to_user_id, last.actor_id) == (
        EventKind.TRANSFER,
        org.rep.id,
        org.other_rep.id,
        org.east_manager.id,
    )


def test_deactivation_with_transfer_is_all_or_nothing(org: Org) -> None:
    ids = [pool_customer(org, f"客户{i}").id for i in range(3)]
    for customer_id in ids:
        org.run(ownership.claim, org.rep, customer_id)
    set_capacity(org, org.other_rep, 2)
    with pytest.raises(errors.CapacityFull):
        org.run(deactivate_user, org.admin, org.rep.id, org.other_rep.id)
    with org.session() as s:
        assert s.scalars(select(Customer.owner_id).where(Customer.id.in_(ids))).all() == [org.rep.id] * 3
        assert s.get(User, org.rep.id).active  # type: ignore[union-attr]
    set_capacity(org, org.other_rep, 3)
    org.run(deactivate_user, org.admin, org.rep.id, org.other_rep.id)
    with org.session() as s:
        assert (
            s.scalars(select(Customer.owner_id).where(Customer.id.in_(ids))).all() == [org.other_rep.id] * 3
        )
        assert not s.get(User, org.rep.id).active  # type: ignore[union-attr]
    assert [events_of(org, i)[-1].kind for i in ids] == [EventKind.TRANSFER] * 3


def test_deactivation_without_transfer_releases_everything_to_its_pool(org: Org) -> None:
    customer = pool_customer(org, pool_id=org.east_pool.id)
    org.run(ownership.claim, org.rep, customer.id)
    org.run(deactivate_user, org.admin, org.rep.id, None)
    with org.session() as s:
        row = s.get(Customer, customer.id)
        assert (row.owner_id, row.pool_id, row.previous_owner_id) == (None, org.east_pool.id, org.rep.id)  # type: ignore[union-attr]
    assert events_of(org, customer.id)[-1].kind == EventKind.RELEASE
    with pytest.raises(errors.InvalidInput):
        org.run(ownership.claim, org.rep, pool_customer(org, "新客户").id)


def test_only_admins_deactivate(org: Org) -> None:
    with pytest.raises(errors.Forbidden):
        org.run(deactivate_user, org.east_manager, org.rep.id, None)


def test_lock_cap_limits_locked_customers(org: Org) -> None:
    def cap_one(session):  # type: ignore[no-untyped-def]
        session.get(User, org.rep.id).lock_cap = 1

    org.run(cap_one)
    first, second = pool_customer(org, "甲").id, pool_customer(org, "乙").id
    org.run(ownership.claim, org.rep, first)
    org.run(ownership.claim, org.rep, second)
    assert org.run(ownership.lock_customer, org.rep, first).locked
    with pytest.raises(errors.LockCapFull):
        org.run(ownership.lock_customer, org.rep, second)
    org.run(ownership.unlock_customer, org.rep, first)
    assert org.run(ownership.lock_customer, org.rep, second).locked


def test_followups_stay_with_the_customer_across_owners(org: Org) -> None:
    from highseas.customers.models import FollowUp

    customer = pool_customer(org)
    org.run(ownership.claim, org.rep, customer.id)
    org.run(log_followup, org.rep, customer.id, "call", "问了预算")
    org.run(ownership.release, org.rep, customer.id, "no budget")
    org.run(ownership.claim, org.other_rep, customer.id)
    with org.session() as s:
        notes = s.scalars(select(FollowUp.content).where(FollowUp.customer_id == customer.id)).all()
    assert notes == ["问了预算"]


def test_a_claim_that_read_the_customer_in_one_pool_is_refused_once_it_sits_in_another(org: Org) -> None:
    customer = org.run(
        create_customer, org.admin, CustomerInput(name="换过公海的客户"), org.company_pool.id, True
    )
    with org.session() as s:
        as_read = s.get(Customer, customer.id)  # unowned, in the company pool
        s.commit()
        # Meanwhile a rep claims it and releases it into the East pool: unowned again, elsewhere.
        org.run(ownership.claim, org.rep, customer.id)
        org.run(ownership.release, org.rep, customer.id, "转到华东公海", org.east_pool.id)
        assert as_read is not None
        with pytest.raises(errors.AlreadyOwned):
            writer.move_ownership(
                s,
                as_read,
                kind=EventKind.CLAIM,
                to_user_id=org.admin.id,
                actor_id=org.admin.id,
                conflict=errors.AlreadyOwned("taken"),
                at=clock.now(),
            )
    with org.session() as s:
        row = s.get(Customer, customer.id)
        assert row is not None and (row.owner_id, row.pool_id) == (None, org.east_pool.id)
