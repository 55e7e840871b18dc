"""The persona table: every state-changing action, for each persona, through the API and through
the web forms, on fresh objects each time. Both edges must give the same answer, and it must be
the answer of the settled rules (issue 12), written out below so a reader sees them.

Answers: ``ok``; ``forbidden`` (403, including ``not_pool_member``: the web's 403 page does not
tell them apart); ``not_found`` (404: the target is invisible to the persona); or the code of a
409/422/429. Users, pools and customers a persona may not see are ``not_found`` on every verb;
a visible target the persona may not act on is ``forbidden``.

Who sees what (see ``tests.persona.edges`` for the company): the targets are "a new rep" (a sales
user of East Team A, managed by manager and sub_manager, seen by no other sales user), pools
shaped like P (members East and below, administered by pool_admin), and customers of P:
unowned, owned by rep, or owned by peer_manager (a second manager of East, whom the East
manager does not manage).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from highseas import clock
from highseas.app import create_app
from tests.conftest import PASSWORD, START, build_org
from tests.persona.actions import ACTIONS
from tests.persona.edges import PERSONAS, World, api_answer, web_answer

RULES = """
action                  admin       pool_admin  manager     sub_manager rep         other_rep
create_department       ok          forbidden   forbidden   forbidden   forbidden   forbidden
create_user             ok          forbidden   forbidden   forbidden   forbidden   forbidden
edit_user_capacity      ok          not_found   forbidden   forbidden   not_found   not_found
change_own_password     ok          ok          ok          ok          ok          ok
reset_password          ok          not_found   forbidden   forbidden   not_found   not_found
deactivate_user         ok          not_found   forbidden   forbidden   not_found   not_found
company_settings        ok          forbidden   forbidden   forbidden   forbidden   forbidden
create_pool             ok          forbidden   forbidden   forbidden   forbidden   forbidden
pool_members            ok          forbidden   forbidden   forbidden   forbidden   not_found
pool_admins             ok          forbidden   forbidden   forbidden   forbidden   not_found
pool_hide_contact       ok          forbidden   forbidden   forbidden   forbidden   not_found
pool_reclaim_days       ok          ok          forbidden   forbidden   forbidden   not_found
add_rule                ok          ok          forbidden   forbidden   forbidden   not_found
edit_rule               ok          ok          forbidden   forbidden   forbidden   not_found
delete_rule             ok          ok          forbidden   forbidden   forbidden   not_found
sweep                   ok          forbidden   forbidden   forbidden   forbidden   forbidden
import_into_pool        ok          ok          forbidden   forbidden   forbidden   not_found
distribute              ok          ok          ok          ok          forbidden   not_found
distribute_back         ok          ok          ok          ok          forbidden   not_found
create_customer         ok          ok          ok          ok          ok          ok
edit_rep_customer       ok          not_found   ok          ok          ok          not_found
edit_pool_customer      ok          ok          forbidden   forbidden   forbidden   not_found
claim                   forbidden   forbidden   ok          ok          ok          not_found
claim_past_daily_limit  forbidden   forbidden   daily_limit daily_limit daily_limit not_found
release                 not_owner   not_found   not_owner   not_owner   ok          not_found
assign                  ok          ok          ok          ok          not_found   not_found
assign_back             protected   protected   protected   protected   forbidden   not_found
transfer                ok          not_found   ok          ok          not_found   not_found
transfer_peer_managers  ok          not_found   not_found   not_found   not_found   not_found
followup                not_owner   not_found   not_owner   not_owner   ok          not_found
deal                    not_owner   not_found   not_owner   not_owner   ok          not_found
lock                    not_owner   not_found   not_owner   not_owner   ok          not_found
unlock                  not_owner   not_found   not_owner   not_owner   ok          not_found
delete_customer         ok          not_found   forbidden   forbidden   forbidden   not_found
restore_customer        ok          not_found   forbidden   forbidden   forbidden   not_found
merge_rep_customers     ok          not_found   forbidden   forbidden   ok          not_found
merge_pool_customers    ok          ok          forbidden   forbidden   forbidden   not_found
dismiss_rep_customers   ok          not_found   forbidden   forbidden   ok          not_found
dismiss_pool_customers  ok          ok          forbidden   forbidden   forbidden   not_found
export_pool             ok          ok          forbidden   forbidden   forbidden   not_found
export_rep              ok          not_found   ok          ok          ok          not_found
export_peer_managers    ok          not_found   not_found   not_found   not_found   not_found
"""
# What each row does, to whom (the adapters are in tests.persona.actions; "protected" is
# reclaim_protected):
#   edit_user_capacity, reset_password, deactivate_user: a new rep of East Team A.
#   pool_*, add_rule, edit_rule, delete_rule, import_into_pool, distribute: a new pool shaped like P;
#     distribute hands its one customer to teammate (a rep of East Team A, a member of P).
#   edit_rep_customer, release, transfer, followup, deal, lock, unlock, delete/restore_customer:
#     a customer of P owned by rep; transfer and assign go to teammate.
#   edit_pool_customer, claim, assign: an unowned customer of P.
#   transfer_peer_managers, export_peer_managers: peer_manager's customers (a peer of manager).
#   assign_back, distribute_back: hand rep a customer rep released a moment ago into a pool that
#     protects it from rep for 7 days (no override_reason given); a rep may not hand out to themselves.
#     An assignment is refused; a distribution answers ok and lists rep as skipped for that reason
#     (tests/service/test_one_gate.py pins the skip), handing the customer to nobody.
#   distribute as rep: rep sees P but may not hand out its customers (forbidden, before any user
#     is looked at).
#   claim_past_daily_limit: in a pool of one claim a day, claim a second customer after a first.
#   A rep sees no other user, so assigning or transferring a customer to teammate is not_found
#     for them (as for anyone naming a user they cannot see), even where the customer is visible.
#   merge_*, dismiss_*: two customers of P, both owned by rep or both unowned; the first absorbs
#     the second. Only an admin, the owner of both or the pool admin of both may: a manager over
#     the owner sees both but may not.
#   export_pool: P; export_rep: rep's customers; company_settings: the settings as they are.
#   create_customer: an owned customer of the default pool, of which everyone is a member.
# The web has no form for edit_rule, delete_customer and restore_customer: those
# rows are checked on the API alone.


SHORT = {"protected": "reclaim_protected"}


def _parse(table: str) -> dict[str, dict[str, str]]:
    header, *rows = (line.split() for line in table.strip().splitlines())
    assert tuple(header[1:]) == PERSONAS, header
    return {row[0]: {p: SHORT.get(a, a) for p, a in zip(PERSONAS, row[1:], strict=True)} for row in rows}


EXPECTED = _parse(RULES)
assert set(EXPECTED) == set(ACTIONS), set(EXPECTED) ^ set(ACTIONS)
CELLS = [(action, persona) for action in EXPECTED for persona in PERSONAS]


@pytest.fixture(scope="module")
def world(module_engine: Engine) -> Iterator[World]:
    clock.set_now(START)
    org = build_org(module_engine)
    app = create_app(module_engine)
    usernames = {
        "admin": org.admin.username,
        "manager": org.east_manager.username,
        "rep": org.rep.username,
        "other_rep": org.west_rep.username,
        "teammate": org.other_rep.username,
    }
    with TestClient(app) as api_client:
        world = World(
            api_client=api_client,
            web_clients={},
            ids={
                "admin": org.admin.id,
                "manager": org.east_manager.id,
                "rep": org.rep.id,
                "other_rep": org.west_rep.id,
                "teammate": org.other_rep.id,
            },
            usernames=usernames,
            settings={},
        )
        world.log_in_api("admin")
        departments = {d["name"]: d for d in world.setup("GET", "/departments")}
        world.ids |= {name: d["id"] for name, d in departments.items()}
        ops = world.setup("POST", "/departments", json={"name": "Ops", "parent_id": world.ids["HQ"]})
        for who, role, department in (
            ("pool_admin", "sales", ops["id"]),
            ("sub_manager", "manager", world.ids["East Team A"]),
            ("peer_manager", "manager", world.ids["East"]),
        ):
            body = {"username": who, "password": PASSWORD, "role": role, "department_id": department}
            world.ids[who] = world.setup("POST", "/users", json=body)["id"]
            usernames[who] = who
        pool_p = {
            "name": "P",
            "member_department_ids": [world.ids["East"]],
            "admin_user_ids": [world.ids["pool_admin"]],
        }
        world.ids["P"] = world.setup("POST", "/pools", json=pool_p)["id"]
        # Hundreds of cells give rep, teammate and peer_manager customers, and lock rep's.
        for who in ("rep", "teammate", "peer_manager"):
            world.setup("PATCH", f"/users/{world.ids[who]}", json={"capacity": 10_000, "lock_cap": 10_000})
        world.settings = world.setup("GET", "/settings")
        for who in usernames:
            world.web_clients[who] = TestClient(app, headers={"Accept-Language": "en"})
            world.log_in_api(who)
            world.log_in_web(who)
        yield world
    clock.set_now(None)


@pytest.mark.parametrize(("action", "persona"), CELLS, ids=[f"{a}-{p}" for a, p in CELLS])
def test_both_edges_give_the_answer_of_the_rules(world: World, action: str, persona: str) -> None:
    adapter, expected = ACTIONS[action], EXPECTED[action][persona]
    edges = {"api": adapter.api} | ({"web": adapter.web} if adapter.web else {})
    answers = {}
    for edge, run in edges.items():
        target = adapter.prepare(world)
        response = run(world, persona, target)
        answers[edge] = api_answer(response) if edge == "api" else web_answer(response)
        if "new_password" in target:
            world.settle_password(persona, target["new_password"])
    assert answers == dict.fromkeys(edges, expected), (
        f"{action} as {persona}: the rules say {expected}; "
        + ", ".join(f"{edge} answered {answer}" for edge, answer in answers.items())
        + ("" if adapter.web else " (the web has no form for it)")
    )
