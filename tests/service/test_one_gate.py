"""One gate decides every move: reclaim protection binds assign and distribution too (an admin may
override it with a written reason, audited), the daily limit counts self-service claims only,
distribution skips whom it cannot serve and says why, and deactivation and manual sweeps are
whole services (tokens revoked, audited). SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from highseas import clock, errors
from highseas.auth.models import AuditEvent
from highseas.auth.permissions import SYSTEM
from highseas.auth.service import issue_token, user_for_token
from highseas.customers.models import Customer
from highseas.customers.service import CustomerInput, create_customer
from highseas.intake.distribution import Skipped, SkipReason, distribute
from highseas.org.models import Role, User
from highseas.org.service import create_user
from highseas.ownership import service as ownership
from highseas.ownership.deactivation import deactivate_user
from highseas.ownership.models import EventKind, OwnershipEvent
from highseas.ownership.sweep import run_sweep
from highseas.pools.models import Pool, PoolAdmin, PoolMemberUser
from highseas.pools.service import RuleInput, add_rule
from tests.conftest import PASSWORD, Org


def east_customer(org: Org, name: str = "华东客户") -> int:
    return org.run(create_customer, org.admin, CustomerInput(name=name), org.east_pool.id, True).id


def released_by_rep(org: Org) -> int:
    """A customer of the East pool (7 days of reclaim protection) the rep has just given back."""
    customer_id = east_customer(org)
    org.run(ownership.claim, org.rep, customer_id)
    org.run(ownership.release, org.rep, customer_id, "不想跟了")
    return customer_id


def audits(org: Org, kind: str) -> list[AuditEvent]:
    with org.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.id)))


def owner_of(org: Org, customer_id: int) -> int | None:
    with org.session() as s:
        return s.get_one(Customer, customer_id).owner_id


@pytest.mark.parametrize("actor", ["east_manager", "admin"])
def test_a_customer_cannot_be_assigned_back_to_the_rep_who_just_released_it(org: Org, actor: str) -> None:
    customer_id = released_by_rep(org)
    with pytest.raises(errors.ReclaimProtected):
        org.run(ownership.assign, getattr(org, actor), customer_id, org.rep.id)
    assert owner_of(org, customer_id) is None
    # Anyone else may have it, and the rep may again once the window has passed.
    org.run(ownership.assign, org.east_manager, customer_id, org.other_rep.id)
    org.run(ownership.release, org.other_rep, customer_id, "换人")
    clock.advance(timedelta(days=8))
    assert org.run(ownership.assign, org.east_manager, customer_id, org.rep.id).owner_id == org.rep.id


def test_a_pool_admin_cannot_hand_a_recycled_customer_back_to_its_rep(org: Org) -> None:
    with org.session() as s, s.begin():
        s.add(PoolAdmin(pool_id=org.east_pool.id, user_id=org.other_rep.id))
    org.run(add_rule, SYSTEM, org.east_pool.id, RuleInput("no_followup", 3))
    customer_id = east_customer(org)
    org.run(ownership.claim, org.rep, customer_id)
    clock.advance(timedelta(days=4))
    assert org.run(run_sweep, org.admin).recycled == 1
    with pytest.raises(errors.ReclaimProtected):
        org.run(ownership.assign, org.other_rep, customer_id, org.rep.id)


def test_an_admin_may_override_protection_with_a_reason_which_is_audited(org: Org) -> None:
    customer_id = released_by_rep(org)
    assigned = org.run(ownership.assign, org.admin, customer_id, org.rep.id, "客户点名要张伟")
    assert assigned.owner_id == org.rep.id
    (override,) = audits(org, "reclaim_protection_override")
    assert override.actor_id == org.admin.id
    assert override.detail == {
        "customer_ids": [customer_id],
        "user_id": org.rep.id,
        "reason": "客户点名要张伟",
    }


def test_only_an_admin_may_send_an_override_reason_and_it_must_say_something(org: Org) -> None:
    customer_id = released_by_rep(org)
    with pytest.raises(errors.Forbidden):
        org.run(ownership.assign, org.east_manager, customer_id, org.rep.id, "我说可以")
    with pytest.raises(errors.InvalidInput) as blank:
        org.run(ownership.assign, org.admin, customer_id, org.rep.id, "   ")
    assert blank.value.field == "override_reason"
    assert owner_of(org, customer_id) is None
    assert audits(org, "reclaim_protection_override") == []


def test_the_daily_claim_limit_counts_self_service_claims_not_assignments(org: Org) -> None:
    with org.session() as s, s.begin():
        s.get_one(Pool, org.company_pool.id).daily_claim_limit = 1
    ids = [
        org.run(create_customer, org.admin, CustomerInput(name=f"客户{i}"), org.company_pool.id, True).id
        for i in range(4)
    ]
    org.run(ownership.assign, org.east_manager, ids[0], org.rep.id)
    org.run(ownership.assign, org.east_manager, ids[1], org.rep.id)
    org.run(ownership.claim, org.rep, ids[2])  # the assignments did not use up the day
    with pytest.raises(errors.DailyLimit):
        org.run(ownership.claim, org.rep, ids[3])


def test_distribution_skips_inactive_full_and_protected_users_and_says_why(org: Org) -> None:
    with org.session() as s, s.begin():
        s.get_one(User, org.west_rep.id).capacity = 0
    gone = org.run(create_user, SYSTEM, "leaver", PASSWORD, Role.SALES, org.rep.department_id)
    org.run(deactivate_user, org.admin, gone.id, None)
    protected = released_by_rep(org)
    others = [east_customer(org, f"线索{i}") for i in range(3)]
    with org.session() as s, s.begin():  # the west rep may receive East customers: make them a member
        s.add(PoolMemberUser(pool_id=org.east_pool.id, user_id=org.west_rep.id))
    result = org.run(distribute, org.admin, org.east_pool.id, [org.rep.id, gone.id, org.west_rep.id], 10)
    assert sorted(result.skipped, key=lambda s: s.user_id) == sorted(
        [
            Skipped(gone.id, SkipReason.INACTIVE),
            Skipped(org.west_rep.id, SkipReason.CAPACITY_FULL),
            Skipped(org.rep.id, SkipReason.RECLAIM_PROTECTED, (protected,)),
        ],
        key=lambda s: s.user_id,
    )
    assert result.by_user == {org.rep.id: sorted(others)}
    assert owner_of(org, protected) is None
    # With an admin's reason the protected customer goes too, and the override is audited.
    overridden = org.run(
        distribute, org.admin, org.east_pool.id, [org.rep.id], 10, override_reason="老客户回流"
    )
    assert overridden.by_user == {org.rep.id: [protected]} and overridden.skipped == []
    (override,) = audits(org, "reclaim_protection_override")
    assert override.detail["customer_ids"] == [protected]


def test_distribution_to_only_full_users_hands_out_nothing_and_says_so(org: Org) -> None:
    with org.session() as s, s.begin():
        s.get_one(User, org.rep.id).capacity = 0
    customer_id = east_customer(org)
    result = org.run(distribute, org.east_manager, org.east_pool.id, [org.rep.id], 5)
    assert (result.distributed, result.skipped) == (0, [Skipped(org.rep.id, SkipReason.CAPACITY_FULL)])
    assert owner_of(org, customer_id) is None


def test_deactivation_revokes_the_users_tokens_and_is_audited(org: Org) -> None:
    token = org.run(issue_token, org.rep)
    first, second = east_customer(org, "甲"), east_customer(org, "乙")
    org.run(ownership.claim, org.rep, first)
    org.run(ownership.claim, org.rep, second)
    org.run(deactivate_user, org.admin, org.rep.id, org.other_rep.id)
    with pytest.raises(errors.Unauthenticated):
        org.run(user_for_token, token)
    (deactivated,) = audits(org, "deactivate_user")
    assert deactivated.actor_id == org.admin.id
    assert deactivated.detail == {
        "user_id": org.rep.id,
        "transfer_to": org.other_rep.id,
        "customers_moved": 2,
    }
    with org.session() as s:
        kinds = s.scalars(select(OwnershipEvent.kind).where(OwnershipEvent.customer_id == first)).all()
    assert kinds[-1] is EventKind.TRANSFER


def test_a_manual_sweep_is_audited_with_its_actor_and_counts_and_only_admins_run_one(org: Org) -> None:
    org.run(add_rule, SYSTEM, org.company_pool.id, RuleInput("no_followup", 2))
    customer_id = org.run(create_customer, org.rep, CustomerInput(name="会掉的客户")).id
    clock.advance(timedelta(days=3))
    with pytest.raises(errors.Forbidden):
        org.run(run_sweep, org.east_manager)
    dry = org.run(run_sweep, org.admin, True)
    assert dry.recycled == 1 and owner_of(org, customer_id) == org.rep.id
    org.run(run_sweep, org.admin)
    assert owner_of(org, customer_id) is None
    assert [(a.actor_id, a.detail) for a in audits(org, "sweep")] == [
        (org.admin.id, {"dry_run": True, "recycled": 1, "reminded": 0}),
        (org.admin.id, {"dry_run": False, "recycled": 1, "reminded": 0}),
    ]
