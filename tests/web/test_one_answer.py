"""The API and the web pages give one answer to each question the edges used to disagree on:
editing a pool's rules and settings, distributing, importing and changing a password."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from highseas.app import create_app
from highseas.auth.models import AuditEvent
from highseas.auth.permissions import SYSTEM
from highseas.customers.service import CustomerInput, create_customer
from highseas.pools.models import Pool, RecycleRule
from highseas.pools.service import pool_input, update_pool
from tests.conftest import PASSWORD, Org
from tests.http.conftest import Api, error_code
from tests.web.conftest import Site, Visitor, flashes

LEADS = "姓名,手机\n甲,13800138001\n"
NEW_PASSWORD = "a brand new passphrase"


@dataclass
class Edges:
    site: Site
    api: Api

    @property
    def org(self) -> Org:
        return self.site.org


@pytest.fixture
def edges(site: Site) -> Iterator[Edges]:
    """East Leads hides its contacts and is administered by other_rep, a sales user; rep is a member."""
    org = site.org
    with org.session() as s, s.begin():
        data = pool_input(s, s.get_one(Pool, org.east_pool.id))
        data.admin_user_ids, data.hide_contact = [org.other_rep.id], True
        update_pool(s, SYSTEM, org.east_pool.id, data)
    with TestClient(create_app(site.engine)) as client:
        yield Edges(site, Api(org=org, client=client))


def rules_of(org: Org) -> int:
    with org.session() as s:
        return s.scalar(select(func.count()).where(RecycleRule.pool_id == org.east_pool.id)) or 0


def web_rule(visitor: Visitor, pool_id: int, days: str) -> Any:
    form = {"kind": "no_followup", "days_all": days, "intent": "save"}
    return visitor.submit("/mine", f"/admin/pools/{pool_id}/rules", form)


def test_a_sales_pool_admin_edits_the_pools_rules_on_both_edges_and_a_member_on_neither(edges: Edges) -> None:
    org, east = edges.org, edges.org.east_pool.id
    rule = {"kind": "no_followup", "days": 10}
    assert error_code(edges.api.rep.post(f"/pools/{east}/rules", rule)) == "forbidden"
    rep = edges.site.as_("rep")
    assert rep.get(f"/admin/pools/{east}").status_code == 403
    assert web_rule(rep, east, "10").status_code == 403
    assert rules_of(org) == 0

    assert edges.api.other_rep.post(f"/pools/{east}/rules", rule).status_code == 201
    pool_admin = edges.site.as_("other_rep")
    assert pool_admin.get(f"/admin/pools/{east}").status_code == 200
    saved = web_rule(pool_admin, east, "20")
    assert saved.status_code == 200 and ("success", "Rules saved; due dates moved at once.") in flashes(
        saved.text
    )
    assert rules_of(org) == 2


def test_a_sales_pool_admin_may_not_unhide_contacts_or_add_departments_on_either_edge(edges: Edges) -> None:
    org, east = edges.org, edges.org.east_pool.id
    west = org.west_manager.department_id
    assert error_code(edges.api.other_rep.patch(f"/pools/{east}", {"hide_contact": False})) == "forbidden"
    wider = {"member_department_ids": [org.east_manager.department_id, west]}
    assert error_code(edges.api.other_rep.patch(f"/pools/{east}", wider)) == "forbidden"

    pool_admin = edges.site.as_("other_rep")
    pool_admin_ids = [str(org.other_rep.id)]
    form = {"name": "East Leads", "reclaim_protection_days": "7", "admin_user_ids": pool_admin_ids}
    unhidden = pool_admin.submit(
        "/mine", f"/admin/pools/{east}", form | {"member_department_ids": [str(west)]}
    )
    assert any(kind == "error" for kind, _ in flashes(unhidden.text))
    with org.session() as s:
        pool = s.get_one(Pool, east)
        assert pool.hide_contact is True
        assert pool_input(s, pool).member_department_ids == [org.east_manager.department_id]
    # What pool admins may change, they change on both edges.
    assert edges.api.other_rep.patch(f"/pools/{east}", {"reclaim_protection_days": 3}).status_code == 200
    kept = {"hide_contact": "yes", "member_department_ids": [str(org.east_manager.department_id)]}
    saved = pool_admin.submit("/mine", f"/admin/pools/{east}", form | kept | {"daily_claim_limit": "4"})
    assert ("success", "Pool saved.") in flashes(saved.text)
    with org.session() as s:
        pool = s.get_one(Pool, east)
        assert (pool.reclaim_protection_days, pool.daily_claim_limit, pool.hide_contact) == (7, 4, True)


def in_pool(org: Org, count: int) -> None:
    for n in range(count):
        org.run(
            create_customer, SYSTEM, CustomerInput(name=f"线索{n}"), pool_id=org.east_pool.id, in_pool=True
        )


def web_distribute(visitor: Visitor, org: Org) -> Any:
    form = {"pool": str(org.east_pool.id), "count": "1", "user_ids": [str(org.rep.id)]}
    return visitor.submit("/mine", "/distribute", form)


@pytest.mark.parametrize("persona", ["other_rep", "east_manager"])
def test_a_pool_admin_and_a_manager_distribute_on_both_edges(edges: Edges, persona: str) -> None:
    in_pool(edges.org, 2)
    body = {"user_ids": [edges.org.rep.id], "count": 1}
    through_api = getattr(edges.api, persona).post(f"/pools/{edges.org.east_pool.id}/distribute", body)
    assert through_api.status_code == 200 and through_api.json()["distributed"] == 1
    page = web_distribute(edges.site.as_(persona), edges.org)
    assert page.status_code == 200 and "1 customer distributed" in page.text


def test_a_member_who_administers_nothing_distributes_on_neither_edge(edges: Edges) -> None:
    in_pool(edges.org, 1)
    body = {"user_ids": [edges.org.other_rep.id], "count": 1}
    assert error_code(edges.api.rep.post(f"/pools/{edges.org.east_pool.id}/distribute", body)) == "forbidden"
    assert web_distribute(edges.site.as_("rep"), edges.org).status_code == 403


def test_imports_are_for_pool_admins_on_both_edges(edges: Edges) -> None:
    east = edges.org.east_pool.id

    def through_api(caller: Any) -> Any:
        return caller.post(f"/pools/{east}/import", files={"file": ("leads.csv", LEADS.encode(), "text/csv")})

    def through_web(visitor: Visitor) -> Any:
        files = {"file": ("leads.csv", LEADS.encode(), "text/csv")}
        return visitor.submit("/mine", "/import", {"pool": str(east)}, files=files)

    assert error_code(through_api(edges.api.rep)) == "forbidden"
    assert through_web(edges.site.as_("rep")).status_code == 403
    assert through_api(edges.api.other_rep).status_code == 201
    assert through_web(edges.site.as_("other_rep")).status_code == 200  # the column preview


def test_changing_ones_own_password_needs_the_current_one_on_both_edges(edges: Edges) -> None:
    rep_id = edges.org.rep.id
    missing = edges.api.rep.patch(f"/users/{rep_id}", {"password": NEW_PASSWORD})
    wrong = edges.api.rep.patch(f"/users/{rep_id}", {"password": NEW_PASSWORD, "current_password": "guess"})
    for refused in (missing, wrong):
        assert refused.status_code == 422 and "current_password" in refused.json()["error"]["message"]
    page = edges.site.as_("rep")
    form = {"current": "guess", "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    assert page.submit("/account", "/account/password", form).status_code == 400
    with edges.org.session() as s:
        refusals = s.scalars(select(AuditEvent.actor_id).where(AuditEvent.kind == "password_change_refused"))
        assert list(refusals) == [rep_id, rep_id]  # a wrong password, on each edge
    right = {"password": NEW_PASSWORD, "current_password": PASSWORD}
    assert edges.api.rep.patch(f"/users/{rep_id}", right).status_code == 200
    page = edges.site.visitor()  # the change ended the earlier session
    page.submit("/login", "/login", {"username": "rep", "password": NEW_PASSWORD})
    form = {"current": NEW_PASSWORD, "new": "another fine passphrase", "repeat": "another fine passphrase"}
    changed = page.submit("/account", "/account/password", form)
    assert ("success", "Password changed. Other sessions are logged out.") in flashes(changed.text)


def test_an_admin_resets_a_password_on_either_edge_without_the_current_one_and_ends_its_sessions(
    edges: Edges,
) -> None:
    org = edges.org
    rep_page = edges.site.as_("rep")
    assert rep_page.get("/mine").status_code == 200
    assert edges.api.rep.get("/me").status_code == 200
    admin = edges.site.as_("admin")
    reset = admin.submit("/admin/org", f"/admin/users/{org.rep.id}/password", {"new_password": NEW_PASSWORD})
    assert ("success", "Password reset; their sessions have ended.") in flashes(reset.text)
    assert rep_page.get("/mine", follow_redirects=False).status_code in (302, 303)  # logged out
    assert edges.api.rep.get("/me").status_code == 401
    login = {"username": "rep", "password": NEW_PASSWORD}
    assert edges.api.client.post("/api/v1/auth/token", json=login).status_code == 200

    again = edges.api.admin.patch(f"/users/{org.rep.id}", {"password": "yet another passphrase"})
    assert again.status_code == 200
    manager = edges.site.as_("east_manager")
    refused = manager.submit("/admin/org", f"/admin/users/{org.rep.id}/password", {"new_password": "x" * 12})
    assert refused.status_code == 403
    with org.session() as s:
        resets = s.scalars(select(AuditEvent.actor_id).where(AuditEvent.kind == "password_reset"))
        assert list(resets) == [org.admin.id, org.admin.id]
