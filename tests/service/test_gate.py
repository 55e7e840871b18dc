"""The one gate of the organisation and the pools: who manages whom by role, who may change a pool
and its rules, passwords, and the audit rows each change writes (old → new values)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import select

from highseas import errors
from highseas.auth.models import AuditEvent, AuthToken
from highseas.auth.permissions import SYSTEM, Action, can, managed_user_ids
from highseas.auth.service import issue_token, user_for_token
from highseas.customers.service import CustomerInput, create_customer
from highseas.intake.export import ExportFormat, export_owned
from highseas.org.models import Role, User
from highseas.org.queries import manages
from highseas.org.service import create_department, create_user, set_password, update_settings, update_user
from highseas.ownership import service as ownership
from highseas.pools.models import Pool, RecycleRule
from highseas.pools.service import (
    PoolInput,
    RuleInput,
    add_rule,
    create_pool,
    delete_rule,
    pool_input,
    update_pool,
    update_rule,
)
from tests.conftest import PASSWORD, Org

NEW_PASSWORD = "a brand new passphrase"


def user_in(org: Org, username: str, role: Role, like: User) -> User:
    return org.run(create_user, SYSTEM, username, PASSWORD, role, like.department_id)


def trail(org: Org, kind: str) -> list[AuditEvent]:
    with org.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.id)))


# --- Who manages whom ------------------------------------------------------------------------------


def test_a_manager_manages_sales_of_their_subtree_and_managers_strictly_below_never_admins_or_peers(
    org: Org,
) -> None:
    peer = user_in(org, "east_peer", Role.MANAGER, org.east_manager)  # same department
    below = user_in(org, "team_a_lead", Role.MANAGER, org.rep)  # East Team A, below East
    east_admin = user_in(org, "east_admin", Role.ADMIN, org.east_manager)
    everyone = [org.admin, org.east_manager, org.west_manager, org.rep, org.other_rep, org.west_rep]
    everyone += [org.outsider, peer, below, east_admin]
    with org.session() as s:
        managed = {u.username for u in everyone if manages(s, org.east_manager, u)}
        by_sql = set(
            s.scalars(select(User.username).where(User.id.in_(managed_user_ids(s, org.east_manager))))
        )
        by_sub_manager = {u.username for u in everyone if manages(s, below, u)}
        by_rep = {u.username for u in everyone if manages(s, org.rep, u)}
    assert managed == {"east_mgr", "rep", "other_rep", "team_a_lead"}
    assert by_sql == managed
    assert by_sub_manager == {"team_a_lead", "rep", "other_rep"}
    assert by_rep == {"rep"}


def test_a_manager_cannot_transfer_or_export_the_customers_of_a_peer_manager_or_an_admin(org: Org) -> None:
    peer = user_in(org, "east_peer", Role.MANAGER, org.east_manager)
    east_admin = user_in(org, "east_admin", Role.ADMIN, org.east_manager)
    for owner, phone in ((peer, "13800138000"), (east_admin, "13900139000")):
        customer = org.run(create_customer, owner, CustomerInput(name=f"{owner.username}的客户", phone=phone))
        with pytest.raises(errors.NotFound):
            org.run(ownership.transfer, org.east_manager, customer.id, org.rep.id)
        with pytest.raises(errors.NotFound):
            org.run(export_owned, org.east_manager, owner.id, io.BytesIO(), ExportFormat.CSV)
        with org.session() as s:
            assert s.get_one(type(customer), customer.id).owner_id == owner.id
    # The manager still transfers between the users they manage.
    mine = org.run(create_customer, org.rep, CustomerInput(name="张伟的客户"))
    assert (
        org.run(ownership.transfer, org.east_manager, mine.id, org.other_rep.id).owner_id == org.other_rep.id
    )


def test_a_manager_assigns_to_managers_below_but_not_to_a_peer(org: Org) -> None:
    peer = user_in(org, "east_peer", Role.MANAGER, org.east_manager)
    below = user_in(org, "team_a_lead", Role.MANAGER, org.rep)
    with org.session() as s:
        customer = s.scalars(select(Pool).where(Pool.id == org.east_pool.id)).one()
        probe = create_customer(s, SYSTEM, CustomerInput(name="池中客户"), pool_id=customer.id, in_pool=True)
        assert can(s, org.east_manager, Action.ASSIGN, probe, to=below)
        assert not can(s, org.east_manager, Action.ASSIGN, probe, to=peer)
        s.rollback()


# --- Organisation ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["east_manager", "rep"])
def test_only_admins_create_departments_and_users_and_change_settings(org: Org, persona: str) -> None:
    actor = getattr(org, persona)
    with pytest.raises(errors.Forbidden):
        org.run(create_department, actor, "Shadow")
    with pytest.raises(errors.Forbidden):
        org.run(create_user, actor, "sneaky", PASSWORD, Role.ADMIN)
    with pytest.raises(errors.Forbidden):
        org.run(update_settings, actor, {"default_capacity": 5})
    with pytest.raises(errors.Forbidden):
        org.run(update_user, actor, org.rep.id, {"capacity": 500})


def test_a_users_changes_are_audited_with_their_old_and_new_values(org: Org) -> None:
    org.run(update_user, org.admin, org.rep.id, {"role": Role.MANAGER, "capacity": 7, "name": "张伟"})
    org.run(update_settings, org.admin, {"default_capacity": 80, "timezone": "Asia/Shanghai"})
    (user_row,) = trail(org, "user_updated")
    assert (user_row.actor_id, user_row.detail["user_id"]) == (org.admin.id, org.rep.id)
    assert user_row.detail["changes"] == {"role": ["sales", "manager"], "capacity": [None, 7]}
    (settings_row,) = trail(org, "settings_updated")
    assert settings_row.detail["changes"] == {"default_capacity": [100, 80]}


def test_an_unknown_time_zone_is_refused_on_every_edge(org: Org) -> None:
    with pytest.raises(errors.InvalidInput) as refused:
        org.run(update_settings, org.admin, {"timezone": "Mars/Olympus"})
    assert refused.value.field == "timezone"


# --- Passwords -------------------------------------------------------------------------------------


def tokens_of(org: Org, user: User) -> list[str]:
    return [org.run(issue_token, user) for _ in range(2)]


def signed_in(org: Org, token: str) -> bool:
    try:
        org.run(user_for_token, token)
    except errors.Unauthenticated:
        return False
    return True


def test_a_user_changing_their_own_password_gives_the_current_one(org: Org) -> None:
    tokens = tokens_of(org, org.rep)
    with pytest.raises(errors.InvalidInput) as missing:
        org.run(update_user, org.rep, org.rep.id, {"password": NEW_PASSWORD})
    with pytest.raises(errors.WrongPassword) as wrong:
        org.run(update_user, org.rep, org.rep.id, {"password": NEW_PASSWORD, "current_password": "guess"})
    assert missing.value.field == wrong.value.field == "current_password"
    assert all(signed_in(org, t) for t in tokens)
    org.run(update_user, org.rep, org.rep.id, {"password": NEW_PASSWORD, "current_password": PASSWORD})
    assert not any(signed_in(org, t) for t in tokens)
    assert [(e.actor_id, e.detail["user_id"]) for e in trail(org, "password_changed")] == [
        (org.rep.id, org.rep.id)
    ]


def test_an_admin_resets_another_users_password_without_it_and_ends_their_sessions(org: Org) -> None:
    tokens = tokens_of(org, org.rep)
    org.run(update_user, org.admin, org.rep.id, {"password": NEW_PASSWORD})
    assert not any(signed_in(org, t) for t in tokens)
    with org.session() as s:
        assert s.scalar(select(AuthToken.revoked_at).where(AuthToken.user_id == org.rep.id)) is not None
    assert [(e.actor_id, e.detail["user_id"]) for e in trail(org, "password_reset")] == [
        (org.admin.id, org.rep.id)
    ]


def test_a_manager_may_not_reset_a_reps_password(org: Org) -> None:
    with pytest.raises(errors.Forbidden):
        org.run(update_user, org.east_manager, org.rep.id, {"password": NEW_PASSWORD})
    with pytest.raises(errors.NotFound):
        org.run(update_user, org.west_manager, org.rep.id, {"password": NEW_PASSWORD})
    with org.session() as s:
        rep = s.get_one(User, org.rep.id)
        with pytest.raises(errors.Forbidden):
            set_password(s, org.east_manager, rep, NEW_PASSWORD, None)


# --- Pools and their rules -------------------------------------------------------------------------


@pytest.fixture
def pool_admin(org: Org) -> User:
    """other_rep, a sales user, administers East Leads (which hides its contacts)."""
    with org.session() as s, s.begin():
        data = pool_input(s, s.get_one(Pool, org.east_pool.id))
        data.admin_user_ids = [org.other_rep.id]
        data.hide_contact = True
        update_pool(s, SYSTEM, org.east_pool.id, data)
    return org.other_rep


def edited(org: Org, **changes: Any) -> PoolInput:
    with org.session() as s:
        data = pool_input(s, s.get_one(Pool, org.east_pool.id))
    for name, value in changes.items():
        setattr(data, name, value)
    return data


def test_a_sales_pool_admin_changes_the_pools_claim_settings_and_they_are_audited(
    org: Org, pool_admin: User
) -> None:
    org.run(
        update_pool, pool_admin, org.east_pool.id, edited(org, reclaim_protection_days=3, daily_claim_limit=5)
    )
    with org.session() as s:
        pool = s.get_one(Pool, org.east_pool.id)
        assert (pool.reclaim_protection_days, pool.daily_claim_limit) == (3, 5)
    last = trail(org, "pool_updated")[-1]
    assert last.actor_id == pool_admin.id
    assert last.detail["changes"] == {"reclaim_protection_days": [7, 3], "daily_claim_limit": [None, 5]}


@pytest.mark.parametrize(
    "changes",
    [
        {"hide_contact": False},
        {"member_department_ids": "add West"},
        {"admin_user_ids": "add rep"},
        {"name": "Mine now"},
        {"source": "expo"},
    ],
)
def test_a_sales_pool_admin_may_not_unhide_contacts_or_change_members_admins_name_or_source(
    org: Org, pool_admin: User, changes: dict[str, Any]
) -> None:
    before = edited(org)
    west = org.west_manager.department_id or 0
    values = {
        name: (
            [*before.member_department_ids, west]
            if value == "add West"
            else [*before.admin_user_ids, org.rep.id]
            if value == "add rep"
            else value
        )
        for name, value in changes.items()
    }
    with pytest.raises(errors.Forbidden):
        org.run(update_pool, pool_admin, org.east_pool.id, edited(org, **values))
    assert edited(org) == before


def test_a_pools_rules_are_for_its_pool_admins_and_admins_and_audited(org: Org, pool_admin: User) -> None:
    east = org.east_pool.id
    for outsider_of_the_rules in (org.rep, org.east_manager):  # a member; a manager who sees the pool
        with pytest.raises(errors.Forbidden):
            org.run(add_rule, outsider_of_the_rules, east, RuleInput("no_followup", 10))
    with pytest.raises(errors.NotFound):
        org.run(add_rule, org.west_rep, east, RuleInput("no_followup", 10))
    rule = org.run(add_rule, pool_admin, east, RuleInput("no_followup", 10, ["C"]))
    with pytest.raises(errors.Forbidden):
        org.run(update_rule, org.east_manager, rule.id, RuleInput("no_followup", 1))
    with pytest.raises(errors.NotFound):
        org.run(delete_rule, org.west_rep, rule.id)
    org.run(update_rule, pool_admin, rule.id, RuleInput("no_followup", 20, ["C"]))
    org.run(delete_rule, org.admin, rule.id)
    with org.session() as s:
        assert s.get(RecycleRule, rule.id) is None
    (added,) = trail(org, "rules_added")
    assert (added.actor_id, added.detail["rules"][0]["days"]) == (pool_admin.id, 10)
    (changed,) = trail(org, "rule_updated")
    assert (changed.actor_id, changed.detail["changes"]) == (pool_admin.id, {"days": [10, 20]})
    (deleted,) = trail(org, "rule_deleted")
    assert (deleted.actor_id, deleted.detail["rule"]["days"]) == (org.admin.id, 20)


def test_only_admins_create_pools(org: Org, pool_admin: User) -> None:
    for actor in (pool_admin, org.east_manager):
        with pytest.raises(errors.Forbidden):
            org.run(create_pool, actor, PoolInput("Mine", [actor.id], [], [actor.id]))


@pytest.mark.parametrize("action", [Action.IMPORT, Action.EXPORT, Action.DISTRIBUTE, Action.EDIT])
def test_a_pools_customers_are_run_by_its_pool_admins(org: Org, pool_admin: User, action: Action) -> None:
    with org.session() as s:
        pool = s.get_one(Pool, org.east_pool.id)
        allowed = {
            p for p in ("admin", "east_manager", "rep", "other_rep") if can(s, getattr(org, p), action, pool)
        }
    # A manager also hands out what the pools shared with their subtree hold (to users they manage).
    assert allowed == {"admin", "other_rep"} | ({"east_manager"} if action is Action.DISTRIBUTE else set())
