"""The fresh objects a cell of the persona table acts on, made through the API as an admin (or
as the owner, for an owned customer): every cell gets its own, so no cell sees another's."""

from __future__ import annotations

from typing import Any

from tests.persona.edges import World

Target = dict[str, Any]
NEW_PASSWORD = "a different horse battery staple"


def nothing(world: World) -> Target:
    return {}


def customer(world: World, owner: str | None = None, pool_id: int | None = None) -> int:
    """A customer of the pool (P unless given): unowned there, or owned by ``owner`` (who creates it)."""
    body = {"name": world.unique("Persona customer"), "pool_id": pool_id or world.ids["P"]}
    if owner is None:
        return int(world.setup("POST", "/customers", json=body | {"in_pool": True})["id"])
    return int(world.setup("POST", "/customers", who=owner, json=body)["id"])


def pool(world: World, **settings: Any) -> int:
    """A pool shaped like P (East and below are members, pool_admin administers it), with ``settings``."""
    body = {
        "name": world.unique("Pool"),
        "member_department_ids": [world.ids["East"]],
        "admin_user_ids": [world.ids["pool_admin"]],
    }
    return int(world.setup("POST", "/pools", json=body | settings)["id"])


def user_body(world: World) -> dict[str, Any]:
    """A new sales user of East Team A: managed by manager and sub_manager, seen by no rep."""
    return {
        "username": world.unique("newrep").replace(" ", ""),
        "password": "correct horse battery staple",
        "role": "sales",
        "department_id": world.ids["East Team A"],
    }


def rep_customer(world: World) -> Target:
    return {"customer": customer(world, owner="rep")}


def pool_customer(world: World) -> Target:
    return {"customer": customer(world)}


def peer_manager_customer(world: World) -> Target:
    return {"customer": customer(world, owner="peer_manager")}


def locked_rep_customer(world: World) -> Target:
    target = rep_customer(world)
    world.setup("POST", f"/customers/{target['customer']}/lock", who="rep")
    return target


def deleted_rep_customer(world: World) -> Target:
    target = rep_customer(world)
    world.setup("DELETE", f"/customers/{target['customer']}")
    return target


def a_pool(world: World) -> Target:
    return {"pool": pool(world)}


def a_pool_with_rule(world: World) -> Target:
    target = a_pool(world)
    rule = world.setup("POST", f"/pools/{target['pool']}/rules", json={"kind": "no_followup", "days": 30})
    return target | {"rule": int(rule["id"])}


def a_pool_with_customer(world: World) -> Target:
    target = a_pool(world)
    return target | {"customer": customer(world, pool_id=target["pool"])}


def just_released_by_rep(world: World) -> Target:
    """A customer rep gave back a moment ago to a pool that protects it from rep for a week."""
    pool_id = pool(world, reclaim_protection_days=7)
    customer_id = customer(world, owner="rep", pool_id=pool_id)
    world.setup("POST", f"/customers/{customer_id}/release", who="rep", json={"reason": "no answer"})
    return {"pool": pool_id, "customer": customer_id}


def two_in_a_pool_of_one_claim_a_day(world: World) -> Target:
    pool_id = pool(world, daily_claim_limit=1)
    return {
        "pool": pool_id,
        "first": customer(world, pool_id=pool_id),
        "customer": customer(world, pool_id=pool_id),
    }


def a_user(world: World) -> Target:
    return {"user": int(world.setup("POST", "/users", json=user_body(world))["id"])}


def a_lead_file(world: World) -> Target:
    csv = f"name,phone\n{world.unique('Imported lead')},{world.phone()}\n"
    return a_pool(world) | {"file": ("leads.csv", csv.encode(), "text/csv")}


def fresh_password(world: World) -> Target:
    """The new password a persona changes their own to (the test logs in with it afterwards)."""
    return {"new_password": world.unique(NEW_PASSWORD)}


def two_rep_customers(world: World) -> Target:
    """Two records of one company, both rep's: the first survives a merge of the second."""
    return {"customer": customer(world, owner="rep"), "other": customer(world, owner="rep")}


def two_pool_customers(world: World) -> Target:
    """Two unowned records of one company in P (pool_admin administers it)."""
    return {"customer": customer(world), "other": customer(world)}
